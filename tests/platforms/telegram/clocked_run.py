"""``briefing-bot`` as a process whose "now" the test sets: ``python -m
tests.platforms.telegram.clocked_run 2027-01-06T09:30:00+01:00 run ...`` runs ``bot.cli.main``
with the rest of the arguments and a clock fixed at that moment, as the other process tests pass
their clock (``tests/digests/fanout_writer.py``). ``start`` runs it so from a test."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import IO

from bot.cli import main

REPO = Path(__file__).resolve().parents[3]


async def start(
    folder: Path,
    now: datetime,
    token: str,
    *arguments: str,
    stdout: int | IO[bytes] = asyncio.subprocess.PIPE,
    stderr: int | IO[bytes] = asyncio.subprocess.PIPE,
) -> asyncio.subprocess.Process:
    """``briefing-bot run`` on the bundled content in ``folder`` (its config and data), with this
    Telegram token and none of the environment's other ``BRIEFING_`` variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env.update(BRIEFING_TELEGRAM_TOKEN=token, PYTHONPATH=str(REPO))
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.platforms.telegram.clocked_run",
        now.isoformat(),
        "run",
        *arguments,
        "--content",
        str(REPO / "content"),
        cwd=folder,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
    )


if __name__ == "__main__":
    now = datetime.fromisoformat(sys.argv[1])
    raise SystemExit(main(sys.argv[2:], clock=lambda: now))
