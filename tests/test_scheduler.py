"""The process's one scheduler: jobs follow the subscriptions, fire the core's delivery, catch up."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.delivery import Digests
from bot.core.digests import Subscription, Target
from bot.core.service import Briefing
from bot.core.state import StateStore
from bot.scheduler import DigestScheduler
from tests.core.test_digests import Clock, Recorder

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
            jobs = {job.id: (job.next_run_time.astimezone(job.trigger.timezone).strftime("%H:%M"),
                             str(job.trigger.timezone)) for job in scheduler.scheduler.get_jobs()}
            assert jobs == {"09:00|Europe/Warsaw": ("09:00", "Europe/Warsaw"),
                            "10:15|Asia/Almaty": ("10:15", "Asia/Almaty")}
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
    restarted = Digests(bundled, StateStore(tmp_path), "Europe/Warsaw", Clock(datetime(2027, 1, 6, 9, 30, tzinfo=WARSAW)))

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
