"""Kill a writer with SIGKILL at random moments, many times: what was acknowledged is never lost,
and a restart always loads.

- The state store (subscriptions, delivery log, chat languages): after each kill the file reads
  back and holds exactly what the acknowledged transactions wrote (or one more, the transaction
  that was written but not yet acknowledged), and the dead writer's temporary file is cleared.
- The fact store, while the content folder changes under a bot that takes the changes in
  (``Briefing.reload``, a full rebuild with worker processes when the topics change): after each
  kill a restart loads without error, and its facts, search keys and figures are those of a clean
  build of the same content; no extraction worker outlives the killed bot.

The random moments come from seeded generators, so a failure can be replayed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.briefings.service import Briefing
from bot.digests.delivery import CONCURRENCY
from bot.digests.state import STATE_FILE, StateStore
from bot.extraction import pool as extraction_pool
from tests.conftest import WARSAW
from tests.digests.fanout_writer import CLAIM_BATCH, targets
from tests.digests.state_writer import Model, transaction
from tests.store.store_writer import FLIPS, flip, make_corpus

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
STATE_KILLS = 20


def _state_of(store: StateStore, chats: int) -> tuple[Any, ...]:
    languages = {("telegram", str(c)): store.language("telegram", c) for c in range(chats)}
    return (
        {s.target.key: s.to_record() for s in store.subscriptions()},
        {k: v for k, v in languages.items() if v is not None},
        {(r["key"], r["date"]): r for r in store.deliveries()},
    )


def _state_of_model(model: Model) -> tuple[Any, ...]:
    return model.subscriptions, model.languages, model.deliveries


def test_sigkill_during_state_writes_never_corrupts_or_loses_acknowledged_records(tmp_path: Path) -> None:
    rng = random.Random(20261122)
    model = Model()  # after the acknowledged transactions
    start = 0
    for kill in range(STATE_KILLS):
        writer = subprocess.Popen(
            [sys.executable, "-m", "tests.digests.state_writer", str(tmp_path), str(start)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=ENV,
        )
        assert writer.stdout is not None
        first = writer.stdout.readline()  # wait until it is writing
        assert first.strip().isdigit(), first
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(writer.pid, signal.SIGKILL)
        # Read on through the same buffered pipe: communicate() reads the file descriptor itself
        # and would drop what readline() had already buffered (once, "97" went missing so).
        rest = writer.stdout.read()
        writer.wait(timeout=30)
        numbers = [int(line) for line in [first, *rest.splitlines()] if line.strip()]
        assert numbers == list(range(start, start + len(numbers)))
        for number in numbers:
            transaction(model, number)
        start = numbers[-1] + 1
        unacknowledged = copy.deepcopy(model)  # the next transaction may be written but not acknowledged
        transaction(unacknowledged, start)

        found = _state_of(StateStore(tmp_path), start + 1)  # raises if the file were corrupt
        expected = [_state_of_model(model), _state_of_model(unacknowledged)]
        assert found in expected, f"kill {kill}: the state after transaction {start - 1} is not as written"
        assert [p.name for p in tmp_path.iterdir()] == [STATE_FILE]  # the dead writer's temporary file is gone
    assert start > 2 * STATE_KILLS  # the writer got real work done between kills
    print(
        f"state store: {STATE_KILLS} kills, {start} acknowledged transactions, "
        f"{len(model.subscriptions)} subscriptions, {len(model.deliveries)} delivery records"
    )


# --- the fact store ----------------------------------------------------------------------------------

#: Kills at a random moment, and kills right after a random one of the store's file writes (the
#: moments between two writes, which random timing rarely hits).
TIMED_KILLS = 5
WRITE_KILLS = 7
#: The longest a writer runs before a timed kill: long enough to reach a full rebuild's writes.
STORE_WINDOW = 2.0


def _content_key(content: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in content.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(content)}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _held(briefing: Briefing) -> tuple[list[str], dict[str, tuple[str, ...]], list[str]]:
    """What a loaded store answers from: every fact, every fact's search keys, every figure."""
    assert briefing.store is not None
    facts = sorted(json.dumps(f.to_json(), sort_keys=True, ensure_ascii=False) for f in briefing.knowledge.facts)
    keys = dict(briefing.store.search_keys())
    figures = sorted(
        json.dumps(f.to_record(), sort_keys=True, ensure_ascii=False, default=str) for f in briefing.store.figures()
    )
    return facts, keys, figures


def _gone(group: int, timeout: float) -> bool:
    """Whether every process of a process group has ended (orphaned extraction workers too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_sigkill_during_content_rebuilds_never_breaks_the_fact_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(20261123)
    content, data = tmp_path / "content", tmp_path / "data"
    make_corpus(content)
    references: dict[str, tuple[Any, ...]] = {}

    def clean_build() -> tuple[Any, ...]:
        """The store built from nothing, in this process, for the content as it is now."""
        key = _content_key(content)
        if key not in references:
            with monkeypatch.context() as patch:
                patch.setattr(extraction_pool, "PARALLEL_FROM", 10**9)  # one process: the plainest way
                references[key] = _held(Briefing.load(content, tmp_path / "clean" / key[:16], WARSAW))
        return references[key]

    kinds = ["timed"] * TIMED_KILLS + ["write"] * WRITE_KILLS
    rng.shuffle(kinds)
    reloads = 0
    for kill, kind in enumerate(kinds):
        if kill and rng.random() < 0.3:
            flip(content, rng.choice(FLIPS))  # changed while the bot was down: the writer's load syncs
        command = [sys.executable, "-m", "tests.store.store_writer", str(content), str(data), str(rng.randrange(10**6))]
        if kind == "write":
            command.append(str(rng.randint(1, 12)))
        with open(tmp_path / "writer.log", "w+") as log:
            writer = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=log, text=True, cwd=REPO, env=ENV, start_new_session=True
            )
            assert writer.stdout is not None
            assert writer.stdout.readline().strip() == "loading"
            if kind == "timed":
                time.sleep(rng.uniform(0.0, STORE_WINDOW))
                os.kill(writer.pid, signal.SIGKILL)
            assert writer.wait(timeout=60) == -signal.SIGKILL, log.read()
        orphans_ended = _gone(writer.pid, 10)
        if not orphans_ended:
            os.killpg(writer.pid, signal.SIGKILL)  # they hold its stdout: reading it would never end
        said = writer.stdout.read().splitlines()
        writer.stdout.close()
        assert orphans_ended, f"kill {kill}: extraction workers outlived the killed bot"
        reloads += said.count("done")
        flips = [line.split()[1] for line in said if line.startswith("flip ")]
        if flips and rng.random() < 0.5:
            flip(content, flips[-1])  # the author takes back the change the bot was taking in

        restarted = Briefing.load(content, data, WARSAW)  # raises if the store could not be read or repaired
        assert not restarted.content.problems
        assert not list((data / "facts").glob("*.tmp"))  # the dead writer's temporary files are gone
        assert _held(restarted) == clean_build(), (
            f"kill {kill} ({kind}): the restarted store differs from a clean build of the same content"
        )
    print(
        f"fact store: {len(kinds)} kills ({TIMED_KILLS} at random moments, {WRITE_KILLS} right after a "
        f"file write), {reloads} reloads between them, {len(references)} content states"
    )


def test_a_restart_removes_the_temporary_files_of_dead_writers_only(tmp_path: Path) -> None:
    """A writer killed mid-write leaves its temporary file, as large as the file it was to replace."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    gone, alive = int(dead.stdout), os.getpid()
    facts = tmp_path / "facts"
    facts.mkdir()
    left = [tmp_path / f".{STATE_FILE}.{gone}.1.tmp", facts / f".shard-03.keys.db.{gone}.7.tmp"]
    writing = [tmp_path / f".{STATE_FILE}.{alive}.1.tmp", facts / f".shard-03.db.{alive}.7.tmp"]
    for path in left + writing:
        path.write_bytes(b"half a file")
    StateStore(tmp_path)
    Briefing.load(tmp_path / "no-content", tmp_path, WARSAW)
    assert [p for p in left if p.exists()] == []
    assert [p for p in writing if p.exists()] == writing


# --- a digest fan-out --------------------------------------------------------------------------------

FANOUT_CHATS = 1500
FANOUT_KILLS = 8


def test_sigkill_mid_fan_out_loses_at_most_the_claimed_batch_and_never_sends_twice(
    tmp_path: Path, bundled_data: Path
) -> None:
    """Kill a fan-out at random moments, restart it each time, then let it finish: no chat gets its
    digest twice, and each kill costs at most the chats claimed and not yet sent (one claim batch
    and the sends in flight); every other chat gets its digest from a later run."""
    rng = random.Random(20261206)
    data, sends = tmp_path / "data", tmp_path / "sends.log"
    shutil.copytree(bundled_data, data)
    lost_per_kill: list[int] = []
    for _ in range(FANOUT_KILLS + 1):
        before = set(_sent(sends))
        interrupted_before = _interrupted(data)
        writer = subprocess.Popen(
            [sys.executable, "-m", "tests.digests.fanout_writer", str(data), str(sends), str(FANOUT_CHATS)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=ENV,
        )
        assert writer.stdout is not None
        said = writer.stdout.readline()
        assert said.startswith("delivering"), said
        if len(lost_per_kill) < FANOUT_KILLS and int(said.split()[1]) > 0:
            time.sleep(rng.uniform(0.1, 0.5))
            os.kill(writer.pid, signal.SIGKILL)
            writer.wait(timeout=30)
            # A restart settles the dead run's claims; those never sent are what the kill cost.
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tests.digests.fanout_writer",
                    str(data),
                    str(sends),
                    str(FANOUT_CHATS),
                    "--recover-only",
                ],
                cwd=REPO,
                env=ENV,
                check=True,
                capture_output=True,
            )
            newly_interrupted = _interrupted(data) - interrupted_before
            lost_per_kill.append(len(newly_interrupted - set(_sent(sends))))
            assert not (newly_interrupted & before)
        else:
            rest = writer.stdout.read()  # not communicate(timeout=…): it would skip what readline buffered
            assert writer.wait(timeout=60) == 0 and rest.startswith("done"), rest
    counts = Counter(_sent(sends))
    duplicated = [key for key, count in counts.items() if count > 1]
    interrupted = _interrupted(data)
    never = [t.key for t in targets(FANOUT_CHATS) if t.key not in counts]
    print(
        f"fan-out kill loop: {FANOUT_KILLS} kills of a fan-out to {FANOUT_CHATS} chats "
        f"(claim batch {CLAIM_BATCH}, {CONCURRENCY} sends in flight): chats lost per kill {lost_per_kill}, "
        f"{len(duplicated)} duplicated, "
        f"{len(counts)} delivered"
    )
    assert duplicated == []
    assert max(lost_per_kill) <= CLAIM_BATCH + CONCURRENCY  # the batch claimed, and the sends in flight
    assert sorted(never) == sorted(interrupted - set(counts))  # only the claimed-and-unsent were lost
    assert len(never) == sum(lost_per_kill)


def _sent(sends: Path) -> list[str]:
    return sends.read_text().split() if sends.exists() else []


def _interrupted(data: Path) -> set[str]:
    return {r["key"] for r in StateStore(data).deliveries() if r["state"] == "interrupted"}
