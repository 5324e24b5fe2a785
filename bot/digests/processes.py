"""The processes sharing a state store, and whether they answer from the same content.

The fact store stays local: each process builds it from its own content folder (a shared volume,
or a checkout each host pulls). So that a host left on old content does not answer differently
unnoticed, each process publishes a short hash of its content (``Briefing.content_hash``) in the
state store every ``BEAT`` and compares it with those of the processes seen in the last
``RECENT``. A process is told its content differs when some other hash is held by at least as
many recent processes as its own: of three, the odd one out says so and the two that agree stay
ready; of two that disagree, both say so, since neither can tell which is right.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.base.errors import StoreError
from bot.digests.state_store import StateStore

log = logging.getLogger(__name__)

#: How often a running process publishes its content hash and compares it with the others'.
BEAT = timedelta(minutes=1)
#: Processes seen within this long count as running.
RECENT = timedelta(minutes=5)


def process_id(data_dir: Path) -> str:
    """A process's id: its host and data folder, which is one process's on a host; so a restarted
    process replaces its own record instead of disagreeing with its earlier self."""
    return f"{socket.gethostname()}:{data_dir.resolve()}"


@dataclass
class ContentAgreement:
    """One process's record in the state store, and what it found of the others at its last beat."""

    state: StateStore
    content_hash: Callable[[], str]
    clock: Callable[[], datetime]
    id: str
    host: str = field(default_factory=socket.gethostname)
    #: Why this process's content is taken to differ, as ``/readyz`` says it; None while it agrees.
    differs: str | None = None

    def beat(self) -> str | None:
        """Publish this process's content hash, compare it with the recent others'; returns (and
        logs, when it changes) why it differs, or None. A state store that cannot be reached
        leaves the last finding as it was (and raises ``StoreError``)."""
        now = self.clock().astimezone(UTC)
        mine = self.content_hash()
        self.state.put_process(
            {"id": self.id, "host": self.host, "content": mine, "seen": now.isoformat(timespec="seconds")}
        )
        recent = [
            record
            for record in self.state.processes()
            if record["id"] != self.id and datetime.fromisoformat(record["seen"]) >= now - RECENT
        ]
        differs = differing(mine, [record["content"] for record in recent])
        if differs != self.differs:
            if differs is not None:
                hosts = ", ".join(sorted({f"{r['host']} ({r['content']})" for r in recent if r["content"] != mine}))
                log.warning("content %s; other processes: %s", differs, hosts)
            elif self.differs is not None:
                log.warning("content agrees with the other processes again (%s)", mine)
        self.differs = differs
        return differs


def differing(mine: str, others: list[str]) -> str | None:
    """Why ``mine`` is taken to differ from the other processes' hashes, or None."""
    counts = Counter(others)
    ours = counts[mine] + 1
    rivals = sorted(content for content, count in counts.items() if content != mine and count >= ours)
    if not rivals:
        return None
    return f"differs from other processes (signature {mine} vs {', '.join(rivals)})"


async def keep_agreeing(agreement: ContentAgreement, report: Callable[[str | None], None]) -> None:
    """Beat every ``BEAT`` for as long as the process runs, telling ``report`` each finding."""
    while True:
        try:
            report(await asyncio.to_thread(agreement.beat))
        except StoreError as error:
            log.error("content hash not published: %s", error)
        await asyncio.sleep(BEAT.total_seconds())
