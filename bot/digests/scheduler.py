"""The one scheduler of the process: APScheduler daily jobs that fire the core's digest delivery.

Subscriptions are the source of truth; jobs are rebuilt from them at start-up and whenever they
change. There is one job per slot (a local time in a time zone) rather than per chat, so that
every chat due at the same minute goes out in one fan-out with batched bookkeeping. When a fan-out
leaves digests that failed in passing (a platform's flood limit, outage or lost connection), one
more job sends them again ``RETRY_SECONDS`` later, and again after that while any are left, until
their chat's local day ends. Other periodic work of the process (polling the feeds) runs as a job
``every`` some interval on the same scheduler.

Processes sharing a PostgreSQL state store each run one, but only the leader's has slot jobs
(``lead``, ``follow``: ``bot.digests.leader`` elects it); every process ``sweep``s, taking its
share of the due digests that no process has claimed yet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.base.errors import StoreError
from bot.digests.compose import Subscription
from bot.digests.delivery import Digests, Outcome, Sender

log = logging.getLogger(__name__)

#: A job that fires this late (the process was busy or asleep) still runs; later, it is dropped
#: and the start-up catch-up takes over.
MISFIRE_GRACE = 15 * 60
#: How long after a fan-out its digests that failed in passing are sent again.
RETRY_SECONDS = 5 * 60
RETRY_JOB = "retry"


class DailyTrigger(BaseTrigger):
    """Once per local day at a subscription's time, by the rule of ``Subscription.next_run``.

    Not a CronTrigger: counting on from its previous fire across a daylight-saving change, it skips
    the next day after a fire shortly before the change, and fires twice in an hour that repeats.
    Only the subscription's time and zone matter, which every subscription of a slot shares.
    """

    __slots__ = ("subscription",)

    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription

    @property
    def timezone(self) -> ZoneInfo:
        return self.subscription.zone

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        """The next due moment after the previous fire; with none, the first at or after ``now``."""
        if previous_fire_time is not None:
            return self.subscription.next_run(previous_fire_time)
        # In UTC: arithmetic on a local time is wall-clock arithmetic, wrong across a change.
        return self.subscription.next_run(now.astimezone(UTC) - timedelta(microseconds=1))

    def __str__(self) -> str:
        return f"daily[{self.subscription.time} {self.subscription.timezone}]"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ({self.subscription.time} {self.subscription.timezone})>"


def trigger(subscription: Subscription) -> DailyTrigger:
    """The one trigger of a slot's job: daily at the subscription's local time in its zone."""
    return DailyTrigger(subscription)


def slot_id(subscription: Subscription) -> str:
    return f"{subscription.time}|{subscription.timezone}"


class DigestScheduler:
    def __init__(
        self,
        digests: Digests,
        send: Sender,
        platforms: set[str] | None = None,
        leading: bool = True,
        admits: bool = False,
    ) -> None:
        self.digests = digests
        self.send = send
        self.admits = admits  # ``send`` reports when each request goes out (``sending.admitted``)
        self.platforms = platforms  # None: every platform; else only subscriptions on these
        self.leading = leading  # fires the slots; a follower only sweeps
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE, "max_instances": 1},
        )
        self.kept = {RETRY_JOB}  # jobs that are not a slot's: reschedule leaves them
        digests.listeners.append(self.reschedule)

    async def start(self) -> list[Outcome]:
        """Catch up on today's missed digests, then schedule every slot (a follower: neither)."""
        outcomes = await self._catch_up() if self.leading else []
        self.reschedule()
        self.scheduler.start()
        return outcomes

    async def lead(self) -> list[Outcome]:
        """Schedule every slot, and catch up, as at start-up: this process has become the leader
        (the last one may have died before it delivered what was due)."""
        self.leading = True
        self.reschedule()
        # In a thread: this process may be mid-fan-out, and the catch-up reads every subscription.
        due = await asyncio.to_thread(self.digests.recover, self.digests.clock())
        return await self._deliver(self._live(due))

    async def _catch_up(self) -> list[Outcome]:
        """Today's digests that are due and not delivered (``Digests.recover``)."""
        return await self._deliver(self._live(self.digests.recover(self.digests.clock())))

    def is_leading(self) -> bool:
        """Whether this process fires the slots (and runs what one process should: the feed polls)."""
        return self.leading

    def follow(self) -> None:
        """Fire no slot from now on: another process leads."""
        self.leading = False
        self.reschedule()

    async def sweep(self) -> list[Outcome]:
        """Deliver this process's share of the due digests that no process has claimed."""
        retry_after = timedelta(seconds=RETRY_SECONDS)
        items = self._live(await asyncio.to_thread(self.digests.sweep, self.digests.clock(), retry_after))
        if self.leading:
            self.reschedule()  # a subscription added through another process gets its slot here
        outcomes = await self._deliver(items) if items else []
        if outcomes:
            log.info("digest sweep: %s", _summary(outcomes))
        return outcomes

    async def sweep_every(self, seconds: float) -> None:
        """``sweep`` every ``seconds``, one at a time, until cancelled; a failed one is logged."""
        while True:
            await asyncio.sleep(seconds)
            if self.digests.stopping:
                return
            try:
                await self.sweep()
            except StoreError as error:
                log.error("digest sweep failed, the next one is in %g s: %s", seconds, error)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def reschedule(self) -> None:
        """Make the jobs match the subscriptions: one per slot in use."""
        subscriptions = self.digests.state.subscriptions() if self.leading else []
        wanted = {slot_id(s): s for s in subscriptions if not s.paused}
        for job in self.scheduler.get_jobs():
            if job.id not in wanted and job.id not in self.kept:
                job.remove()
        for job_id, subscription in wanted.items():
            if self.scheduler.get_job(job_id) is None:
                self.scheduler.add_job(
                    self.fire, trigger(subscription), id=job_id, args=[subscription.time, subscription.timezone]
                )

    def every(self, job_id: str, interval: timedelta, job: Callable[[], Awaitable[object]]) -> None:
        """Run ``job`` now and then every ``interval``; one run at a time, a missed run dropped."""
        self.kept.add(job_id)
        self.scheduler.add_job(
            job,
            IntervalTrigger(seconds=interval.total_seconds(), timezone=UTC),
            id=job_id,
            next_run_time=datetime.now(UTC),  # the wall clock, as APScheduler's
            replace_existing=True,
        )

    def _live(self, items: list[tuple[Subscription, date]]) -> list[tuple[Subscription, date]]:
        """Only chats on platforms this process serves: the others wait, they do not fail."""
        if self.platforms is None:
            return items
        return [(s, d) for s, d in items if s.target.platform in self.platforms]

    async def fire(self, time_of_day: str, zone: str) -> list[Outcome]:
        if not self.leading:  # leadership was lost since the job was due
            return []
        items = self._live(self.digests.due_in_slot(time_of_day, zone, self.digests.clock()))
        outcomes = await self._deliver(items)
        log.info("digest slot %s %s: %s", time_of_day, zone, _summary(outcomes))
        return outcomes

    async def retry(self) -> list[Outcome]:
        """Send again today's digests that failed in passing."""
        outcomes = await self._deliver(self._live(self.digests.retries(self.digests.clock())))
        if outcomes:
            log.info("digest retries: %s", _summary(outcomes))
        return outcomes

    async def _deliver(self, items: list[tuple[Subscription, date]]) -> list[Outcome]:
        outcomes = await self.digests.deliver(items, self.send, self.admits)
        if any(outcome.state == "retry" for outcome in outcomes) and self.scheduler.get_job(RETRY_JOB) is None:
            # One pending job retries every chat that needs it; the wall clock, as APScheduler's.
            when = datetime.now(UTC) + timedelta(seconds=RETRY_SECONDS)
            self.scheduler.add_job(self.retry, DateTrigger(when), id=RETRY_JOB)
        return outcomes


def _summary(outcomes: list[Outcome]) -> str:
    sent = sum(1 for outcome in outcomes if outcome.state == "sent")
    retry = sum(1 for outcome in outcomes if outcome.state == "retry")
    return f"{sent} sent of {len(outcomes)}" + (f", {retry} to retry" if retry else "")
