"""Digest fan-out: N Telegram chats due at the same minute, through the real adapter.

    python -m bench.fanout [--chats 10000] [--rate 1000] [--flood 0.02] [--retry-after 1]
                           [--history-days 0] [--seed 7] [--data DIR]
                           [--processes 1 2 3] [--state tinydb|postgres|postgresql://…]

The real ``TelegramAdapter`` (python-telegram-bot's Application and Bot, its rate limiter set to
``--rate`` messages a second) sends one scheduler slot's digests to the fake Bot API server of
the tests (``tests/platforms/telegram/fake_telegram.py``), run in its own process as Telegram runs on its
own machines. The server answers a random ``--flood`` share of sendMessage calls with 429 and
``retry_after``, and that chat again with 429 until the time has passed. The state store is a
real one in a temporary folder (with ``--history-days`` earlier days of deliveries, as a bot that
has been running has); its calls during the fan-out are timed as bookkeeping.

Prints one line per figure: the achieved rate against the ceiling, chats that got no digest,
chats that got it more than once (counted from what the server accepted), and bookkeeping time.

With ``--processes``, each count given is a run of that many bot processes (real subprocesses,
``bench/fanout_worker.py``, each with its own data folder and fact store) sharing one state
store, all firing the same slot at once; the ``--rate`` ceiling is shared out among them (each
process's limiter at rate / N), as Telegram's limit is one bot token's, however many processes
send. ``--state postgres`` starts a throwaway PostgreSQL with the tests' helper
(``tests/postgres_server.py``); a ``postgresql://`` URL uses that database and empties its tables.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import wraps
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
TOKEN = "fan-out-benchmark-not-a-real-token"  # for the loopback fake server only
ZONE = "Europe/Warsaw"
#: 6 January has anniversaries in the bundled content, so every chat gets a digest.
MOMENT = datetime(2027, 1, 6, 9, 0, tzinfo=ZoneInfo(ZONE))
FIRST_CHAT = -1001000000000  # channel and supergroup ids look like -100xxxxxxxxxx


def serve(pipe: Connection, flood: float, retry_after: float, seed: int) -> None:
    """The child process: run the fake Bot API until asked for what it received."""
    from tests.platforms.telegram.fake_telegram import FakeBotApi

    async def main() -> None:
        async with FakeBotApi(TOKEN, flood_share=flood, flood_retry_after=retry_after, seed=seed) as api:
            pipe.send(api.base_url)
            await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
            pipe.send((dict(api.received()), api.floods, len(api.sent()), api.accepted_at))

    asyncio.run(main())


class Stopwatch:
    """Wall time spent inside the wrapped calls; a call made from inside another counts once."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._depth = 0

    @contextlib.contextmanager
    def timing(self) -> Iterator[None]:
        self._depth += 1
        started = time.perf_counter()
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self.seconds += time.perf_counter() - started
                self.calls += 1

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.timing():
                return function(*args, **kwargs)

        return timed

    def wrap_context(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        @contextlib.contextmanager
        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            with self.timing(), function(*args, **kwargs) as value:
                yield value

        return timed


def instrument(state: Any, watch: Stopwatch) -> None:
    """Time every public call on the state store, and whole transaction blocks (their body too)."""
    for name in dir(type(state)):
        if name.startswith("_") or not callable(getattr(state, name)):
            continue
        wrap = watch.wrap_context if name == "transaction" else watch.wrap
        setattr(state, name, wrap(getattr(state, name)))


async def fan_out(base_url: str, data: Path, chats: int, rate: float, history: int = 0) -> dict[str, Any]:
    from bot.briefings.service import Briefing
    from bot.digests.compose import Subscription, Target
    from bot.digests.delivery import Digests
    from bot.digests.scheduler import DigestScheduler
    from bot.digests.state import StateStore
    from bot.platforms.telegram.adapter import TelegramAdapter

    briefing = Briefing.load(REPO / "content", data, ZoneInfo(ZONE), "pl", lambda: MOMENT)
    state = StateStore(data)
    targets = [Target("telegram", str(FIRST_CHAT - i)) for i in range(chats)]
    with state.transaction():
        state.put_subscriptions(Subscription(target, "09:00", ZONE) for target in targets)
        for back in range(history, 0, -1):  # earlier days' deliveries, as a bot that has been running has
            day = (MOMENT - timedelta(days=back)).date().isoformat()
            state.record_deliveries(
                {"key": target.key, "date": day, "state": "sent", "detail": "", "at": f"{day}T08:00:00+00:00"}
                for target in targets
            )
    digests = Digests(briefing, state, ZONE, lambda: MOMENT)
    adapter = TelegramAdapter(briefing, state, TOKEN, base_url, max_retries=3, digests=digests, max_rate=rate)
    await adapter.application.initialize()  # no polling: a fan-out only sends
    watch = Stopwatch()
    instrument(state, watch)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        outcomes = await DigestScheduler(digests, adapter.deliver).fire("09:00", ZONE)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await adapter.application.shutdown()
    reloaded = StateStore(data)  # what a restart would find
    recorded = Counter(record["state"] for record in reloaded.deliveries())
    return {
        "seconds": seconds,
        "cpu": cpu,
        "outcomes": Counter(o.state for o in outcomes),
        "recorded": recorded,
        "bookkeeping": watch.seconds,
        "bookkeeping_calls": watch.calls,
    }


@contextlib.contextmanager
def fake_server(flood: float, retry_after: float, seed: int) -> Iterator[tuple[str, Callable[[], tuple[Any, ...]]]]:
    """The fake Bot API in a process of its own: its URL, and a call that returns what it received."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(target=serve, args=(theirs, flood, retry_after, seed), daemon=True)
    server.start()

    def report() -> tuple[Any, ...]:
        ours.send("report")
        return ours.recv()  # type: ignore[no-any-return]

    try:
        yield ours.recv(), report
    finally:
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()


@contextlib.contextmanager
def state_databases(state: str) -> Iterator[Callable[[], str | None]]:
    """A function giving a fresh state location for each run: None (TinyDB in the first process's
    data folder), a database on a throwaway PostgreSQL server, or the given URL with its tables emptied."""
    if state == "tinydb":
        yield lambda: None
        return
    from bench.state_calls import postgres

    with postgres(None if state == "postgres" else state) as fresh:
        yield fresh


def seed_state(state: Any, chats: int, history: int) -> None:
    from bot.digests.compose import Subscription, Target

    targets = [Target("telegram", str(FIRST_CHAT - i)) for i in range(chats)]
    with state.transaction():
        state.put_subscriptions(Subscription(target, "09:00", ZONE) for target in targets)
        for back in range(history, 0, -1):
            day = (MOMENT - timedelta(days=back)).date().isoformat()
            state.record_deliveries(
                {"key": target.key, "date": day, "state": "sent", "detail": "", "at": f"{day}T08:00:00+00:00"}
                for target in targets
            )


def fan_out_processes(
    base_url: str, folder: Path, location: str | None, processes: int, chats: int, rate: float, history: int
) -> dict[str, Any]:
    """``processes`` bot processes firing the same slot against one state store, started together."""
    from bot.digests.open_state import open_state_store

    datas = [folder / f"process-{number}" for number in range(processes)]
    seeded = open_state_store(location, datas[0])
    seed_state(seeded, chats, history)
    seeded.close()
    command = [sys.executable, "-m", "bench.fanout_worker", base_url]
    workers = [
        subprocess.Popen(
            [*command, str(data), str(rate / processes), *([location] if location else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for data in datas
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = worker.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"a bot process did not start: {line!r}")
        for worker in workers:  # as close together as the scheduler's jobs in N processes would fire
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        results = [json.loads(worker.communicate(timeout=600)[0]) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    reloaded = open_state_store(location, datas[0])
    recorded = Counter(record["state"] for record in reloaded.deliveries())
    reloaded.close()
    return {
        "seconds": max(r["ended"] for r in results) - min(r["started"] for r in results),
        "cpu": sum(r["cpu"] for r in results),
        "outcomes": sum((Counter(r["outcomes"]) for r in results), Counter()),
        "per_process": [Counter(r["outcomes"])["sent"] for r in results],
        "recorded": recorded,
        "bookkeeping": sum(r["bookkeeping"] for r in results),
        "bookkeeping_each": [r["bookkeeping"] for r in results],
        "bookkeeping_calls": sum(r["bookkeeping_calls"] for r in results),
    }


def report(
    args: argparse.Namespace,
    result: dict[str, Any],
    server: tuple[Any, ...],
    retry_after: float,
    label: str = "",
) -> None:
    received, floods, calls, accepted_at = server
    chats = [FIRST_CHAT - i for i in range(args.chats)]
    lost = sum(1 for chat in chats if received.get(chat, 0) == 0)
    duplicated = sum(1 for chat in chats if received.get(chat, 0) > 1)
    delivered = sum(received.values())
    seconds = result["seconds"]
    achieved = delivered / seconds
    each = result.get("bookkeeping_each") or [result["bookkeeping"]]
    share = max(each) / seconds  # of the busiest process: the processes keep their books side by side
    outcomes = ", ".join(f"{n} {state}" for state, n in sorted(result["outcomes"].items()))
    recorded = ", ".join(f"{n} {state}" for state, n in sorted(result["recorded"].items()))
    # A sender that keeps to the ceiling and honours retry_after can do about this at best: every
    # call counts against the ceiling, 429s included, and a chat refused in the last second of
    # the bulk waits out its retry_after after it.
    bound = args.chats / ((args.chats + floods) / args.rate + retry_after) / args.rate
    if label:
        print(label)
    print(
        f"fan-out      {args.chats} chats in {seconds:.2f} s: {achieved:.0f} messages/s = "
        f"{achieved / args.rate:.1%} of the {args.rate:g}/s ceiling, about {bound:.1%} at best with these "
        f"429s: {achieved / args.rate / bound:.1%} of the best rate (target >= 95%)"
    )
    print(f"lost         {lost} chats got no digest (target 0)")
    print(f"duplicated   {duplicated} chats got it more than once (target 0)")
    if len(each) > 1:
        print(
            f"bookkeeping  {result['bookkeeping']:.2f} s in {result['bookkeeping_calls']} state store calls, "
            f"per process {', '.join(f'{s:.2f} s' for s in each)}: the busiest's = {share:.1%} of the fan-out "
            "(target <= 5%)"
        )
    else:
        print(
            f"bookkeeping  {result['bookkeeping']:.2f} s in {result['bookkeeping_calls']} state store calls = "
            f"{share:.1%} of the fan-out (target <= 5%)"
        )
    accepted_at.sort()
    most = accepted_at[int(len(accepted_at) * 0.98) - 1] - accepted_at[0] if accepted_at else 0.0
    span = accepted_at[-1] - accepted_at[0] if accepted_at else 0.0
    per_process = result.get("per_process")
    print(
        f"(bot process{'es' if per_process and len(per_process) > 1 else ''}: "
        f"{result['cpu'] / args.chats * 1000:.2f} ms CPU a chat; "
        + (f"sent per process: {', '.join(map(str, per_process))}; " if per_process else "")
        + f"server: {calls} sendMessage calls, {floods} answered 429 with retry_after {retry_after:g} s; "
        f"98% of the messages arrived within {most:.2f} s of the first, the last after {span:.2f} s; "
        f"outcomes: {outcomes}; state store after: {recorded})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=1000, help="the limiter's ceiling, messages a second")
    parser.add_argument("--flood", type=float, default=0.02, help="share of sendMessage calls answered 429")
    parser.add_argument(
        "--retry-after",
        type=float,
        default=1.0,
        help="the 429s' retry_after in seconds; Telegram sends whole seconds, at least 1",
    )
    parser.add_argument(
        "--history-days", type=int, default=0, help="start with this many earlier days of deliveries in the state file"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=None, help="state and fact store here (default: temporary)")
    parser.add_argument(
        "--processes",
        type=int,
        nargs="+",
        default=None,
        help="a run of each many bot processes (subprocesses), sharing the ceiling and the state store",
    )
    parser.add_argument(
        "--state",
        default="tinydb",
        help="with --processes: tinydb (one process only), postgres (a throwaway server) "
        "or a postgresql:// URL (its tables are emptied)",
    )
    args = parser.parse_args()

    retry_after = int(args.retry_after) if args.retry_after.is_integer() else args.retry_after  # JSON 1, not 1.0
    if args.processes is None:
        if args.state != "tinydb":
            parser.error("--state needs --processes (the single-process run is TinyDB in one process)")
        with fake_server(args.flood, retry_after, args.seed) as (base_url, received):
            with tempfile.TemporaryDirectory(prefix="briefing-fanout-") as temporary:
                data = args.data or Path(temporary)
                result = asyncio.run(fan_out(base_url, data, args.chats, args.rate, args.history_days))
            server = received()
        report(args, result, server, retry_after)
        return
    if args.state == "tinydb" and max(args.processes) > 1:
        parser.error("several processes need a shared state store: --state postgres or a postgresql:// URL")
    with state_databases(args.state) as fresh:
        for processes in args.processes:
            with fake_server(args.flood, retry_after, args.seed) as (base_url, received):
                with tempfile.TemporaryDirectory(prefix="briefing-fanout-") as temporary:
                    result = fan_out_processes(
                        base_url, Path(temporary), fresh(), processes, args.chats, args.rate, args.history_days
                    )
                server = received()
            store = "TinyDB" if args.state == "tinydb" else "PostgreSQL"
            label = f"--- {processes} process(es), state on {store}, each limiter at {args.rate / processes:g}/s"
            report(args, result, server, retry_after, label)


if __name__ == "__main__":
    main()
