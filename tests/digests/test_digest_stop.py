"""A fan-out stopped halfway (``Digests.stop``, on SIGTERM) and cut at the end of the grace
period (``Digests.cut``): nothing lost that was certainly unsent, nothing ever sent twice.

Here the bookkeeping on its own, with a sender the test holds; the whole process, stopped with
SIGTERM mid-fan-out, is tests/platforms/telegram/test_telegram_stop.py.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date
from pathlib import Path

from bot.briefings.cards import Card
from bot.briefings.service import Briefing
from bot.digests.compose import Subscription, Target
from bot.digests.delivery import Digests
from bot.digests.state import StateStore
from tests.digests.test_digests import Clock, local

NOW = local(2027, 1, 6, 9, 30)
DAY = date(2027, 1, 6)
TARGETS = [Target("telegram", str(-2000 - n)) for n in range(40)]


class Held:
    """A sender whose sends take as long as the test lets them: each waits for ``go``; the chats
    in ``hang`` never answer."""

    def __init__(self, hang: frozenset[str] = frozenset()) -> None:
        self.started: list[str] = []
        self.go = asyncio.Event()
        self.hang = hang

    async def __call__(self, target: Target, card: Card) -> None:
        self.started.append(target.key)  # the moment a message could have reached the platform
        if target.key in self.hang:
            await asyncio.Event().wait()
        await self.go.wait()


def fresh(bundled: Briefing, data: Path) -> Digests:
    """A process's Digests on the data folder (a restart is a fresh one)."""
    return Digests(bundled, StateStore(data), "Europe/Warsaw", Clock(NOW), claim_batch=16)


def states(data: Path) -> dict[str, str]:
    return {r["key"]: r["state"] for r in StateStore(data).deliveries() if r["date"] == DAY.isoformat()}


def test_a_stop_lets_the_sends_in_flight_finish_and_releases_the_rest(bundled: Briefing, tmp_path: Path) -> None:
    digests = fresh(bundled, tmp_path)
    digests.state.put_subscriptions([Subscription(target) for target in TARGETS])
    send = Held()

    async def first_run() -> None:
        fan_out = asyncio.create_task(digests.deliver(digests.recover(NOW), send))
        while len(send.started) < 8:
            await asyncio.sleep(0)
        digests.stop()
        send.go.set()
        outcomes = await fan_out
        assert Counter(o.state for o in outcomes) == {"sent": len(send.started), "retry": 16 - len(send.started)}
        assert await digests.deliver(digests.recover(NOW), send) == []  # a stopping process claims nothing

    asyncio.run(first_run())
    in_flight = set(send.started)
    assert 8 <= len(in_flight) < 16  # the first claim batch, partly sent
    written = states(tmp_path)
    assert {k for k, s in written.items() if s == "sent"} == in_flight
    assert {s for k, s in written.items() if k not in in_flight} == {"retry"}  # claimed, released
    assert len(written) == 16  # the chats of later batches were never claimed

    restarted = fresh(bundled, tmp_path)
    again = Held()
    again.go.set()
    outcomes = asyncio.run(restarted.deliver(restarted.recover(NOW), again))
    assert {o.state for o in outcomes} == {"sent"}
    assert sorted(send.started + again.started) == sorted(t.key for t in TARGETS)  # each once
    assert set(states(tmp_path).values()) == {"sent"}


def test_a_cut_at_the_end_of_the_grace_period_leaves_the_hung_sends_interrupted(
    bundled: Briefing, tmp_path: Path
) -> None:
    digests = fresh(bundled, tmp_path)
    digests.state.put_subscriptions([Subscription(target) for target in TARGETS])
    hung = frozenset({TARGETS[0].key, TARGETS[3].key})
    send = Held(hang=hung)

    async def first_run() -> None:
        fan_out = asyncio.create_task(digests.deliver(digests.recover(NOW), send))
        while len(send.started) < 16:
            await asyncio.sleep(0)
        send.go.set()
        digests.stop(grace=0.2)
        await digests.drain()  # returns once the cut fan-out has written what it knows
        assert fan_out.done() and not fan_out.cancelled()
        assert Counter(o.state for o in fan_out.result()) == {"sent": 14}

    asyncio.run(first_run())
    written = states(tmp_path)
    assert {k for k, s in written.items() if s == "claimed"} == hung  # may have arrived: kept claimed
    assert len(written) == 16

    restarted = fresh(bundled, tmp_path)
    again = Held()
    again.go.set()
    asyncio.run(restarted.deliver(restarted.recover(NOW), again))
    assert not hung & set(again.started)  # never sent twice
    assert sorted(set(send.started) | set(again.started)) == sorted(t.key for t in TARGETS)
    assert Counter(send.started + again.started).most_common(1)[0][1] == 1
    final = states(tmp_path)
    assert {final[key] for key in hung} == {"interrupted"}
    assert {s for k, s in final.items() if k not in hung} == {"sent"}
