"""Kill a writer with SIGKILL at random moments: the state file always reads back, and nothing
that was acknowledged is lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.core.state import STATE_FILE, StateStore

REPO = Path(__file__).resolve().parents[2]
KILLS = 20


def test_sigkill_during_state_writes_never_corrupts_or_loses_acknowledged_records(tmp_path: Path) -> None:
    rng = random.Random(20261122)
    acknowledged: set[int] = set()
    start = 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for _ in range(KILLS):
        writer = subprocess.Popen([sys.executable, "-m", "tests.core.state_writer", str(tmp_path), str(start)],
                                  stdout=subprocess.PIPE, text=True, cwd=REPO, env=env)
        assert writer.stdout is not None
        first = writer.stdout.readline()  # wait until it is writing
        assert first.strip().isdigit(), first
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(writer.pid, signal.SIGKILL)
        rest, _ = writer.communicate(timeout=30)
        numbers = [int(line) for line in [first, *rest.splitlines()] if line.strip()]
        acknowledged.update(numbers)
        start = max(numbers) + 1

        store = StateStore(tmp_path)  # raises if the file were corrupt
        keys = {s.target.chat for s in store.subscriptions()}
        delivered = {record["key"] for record in store.deliveries()}
        missing = [n for n in acknowledged if str(n) not in keys or f"telegram:{n}:" not in delivered]
        assert missing == [], f"lost acknowledged transactions: {missing[:10]}"
        assert not [p for p in tmp_path.iterdir() if p.name != STATE_FILE and not p.name.endswith(".tmp")]
    assert len(acknowledged) > KILLS  # the writer got real work done between kills
