"""The digests' bookkeeping on each state store: ``due_on``, ``deliver`` and ``recover`` for N chats.

    python -m bench.state_calls [--chats 5000] [--history-days 7] [--runs 3]
                                [--state postgresql://…] [--stores tinydb postgresql]

Each store starts with N subscriptions and ``--history-days`` earlier days of deliveries (a bot
that has been running a while). Then, timed: ``due_on`` (who has not had today's digest),
``deliver`` with a sender that returns at once (so only the claims, outcomes and reads are
timed, no platform), and ``recover`` after a restart found half of the chats still "claimed"
(the start-up catch-up). PostgreSQL is the database of ``--state``, or, without it, a
throwaway server started with the tests' helper (``tests/postgres_server.py``: a Unix socket on
this machine, fsync off), each run on a fresh database. Prints the best of ``--runs`` per call.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
ZONE = "Europe/Warsaw"
MOMENT = datetime(2027, 1, 6, 10, 0, tzinfo=ZoneInfo(ZONE))


@contextlib.contextmanager
def postgres(url: str | None) -> Iterator[Callable[[], str]]:
    """A function giving a fresh database's URL: on ``url``'s server (its tables emptied), or a throwaway one."""
    if url is not None:
        from bot.digests.state_postgres import PostgresStateStore

        def emptied() -> str:
            store = PostgresStateStore(url)
            store.clear()
            store.close()
            return url

        yield emptied
        return
    from tests.postgres_server import running_server

    with running_server() as server:
        yield server.fresh_database


def seed(state: Any, chats: int, history: int) -> list[Any]:
    from bot.digests.compose import Subscription, Target

    targets = [Target("telegram", str(-1001000000000 - i)) for i in range(chats)]
    with state.transaction():
        state.put_subscriptions(Subscription(target, "09:00", ZONE) for target in targets)
        for back in range(history, 0, -1):
            day = (MOMENT - timedelta(days=back)).date().isoformat()
            state.record_deliveries(
                {"key": t.key, "date": day, "state": "sent", "detail": "", "at": f"{day}T08:00:00+00:00"}
                for t in targets
            )
    return targets


def run_once(kind: str, open_store: Callable[[], Any], briefing: Any, chats: int, history: int) -> dict[str, float]:
    from bot.digests.delivery import Digests

    state = open_store()
    seed(state, chats, history)
    digests = Digests(briefing, state, ZONE, lambda: MOMENT)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    items = digests.due_on(MOMENT.date())
    timings["due_on"] = time.perf_counter() - started
    assert len(items) == chats, len(items)

    async def send(target: Any, card: Any) -> None:
        return None

    started = time.perf_counter()
    outcomes = asyncio.run(digests.deliver(items, send))
    timings["deliver"] = time.perf_counter() - started
    assert sum(o.state == "sent" for o in outcomes) == chats, kind

    # A restart that finds half of tomorrow's fan-out claimed and not settled.
    tomorrow = MOMENT + timedelta(days=1)
    state.record_deliveries(
        {"key": o.target.key, "date": tomorrow.date().isoformat(), "state": "claimed", "detail": "", "at": ""}
        for o in outcomes[::2]
    )
    state.close()
    state = open_store()
    digests = Digests(briefing, state, ZONE, lambda: tomorrow)
    started = time.perf_counter()
    due = digests.recover(tomorrow)
    timings["recover"] = time.perf_counter() - started
    assert len(due) == chats - len(outcomes[::2]), len(due)
    state.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=5000)
    parser.add_argument("--history-days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--state", default=None, help="a postgresql:// URL whose tables may be emptied")
    parser.add_argument("--stores", nargs="+", default=["tinydb", "postgresql"], choices=["tinydb", "postgresql"])
    args = parser.parse_args()

    from bot.briefings.service import Briefing
    from bot.digests.open_state import open_state_store

    with tempfile.TemporaryDirectory(prefix="briefing-state-calls-") as temporary, postgres(args.state) as fresh:
        folder = Path(temporary)
        briefing = Briefing.load(REPO / "content", folder / "facts", ZoneInfo(ZONE), "pl", lambda: MOMENT)
        for kind in args.stores:
            best: dict[str, float] = {}
            for run in range(args.runs):
                if kind == "tinydb":
                    open_store = partial(open_state_store, None, folder / f"tinydb-{run}")
                else:
                    open_store = partial(open_state_store, fresh(), folder)

                for name, seconds in run_once(kind, open_store, briefing, args.chats, args.history_days).items():
                    best[name] = min(seconds, best.get(name, seconds))
            print(
                f"{kind:<11} {args.chats} chats, {args.history_days} days of history: "
                + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in best.items())
                + f" (best of {args.runs})"
            )


if __name__ == "__main__":
    main()
