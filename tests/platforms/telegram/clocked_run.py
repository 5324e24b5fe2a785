"""``briefing-bot`` as a process whose "now" the test sets: ``python -m
tests.platforms.telegram.clocked_run 2027-01-06T09:30:00+01:00 run ...`` runs ``bot.cli.main``
with the rest of the arguments and a clock fixed at that moment, as the other process tests pass
their clock (``tests/digests/fanout_writer.py``)."""

from __future__ import annotations

import sys
from datetime import datetime

from bot.cli import main

if __name__ == "__main__":
    now = datetime.fromisoformat(sys.argv[1])
    raise SystemExit(main(sys.argv[2:], clock=lambda: now))
