"""The one scheduler of the process: APScheduler cron jobs that fire the core's digest delivery.

Subscriptions are the source of truth; jobs are rebuilt from them at start-up and whenever they
change. There is one job per slot (a local time in a time zone) rather than per chat, so that
every chat due at the same minute goes out in one fan-out with batched bookkeeping.
"""

from __future__ import annotations

import logging
from datetime import UTC, date

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.core.delivery import Digests, Outcome, Sender
from bot.core.digests import Subscription

log = logging.getLogger(__name__)

#: A job that fires this late (the process was busy or asleep) still runs; later, it is dropped
#: and the start-up catch-up takes over.
MISFIRE_GRACE = 15 * 60


def trigger(subscription: Subscription) -> CronTrigger:
    """Daily at the subscription's local time, following its zone's daylight-saving changes."""
    hour, minute = subscription.time.split(":")
    return CronTrigger(hour=int(hour), minute=int(minute), timezone=subscription.zone)


def slot_id(subscription: Subscription) -> str:
    return f"{subscription.time}|{subscription.timezone}"


class DigestScheduler:
    def __init__(self, digests: Digests, send: Sender, platforms: set[str] | None = None) -> None:
        self.digests = digests
        self.send = send
        self.platforms = platforms  # None: every platform; else only subscriptions on these
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE, "max_instances": 1},
        )
        digests.listeners.append(self.reschedule)

    async def start(self) -> list[Outcome]:
        """Catch up on today's missed digests, then schedule every slot."""
        outcomes = await self.digests.deliver(self._live(self.digests.recover(self.digests.clock())), self.send)
        self.reschedule()
        self.scheduler.start()
        return outcomes

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def reschedule(self) -> None:
        """Make the jobs match the subscriptions: one per slot in use."""
        wanted = {slot_id(s): s for s in self.digests.state.subscriptions() if not s.paused}
        for job in self.scheduler.get_jobs():
            if job.id not in wanted:
                job.remove()
        for job_id, subscription in wanted.items():
            if self.scheduler.get_job(job_id) is None:
                self.scheduler.add_job(self.fire, trigger(subscription), id=job_id,
                                       args=[subscription.time, subscription.timezone])

    def _live(self, items: list[tuple[Subscription, date]]) -> list[tuple[Subscription, date]]:
        """Only chats on platforms this process serves: the others wait, they do not fail."""
        if self.platforms is None:
            return items
        return [(s, d) for s, d in items if s.target.platform in self.platforms]

    async def fire(self, time_of_day: str, zone: str) -> list[Outcome]:
        items = self._live(self.digests.due_in_slot(time_of_day, zone, self.digests.clock()))
        outcomes = await self.digests.deliver(items, self.send)
        sent = sum(1 for outcome in outcomes if outcome.state == "sent")
        log.info("digest slot %s %s: %d sent of %d", time_of_day, zone, sent, len(outcomes))
        return outcomes
