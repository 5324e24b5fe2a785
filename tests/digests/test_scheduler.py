"""The process's one scheduler: jobs follow the subscriptions, fire the core's delivery, catch up."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.briefings.service import Briefing
from bot.digests.compose import Subscription, Target
from bot.digests.delivery import Digests
from bot.digests.scheduler import DigestScheduler, trigger
from bot.digests.state import StateStore
from tests.digests.stores import both_stores
from tests.digests.test_digests import Clock, Recorder

WARSAW = ZoneInfo("Europe/Warsaw")
GROUP = Target("telegram", "-100")
CHANNEL = Target("discord", "200")


def test_jobs_follow_subscriptions_and_fire_once_per_day(bundled: Briefing, tmp_path: Path) -> None:
    clock = Clock(datetime(2027, 1, 6, 8, 0, tzinfo=WARSAW))
    digests = Digests(bundled, StateStore(tmp_path), "Europe/Warsaw", clock)
    send = Recorder()

    async def main() -> None:
        scheduler = DigestScheduler(digests, send, {"telegram", "discord"})
        await scheduler.start()
        try:
            assert scheduler.scheduler.get_jobs() == []
            digests.handle("on 09:00", GROUP, "pl", is_admin=True)
            digests.handle("on 09:00", CHANNEL, "pl", is_admin=True)
            digests.handle("on 10:15 Asia/Almaty", Target("telegram", "-300"), "pl", is_admin=True)
            # APScheduler counts from the wall clock; what matters is the local time and zone.
            jobs = {
                job.id: (
                    job.next_run_time.astimezone(job.trigger.timezone).strftime("%H:%M"),
                    str(job.trigger.timezone),
                )
                for job in scheduler.scheduler.get_jobs()
            }
            assert jobs == {
                "09:00|Europe/Warsaw": ("09:00", "Europe/Warsaw"),
                "10:15|Asia/Almaty": ("10:15", "Asia/Almaty"),
            }
            clock.moment = datetime(2027, 1, 6, 9, 0, tzinfo=WARSAW)  # the set minute
            outcomes = await scheduler.fire("09:00", "Europe/Warsaw")
            assert sorted(o.target.platform for o in outcomes if o.state == "sent") == ["discord", "telegram"]
            await scheduler.fire("09:00", "Europe/Warsaw")  # a second trigger in the same minute
            assert len(send.sent) == 2
            digests.handle("off", Target("telegram", "-300"), "pl", is_admin=True)
            assert [job.id for job in scheduler.scheduler.get_jobs()] == ["09:00|Europe/Warsaw"]
        finally:
            scheduler.shutdown()

    asyncio.run(main())
    # After a restart the same day, nothing is sent again.
    restarted = Digests(
        bundled, StateStore(tmp_path), "Europe/Warsaw", Clock(datetime(2027, 1, 6, 9, 30, tzinfo=WARSAW))
    )

    async def again() -> None:
        scheduler = DigestScheduler(restarted, send, {"telegram", "discord"})
        assert await scheduler.start() == []
        scheduler.shutdown()

    asyncio.run(again())
    assert len(send.sent) == 2


def test_chats_of_a_platform_not_running_wait_instead_of_failing(bundled: Briefing, tmp_path: Path) -> None:
    clock = Clock(datetime(2027, 1, 6, 9, 30, tzinfo=WARSAW))
    digests = Digests(bundled, StateStore(tmp_path), "Europe/Warsaw", clock)
    digests.state.put_subscriptions([Subscription(GROUP), Subscription(CHANNEL)])
    send = Recorder()

    async def main() -> None:
        scheduler = DigestScheduler(digests, send, {"telegram"})  # Discord has no token today
        outcomes = await scheduler.start()  # catch-up: 09:00 has passed
        scheduler.shutdown()
        assert [(o.target, o.state) for o in outcomes] == [(GROUP, "sent")]

    asyncio.run(main())
    assert digests.state.delivery(CHANNEL.key, clock.moment.date()) is None
    assert not digests.state.subscription(CHANNEL.key).paused  # type: ignore[union-attr]


# --- the daily trigger across daylight-saving changes -----------------------------------------------

TRIGGER_ZONES = [
    "Europe/Warsaw",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "Asia/Beirut",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "Etc/GMT+12",
    "Pacific/Pago_Pago",
    "UTC",
]
TRIGGER_TIMES = ["00:00", "00:30", "02:30", "23:59", "12:00"]
#: How long after a job's run time APScheduler asks its trigger for the next one.
LATENCY = timedelta(milliseconds=40)


def _exists(day: date, time_of_day: str, zone: ZoneInfo) -> bool:
    """Whether a local wall-clock time occurs on a day (not in a spring-forward gap)."""
    wall = datetime.combine(day, time.fromisoformat(time_of_day), tzinfo=zone)
    return wall.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None)


@pytest.mark.parametrize("zone_name", TRIGGER_ZONES)
def test_the_trigger_fires_once_every_local_day_for_two_years(zone_name: str) -> None:
    """Each fire's next fire, as APScheduler asks for it, is the next local day's due moment."""
    zone = ZoneInfo(zone_name)
    start, end = date(2026, 6, 1), date(2028, 6, 1)
    for time_of_day in TRIGGER_TIMES:
        subscription = Subscription(GROUP, time_of_day, zone_name)
        job_trigger = trigger(subscription)
        fired = job_trigger.get_next_fire_time(None, datetime.combine(start, time(0), tzinfo=zone))
        days: list[date] = []
        while fired is not None and fired.astimezone(zone).date() < end:
            local = fired.astimezone(zone)
            days.append(local.date())
            if _exists(local.date(), time_of_day, zone):
                assert (local.strftime("%H:%M"), local.fold) == (time_of_day, 0), (time_of_day, local)
            else:  # a time the clocks skip that day: once, as the subscription resolves it
                assert fired == subscription.due_at(local.date()), (time_of_day, local)
            fired = job_trigger.get_next_fire_time(fired, fired + LATENCY)
        expected = [start + timedelta(days=n) for n in range((end - start).days)]
        assert days == expected, (time_of_day, sorted(set(expected) ^ set(days))[:4])


@pytest.mark.parametrize(
    ("zone_name", "time_of_day", "now", "expected"),
    [
        # Clocks go forward at 02:00 in Warsaw: 02:30 that day is 03:30 summer time, still ahead at 03:00.
        (
            "Europe/Warsaw",
            "02:30",
            datetime(2027, 3, 28, 3, 0, tzinfo=ZoneInfo("Europe/Warsaw")),
            datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
        ),
        # Clocks go back at 03:00: 02:30 summer time has passed at 02:15 winter time; tomorrow's is next.
        (
            "Europe/Warsaw",
            "02:30",
            datetime(2027, 10, 31, 2, 15, fold=1, tzinfo=ZoneInfo("Europe/Warsaw")),
            datetime(2027, 11, 1, 1, 30, tzinfo=UTC),
        ),
        # Midnight does not exist in Santiago the day clocks go forward: the digest goes at 01:00.
        (
            "America/Santiago",
            "00:00",
            datetime(2027, 9, 4, 23, 0, tzinfo=ZoneInfo("America/Santiago")),
            datetime(2027, 9, 5, 4, 0, tzinfo=UTC),
        ),
        # Pyongyang went from 23:30 to 00:00 on 4 May 2018: that day's 23:45 came at 00:15 on the 5th.
        (
            "Asia/Pyongyang",
            "23:45",
            datetime(2018, 5, 5, 0, 5, tzinfo=ZoneInfo("Asia/Pyongyang")),
            datetime(2018, 5, 4, 15, 15, tzinfo=UTC),
        ),
        # A fire exactly now is not missed.
        (
            "Pacific/Kiritimati",
            "00:00",
            datetime(2027, 1, 1, tzinfo=ZoneInfo("Pacific/Kiritimati")),
            datetime(2026, 12, 31, 10, 0, tzinfo=UTC),
        ),
    ],
)
def test_the_first_fire_and_the_status_agree_around_changes(
    zone_name: str, time_of_day: str, now: datetime, expected: datetime
) -> None:
    subscription = Subscription(GROUP, time_of_day, zone_name)
    assert trigger(subscription).get_next_fire_time(None, now) == expected
    # The status shows the next one strictly after now: tomorrow's when one is due this instant.
    assert subscription.next_run(now) == (expected if expected > now else expected + timedelta(days=1))


SIMULATED_SLOTS = [
    ("00:00", "Europe/Warsaw"),
    ("00:30", "Europe/Warsaw"),
    ("02:30", "Europe/Warsaw"),
    ("00:00", "America/New_York"),
    ("00:00", "America/Santiago"),
    ("23:59", "America/Santiago"),
    ("00:00", "America/Havana"),
    ("00:00", "Asia/Beirut"),
    ("23:59", "Asia/Beirut"),
]


def test_a_simulated_year_sends_one_digest_per_chat_and_local_day(bundled: Briefing, tmp_path: Path) -> None:
    """The real scheduler's jobs, run as APScheduler runs them, on a fake clock through 2027's changes."""
    start, end = datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    clock = Clock(start)
    digests = Digests(bundled, StateStore(tmp_path), "Europe/Warsaw", clock)
    chats = {
        Target("telegram", str(-n)): Subscription(Target("telegram", str(-n)), time_of_day, zone)
        for n, (time_of_day, zone) in enumerate(SIMULATED_SLOTS, start=1)
    }
    digests.state.put_subscriptions(list(chats.values()))
    scheduler = DigestScheduler(digests, Recorder())
    scheduler.reschedule()  # not started: the test is the clock
    jobs = scheduler.scheduler.get_jobs()
    assert len(jobs) == len(SIMULATED_SLOTS)
    due = {job.id: job.trigger.get_next_fire_time(None, start) for job in jobs}
    handled: Counter[tuple[Target, date]] = Counter()

    async def run() -> None:
        while True:
            job = min(jobs, key=lambda j: due[j.id])
            run_time = due[job.id]
            if run_time >= end:
                return
            clock.moment = run_time + LATENCY
            for outcome in await job.func(*job.args):
                assert outcome.state in ("sent", "empty"), outcome  # "skipped": fired twice that day
                handled[outcome.target, outcome.day] += 1
            due[job.id] = job.trigger.get_next_fire_time(run_time, clock.moment)

    asyncio.run(run())
    for target, subscription in chats.items():
        zone = subscription.zone
        first, last = start.astimezone(zone).date(), (end - LATENCY).astimezone(zone).date()
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        expected = {day: 1 for day in days if start <= subscription.due_at(day) < end}
        got = {day: count for (chat, day), count in handled.items() if chat == target}
        assert got == expected, (
            subscription.time,
            subscription.timezone,
            sorted(set(got.items()) ^ set(expected.items()))[:4],
        )


def test_a_periodic_job_runs_at_once_and_outlives_the_slots(bundled: Briefing, tmp_path: Path) -> None:
    clock = Clock(datetime(2027, 1, 6, 8, 0, tzinfo=WARSAW))
    digests = Digests(bundled, StateStore(tmp_path), "Europe/Warsaw", clock)

    async def main() -> None:
        scheduler = DigestScheduler(digests, Recorder(), {"telegram"})
        ran = asyncio.Event()

        async def job() -> None:
            ran.set()

        await scheduler.start()
        try:
            scheduler.every("feeds", timedelta(minutes=30), job)
            await asyncio.wait_for(ran.wait(), 5)  # the first run is now, not in 30 minutes
            digests.handle("on 09:00", GROUP, "pl", is_admin=True)
            digests.handle("off", GROUP, "pl", is_admin=True)
            assert [job.id for job in scheduler.scheduler.get_jobs()] == ["feeds"]
        finally:
            scheduler.shutdown()

    asyncio.run(main())


state_store = both_stores(sys.modules[__name__])
