"""One bot process of ``python -m bench.fanout --processes N``: fires the benchmark's slot once.

    python -m bench.fanout_worker BASE_URL DATA_DIR RATE [STATE]

Loads the bundled content into its own fact store in DATA_DIR, opens the state store (STATE, a
``postgresql://`` URL, or TinyDB in DATA_DIR), builds the real ``TelegramAdapter`` against the
fake Bot API at BASE_URL with its limiter at RATE messages a second, then prints ``ready`` and
waits for a line on stdin: the parent starts every process's fan-out at once. It fires the slot
as the scheduler does (every process fires the same slot; the claims in the state store share
the chats out) and prints one JSON line: its start and end (wall clock, to compare across
processes), CPU, outcomes and bookkeeping.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.fanout import MOMENT, REPO, TOKEN, ZONE, Stopwatch, instrument


async def fire(base_url: str, data: Path, rate: float, state_location: str | None) -> dict[str, object]:
    from bot.briefings.service import Briefing
    from bot.digests.delivery import Digests
    from bot.digests.open_state import open_state_store
    from bot.digests.scheduler import DigestScheduler
    from bot.platforms.telegram.adapter import TelegramAdapter

    briefing = Briefing.load(REPO / "content", data, ZoneInfo(ZONE), "pl", lambda: MOMENT)
    state = open_state_store(state_location, data)
    digests = Digests(briefing, state, ZONE, lambda: MOMENT)
    adapter = TelegramAdapter(briefing, state, TOKEN, base_url, max_retries=3, digests=digests, max_rate=rate)
    await adapter.application.initialize()
    watch = Stopwatch()
    instrument(state, watch)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    try:
        started, cpu = time.time(), time.process_time()
        outcomes = await DigestScheduler(digests, adapter.deliver).fire("09:00", ZONE)
        ended, cpu = time.time(), time.process_time() - cpu
    finally:
        await adapter.application.shutdown()
        state.close()
    return {
        "started": started,
        "ended": ended,
        "cpu": cpu,
        "outcomes": dict(Counter(o.state for o in outcomes)),
        "bookkeeping": watch.seconds,
        "bookkeeping_calls": watch.calls,
    }


def main() -> None:
    base_url, data, rate = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    state_location = sys.argv[4] if len(sys.argv) > 4 else None
    print(json.dumps(asyncio.run(fire(base_url, data, rate, state_location))), flush=True)


if __name__ == "__main__":
    main()
