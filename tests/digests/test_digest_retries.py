"""Digests that failed in passing: sent again later the same day, never counted against the chat.

The adapters' fault suites (tests/platforms/*/test_*_faults.py) drive this through the platforms;
here the bookkeeping is checked on its own, with an injected clock and a recording sender.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.briefings.service import Briefing
from bot.digests.compose import PAUSE_AFTER, Target
from bot.digests.delivery import DeliveryFailed, Digests
from bot.digests.scheduler import RETRY_JOB, DigestScheduler
from bot.digests.state import StateStore
from tests.digests import test_digests
from tests.digests.stores import both_stores
from tests.digests.test_digests import CHAT, OTHER, Recorder, digests_at, local, subscribe

PASSING = DeliveryFailed("Bad Gateway", permanent=False, retry=True)
BLOCKED = DeliveryFailed("Forbidden: bot was blocked by the user", permanent=True)


def status(digests: Digests, target: Target = CHAT) -> dict[str, str]:
    return {f.name: f.value for f in digests.handle("status", target, "pl", True).cards[0].fields}


def test_a_passing_failure_is_sent_again_the_same_day_and_only_then(bundled: Briefing, tmp_path: Path) -> None:
    digests, clock = digests_at(bundled, tmp_path, local(2027, 1, 6, 9))
    subscribe(digests)
    subscribe(digests, OTHER)
    send = Recorder()
    send.fail[CHAT.key] = PASSING
    outcomes = asyncio.run(digests.deliver(digests.due_on(date(2027, 1, 6)), send))
    assert {o.target: o.state for o in outcomes} == {CHAT: "retry", OTHER: "sent"}
    assert status(digests)["Ostatnia próba"] == "6 stycznia 2027: chwilowy błąd platformy; ponowię próbę (Bad Gateway)"
    assert digests.retries(clock()) == [(digests.state.subscription(CHAT.key), date(2027, 1, 6))]
    # The CLI's `digest run --date` and a second trigger of the slot may take it again, too.
    assert [s.target for s, _ in digests.due_on(date(2027, 1, 6))] == [CHAT]

    del send.fail[CHAT.key]
    clock.moment = local(2027, 1, 6, 9, 5)
    outcomes = asyncio.run(digests.deliver(digests.retries(clock()), send))
    assert [(o.target, o.state) for o in outcomes] == [(CHAT, "sent")]
    assert [target for target, _ in send.sent] == [OTHER, CHAT]
    assert digests.retries(clock()) == []
    again = asyncio.run(digests.deliver(digests.due_in_slot("09:00", "Europe/Warsaw", clock()), send))
    assert [o.state for o in again] == ["skipped", "skipped"]
    assert len(send.sent) == 2


def test_passing_failures_never_pause_a_chat_and_blocked_ones_do(bundled: Briefing, tmp_path: Path) -> None:
    digests, clock = digests_at(bundled, tmp_path, local(2027, 1, 2, 9))
    subscribe(digests, empty="nearest")
    subscribe(digests, OTHER, empty="nearest")
    send = Recorder()
    send.fail = {CHAT.key: PASSING, OTHER.key: BLOCKED}
    for offset in range(PAUSE_AFTER + 2):
        day = date(2027, 1, 2) + timedelta(days=offset)
        clock.moment = local(day.year, day.month, day.day, 9)
        asyncio.run(digests.deliver(digests.retries(clock()) + digests.due_on(day), send))
    flaky, blocked = digests.state.subscription(CHAT.key), digests.state.subscription(OTHER.key)
    assert flaky is not None and flaky.failures == 0 and not flaky.paused
    assert blocked is not None and blocked.failures == PAUSE_AFTER and blocked.paused


def test_a_day_that_ended_while_retrying_is_recorded_as_failed(bundled: Briefing, tmp_path: Path) -> None:
    """The next retry, or the next start-up, closes a day whose digest never got through."""
    digests, clock = digests_at(bundled, tmp_path, local(2027, 1, 6, 9))
    subscribe(digests)
    subscribe(digests, OTHER)
    send = Recorder()
    send.fail = {CHAT.key: PASSING, OTHER.key: PASSING}
    asyncio.run(digests.deliver(digests.due_on(date(2027, 1, 6)), send))
    clock.moment = local(2027, 1, 7, 0, 5)  # midnight has passed in Warsaw
    assert digests.retries(clock()) == []
    for target in (CHAT, OTHER):
        record = digests.state.delivery(target.key, date(2027, 1, 6))
        assert record is not None and (record["state"], record["detail"]) == ("failed", "Bad Gateway")
    assert status(digests)["Ostatnia próba"] == "6 stycznia 2027: błąd platformy (Bad Gateway)"

    # A restart days later does the same for whatever was left waiting.
    digests.state.record_deliveries(
        [{"key": CHAT.key, "date": "2027-01-07", "state": "retry", "detail": "x", "at": "2027-01-07T08:00:00+00:00"}]
    )
    restarted = Digests(bundled, StateStore(tmp_path), "Europe/Warsaw", lambda: local(2027, 1, 9, 10))
    due = restarted.recover(restarted.clock())
    assert sorted(s.target.key for s, _ in due) == sorted([CHAT.key, OTHER.key])  # today's, due since 09:00
    assert restarted.state.delivery(CHAT.key, date(2027, 1, 7))["state"] == "failed"  # type: ignore[index]
    assert not [r for r in restarted.state.deliveries() if r["state"] == "retry"]


def test_a_fan_out_with_passing_failures_schedules_one_retry(bundled: Briefing, tmp_path: Path) -> None:
    digests, clock = digests_at(bundled, tmp_path, local(2027, 1, 6, 9))
    for chat in ("-1", "-2", "-3"):
        subscribe(digests, Target("telegram", chat))
    send = Recorder()

    async def main() -> None:
        scheduler = DigestScheduler(digests, send)
        await scheduler.fire("09:00", "Europe/Warsaw")
        assert scheduler.scheduler.get_job(RETRY_JOB) is None  # nothing to retry, no job
        clock.moment = local(2027, 1, 7, 9)
        send.fail = {"telegram:-1:": PASSING, "telegram:-2:": PASSING}
        await scheduler.fire("09:00", "Europe/Warsaw")
        await scheduler.fire("09:00", "Europe/Warsaw")  # a second trigger: the two are tried again
        scheduler.reschedule()  # subscriptions changed: the slot jobs are rebuilt, the retry stays
        assert {job.id for job in scheduler.scheduler.get_jobs()} == {"09:00|Europe/Warsaw", RETRY_JOB}
        send.fail = {}
        outcomes = await scheduler.retry()
        assert sorted((o.target.chat, o.state) for o in outcomes) == [("-1", "sent"), ("-2", "sent")]
        assert await scheduler.retry() == []

    asyncio.run(main())
    assert sorted(t.chat for t, _ in send.sent) == ["-1", "-1", "-2", "-2", "-3", "-3"]  # two days each


def test_a_failure_cannot_be_both_permanent_and_passing() -> None:
    with pytest.raises(ValueError):
        DeliveryFailed("?", permanent=True, retry=True)


state_store = both_stores(sys.modules[__name__], test_digests)
