"""Digest subscriptions at work: the /digest commands, and delivery exactly once per chat and day.

Exactly once: before a digest is sent, a "claimed" record for (chat, local day) is written to
the state store; after the send, its outcome. A second trigger, an overlapping run or a restart
finds the record and sends nothing. A claim with no outcome after a restart means the process
died mid-send: it is marked "interrupted" and not retried, because the message may have gone
out; `/digest status` says so. Claims and outcomes are written in batches, a few writes per
fan-out however many chats it reaches.

Outcomes wait for a batch (or ten seconds) before they are written: a crash in between
costs no exactly-once, since the claims are already on disk; those chats are only shown as
"interrupted" instead of "sent". Each write rewrites the state file, so fewer writes is what
keeps the bookkeeping a small part of a fan-out (``bench/fanout.py``).

A failure in passing (a flood limit still hit, a server error, a timeout, a lost connection, each
already retried by the adapter) is recorded as "retry": the digest was not sent, so it may be
claimed again, by the scheduler's next retry or a restart, until the chat's local day ends; it
does not count toward pausing the chat. A chat that blocked or removed the bot is "failed": not
tried again that day, and paused after ``PAUSE_AFTER`` such days in a row.

On a store several processes share (PostgreSQL), each send is also marked "sending" just before
its request goes out (``bot.digests.sending``), and its outcome is written as soon as it is known
rather than in batches: a process killed mid-fan-out then leaves uncertain ("interrupted") only
the sends it had in flight, and its other claims are open again for the processes that live on
(``sweep``, which every process runs every few seconds, so that they share each fan-out).

A stop (``stop``, on SIGTERM) claims nothing more: the sends in flight finish, the chats claimed
and not yet sent are released (recorded as "retry", so the next start sends them), the chats not
claimed wait for the next start's catch-up, and the outcomes are written. Sends still in flight
when the grace period ends are cut (``cut``): their claims stay, shown as "interrupted".
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.base.errors import BriefingError, StoreError
from bot.base.secrets import redact
from bot.briefings.cards import Card, Reply
from bot.briefings.replies import notice
from bot.briefings.service import Briefing, Clock
from bot.digests.compose import (
    EMPTY_POLICIES,
    PAUSE_AFTER,
    EmptyPolicy,
    Subscription,
    Target,
    build_digest,
    parse_time,
    parse_zone,
    status_fields,
)
from bot.digests.sending import ClaimLost, Gate, Marks, gated
from bot.digests.state_store import StateStore
from bot.i18n.messages import Language, format_day, t
from bot.knowledge.indexes import Knowledge
from bot.language.dates import parse_month_day

log = logging.getLogger(__name__)

Sender = Callable[[Target, Card], Awaitable[None]]
#: How many sends of one fan-out may be in flight at once; the platforms' limiters pace them.
CONCURRENCY = 64
#: Outcomes are written in batches of this size during a fan-out, or of a fifth of the fan-out
#: when that is more (each write is the whole file, so a fixed size makes big fan-outs quadratic) ...
BATCH = 2000
WRITES_PER_FAN_OUT = 5
#: ... or when this many seconds have passed since the last write, when sends are slow.
FLUSH_SECONDS = 10.0
#: Chats claimed in one write just before their sends: what a crash mid-fan-out can cost at most
#: (with the sends then in flight), since a claimed digest is never sent again.
CLAIM_BATCH = 256
#: Delivery records older than this many days are pruned (each chat's latest is kept for its
#: status): at start-up and before each fan-out, since the state file is rewritten whole on every
#: write and 60 days of 10,000 chats made each write take over half a second.
KEEP_DAYS = 7


class DeliveryFailed(BriefingError):
    """An adapter could not deliver, or cannot tell whether it did.

    ``reason`` is short and classified ("timed out", "403: bot was blocked by the user"), never a
    library's message. ``permanent`` when the chat blocked or removed the bot (it counts toward
    pausing the chat); ``retry`` when the digest certainly did not reach the platform and is worth
    sending again later (refused connection, 429, a 5xx); ``uncertain`` when the request went out
    and no answer came (a read timeout, a dropped connection): the platform may have posted it,
    and there is no idempotency key, so it is not sent again."""

    def __init__(self, reason: str, permanent: bool, retry: bool = False, uncertain: bool = False) -> None:
        if permanent + retry + uncertain > 1:
            raise ValueError("a failure is permanent, to retry, or uncertain: one of them")
        super().__init__(reason)
        self.reason, self.permanent, self.retry, self.uncertain = reason, permanent, retry, uncertain

    @property
    def state(self) -> str:
        """The delivery record's state for this failure."""
        return "interrupted" if self.uncertain else "retry" if self.retry else "failed"


class ChatMoved(DeliveryFailed):
    """The chat lives on under a new id (a Telegram group upgraded to a supergroup): its
    subscription and language move there, and the digest goes there."""

    def __init__(self, target: Target) -> None:
        super().__init__(f"the chat moved to {target.chat}", permanent=False, retry=True)
        self.target = target


@dataclass(frozen=True, slots=True)
class Outcome:
    target: Target
    day: date
    state: str  # sent | empty | failed | retry (to be sent later) | interrupted (may have arrived) | skipped
    detail: str = ""


def _open(record: dict[str, Any] | None) -> bool:
    """Whether a chat's digest of a day may still be claimed: never tried, or failed in passing."""
    return record is None or record["state"] == "retry"


class Digests:
    def __init__(
        self,
        briefing: Briefing,
        state: StateStore,
        default_timezone: str,
        clock: Clock | None = None,
        batch: int = BATCH,
        flush_seconds: float = FLUSH_SECONDS,
        claim_batch: int = CLAIM_BATCH,
    ) -> None:
        self.briefing = briefing
        self.batch, self.flush_seconds = batch, flush_seconds
        self.state = state
        self.default_timezone = default_timezone
        self.clock = clock or briefing.clock
        self.listeners: list[Callable[[], None]] = []  # told when subscriptions change
        self.claim_batch = claim_batch
        self._claiming = asyncio.Lock()
        #: Digests due but not claimed because the state could not be written: tried again by the
        #: next retry run while their day lasts.
        self._unwritten: dict[str, tuple[Subscription, date]] = {}
        self.stopping = False  # set by stop(): no more claims
        self._fan_outs: set[asyncio.Future[Any]] = set()  # the workers of each fan-out in flight
        self._finished: set[asyncio.Future[None]] = set()  # done once a fan-out has written its outcomes
        #: Outcomes a write failed to save (a lost database connection): written with the next one.
        self._unsaved: list[tuple[Subscription, Outcome]] = []
        self._saving = threading.Lock()

    # --- /digest -------------------------------------------------------------------------------

    def handle(self, arguments: str, target: Target, language: Language, is_admin: bool) -> Reply:
        """Answer ``/digest ...`` for a chat; only admins change or see anything. A change that
        could not be saved is not made, and the reply says so."""
        try:
            return self._handle(arguments, target, language, is_admin)
        except StoreError as error:
            log.error("/digest in %s not saved: %s", target.key, error)
            return notice(t(language, "not_saved"), t(language, "digest.title"))

    def _handle(self, arguments: str, target: Target, language: Language, is_admin: bool) -> Reply:
        if not is_admin:
            return notice(t(language, "digest.admins_only"))
        words = arguments.split()
        action = words[0].lower() if words else "status"
        rest = words[1:]
        current = self.state.subscription(target.key)
        if action == "on":
            return self._on(rest, target, language, current)
        if action == "off":
            if not self.state.remove_subscription(target.key):
                return notice(t(language, "digest.none"), t(language, "digest.title"))
            self._changed()
            return notice(t(language, "digest.off"), t(language, "digest.title"))
        if action == "status":
            if current is None:
                return notice(t(language, "digest.none"), t(language, "digest.title"))
            fields = status_fields(current, self.clock(), self.state.last_delivery(target.key), language)
            return Reply((Card(title=t(language, "digest.title"), fields=fields),))
        if action == "preview":
            return self._preview(rest, current, language)
        if action == "empty" and len(rest) == 1 and rest[0].lower() in EMPTY_POLICIES:
            return self._update(
                current,
                language,
                empty=rest[0].lower(),
                done=t(language, "digest.empty_set", policy=t(language, f"digest.empty.{rest[0].lower()}")),
            )
        if action == "topics" and len(rest) >= 1:
            return self._topics(" ".join(rest), current, language)
        return notice(t(language, "digest.usage"), t(language, "digest.title"))

    def _on(self, rest: list[str], target: Target, language: Language, current: Subscription | None) -> Reply:
        at = current.time if current else "09:00"
        zone = current.timezone if current else self.default_timezone
        for word in rest:
            if parse_time(word):
                at = parse_time(word) or at
            elif parse_zone(word):
                zone = word
            elif any(c.isdigit() for c in word):
                return notice(t(language, "digest.bad_time", arg=word[:40]), t(language, "digest.title"))
            else:
                return notice(t(language, "digest.bad_zone", arg=word[:60]), t(language, "digest.title"))
        now = self.clock()
        subscription = (
            replace(current, time=at, timezone=zone, failures=0, paused=False, language=language, since=now)
            if current
            else Subscription(target, at, zone, language=language, since=now)
        )
        self.state.put_subscriptions([subscription])
        self._changed()
        next_run = subscription.next_run(now).astimezone(subscription.zone)
        when = f"{format_day(next_run.date(), language)}, {next_run:%H:%M}"
        return notice(t(language, "digest.on", time=at, zone=zone, next=when), t(language, "digest.title"))

    def _preview(self, rest: list[str], current: Subscription | None, language: Language) -> Reply:
        zone = current.zone if current else Subscription(Target("", ""), timezone=self.default_timezone).zone
        today = self.clock().astimezone(zone).date()
        return preview(
            self.briefing.knowledge,
            today,
            rest,
            language,
            current.topics if current else (),
            current.empty if current else "skip",
        )

    def _topics(self, text: str, current: Subscription | None, language: Language) -> Reply:
        if text.strip().lower() == "all":
            return self._update(
                current,
                language,
                topics=(),
                done=t(language, "digest.topics_set", topics=t(language, "digest.all_topics")),
            )
        wanted = [w.strip() for w in text.split(",") if w.strip()]
        found = [self.briefing.knowledge.find_topic(w) for w in wanted]
        unknown = [w for w, topic in zip(wanted, found, strict=True) if topic is None]
        if unknown:
            known = ", ".join(self.briefing.knowledge.topics) or "–"
            return notice(
                t(language, "digest.unknown_topics", topics=", ".join(unknown)[:200], known=known),
                t(language, "digest.title"),
            )
        ids = tuple(dict.fromkeys(topic.id for topic in found if topic is not None))
        return self._update(current, language, topics=ids, done=t(language, "digest.topics_set", topics=", ".join(ids)))

    def _update(self, current: Subscription | None, language: Language, done: str, **changes: Any) -> Reply:
        if current is None:
            return notice(t(language, "digest.none"), t(language, "digest.title"))
        self.state.put_subscriptions([replace(current, **changes)])
        self._changed()
        return notice(done, t(language, "digest.title"))

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()

    # --- what is due ---------------------------------------------------------------------------

    def recover(self, now: datetime) -> list[tuple[Subscription, date]]:
        """At start-up: settle interrupted sends, note missed days, and return today's catch-up.

        A digest missed while the bot was down is sent if it is still the same local day;
        an earlier day is recorded as missed, so that /digest status can say why.
        """
        stamp = now.astimezone(UTC).isoformat(timespec="seconds")
        with self.state.transaction():  # one write, with the records below
            self.state.settle_orphans(stamp)
            return self._catch_up(now, stamp)

    def _catch_up(self, now: datetime, stamp: str) -> list[tuple[Subscription, date]]:
        records = self._given_up(now, stamp, everything=True)
        active = [(s, s.local_day(now)) for s in self.state.subscriptions() if not s.paused]
        known = self.state.deliveries_of(
            pair for s, today in active for pair in ((s.target.key, today), (s.target.key, today - timedelta(days=1)))
        )
        unrecorded = [
            (s, today - timedelta(days=1))
            for s, today in active
            if (s.target.key, (today - timedelta(days=1)).isoformat()) not in known
            and s.was_due(today - timedelta(days=1))
        ]
        seen = self.state.last_deliveries(s.target.key for s, _ in unrecorded)  # chats that ever had one
        due: list[tuple[Subscription, date]] = [
            (s, today)
            for s, today in active
            if s.due_at(today) <= now and s.was_due(today) and _open(known.get((s.target.key, today.isoformat())))
        ]
        records += [
            {"key": s.target.key, "date": yesterday.isoformat(), "state": "missed", "detail": "", "at": stamp}
            for s, yesterday in unrecorded
            if s.target.key in seen
        ]
        self.state.record_deliveries(records)
        self.state.prune_deliveries(now.date() - timedelta(days=KEEP_DAYS))
        return due

    def sweep(self, now: datetime, retry_after: timedelta | None = None) -> list[tuple[Subscription, date]]:
        """On a shared store, every process's share of the fan-outs: write the outcomes a lost
        connection kept, settle the claims of processes that are gone, and return today's digests
        that are due and that no process has claimed (a slot's fan-out still under way, a dead
        process's claims whose sends had not begun), and with ``retry_after``, those that failed
        in passing that long ago (the process that would have retried them may be gone). Three
        reads, however many chats."""
        self._flush([])
        self.state.settle_orphans(now.astimezone(UTC).isoformat(timespec="seconds"))
        subscriptions = [s for s in self.state.subscriptions() if not s.paused]
        days = {s: s.local_day(now) for s in subscriptions}
        cutoff = now - retry_after if retry_after is not None else None
        taken = {
            index
            for index, r in self.state.deliveries_of((s.target.key, day) for s, day in days.items()).items()
            if not (cutoff is not None and r["state"] == "retry" and _stamped_before(r, cutoff))
        }
        return [
            (s, day)
            for s, day in days.items()
            if (s.target.key, day.isoformat()) not in taken and s.due_at(day) <= now and s.was_due(day)
        ]

    def retries(self, now: datetime) -> list[tuple[Subscription, date]]:
        """Today's digests that failed in passing or could not be claimed, to send again;
        yesterday's are given up."""
        stamp = now.astimezone(UTC).isoformat(timespec="seconds")
        try:
            self.state.record_deliveries(self._given_up(now, stamp))
        except StoreError as error:  # given up at the next run that can write; today's go on
            log.error("yesterday's unsent digests not recorded as failed: %s", error)
        active = [(s, s.local_day(now)) for s in self.state.subscriptions() if not s.paused]
        known = self.state.deliveries_of((s.target.key, today) for s, today in active)
        due = [
            (s, today)
            for s, today in active
            if (record := known.get((s.target.key, today.isoformat()))) is not None and record["state"] == "retry"
        ]
        for key, (_, day) in list(self._unwritten.items()):  # their claims could not be written
            current = self.state.subscription(key)
            if current is None or current.paused or current.local_day(now) != day:
                del self._unwritten[key]
            elif _open(self.state.delivery(key, day)) and (current, day) not in due:
                due.append((current, day))
        return due

    def _given_up(self, now: datetime, stamp: str, everything: bool = False) -> list[dict[str, Any]]:
        """The "retry" records of a day that has ended where their chat is, as plain failures.

        Yesterday's of every subscription; with ``everything`` (at start-up, after any downtime),
        every day's of every chat."""
        subscriptions = {s.target.key: s for s in self.state.subscriptions()}
        if everything:
            candidates = self.state.deliveries("retry")
        else:
            yesterdays = self.state.deliveries_of(
                (s.target.key, s.local_day(now) - timedelta(days=1)) for s in subscriptions.values()
            )
            candidates = [record for record in yesterdays.values() if record["state"] == "retry"]
        gone = []
        for record in candidates:
            owner = subscriptions.get(record["key"])
            today = owner.local_day(now) if owner else now.astimezone(UTC).date()
            if record["date"] < today.isoformat():
                gone.append({**record, "state": "failed", "at": stamp})
        return gone

    def due_in_slot(self, time_of_day: str, zone: str, now: datetime) -> list[tuple[Subscription, date]]:
        """The subscriptions of one scheduler slot (a local time in a zone), for today there."""
        return [
            (s, s.local_day(now))
            for s in self.state.subscriptions()
            if s.time == time_of_day and s.timezone == zone and not s.paused
        ]

    def due_on(self, day: date) -> list[tuple[Subscription, date]]:
        """Every active subscription that has not had the digest of ``day``.

        Refused for a day older than the delivery log keeps: its digests may have gone out, and
        the records that would say so are gone, so sending them now could send them twice."""
        oldest = self.clock().date() - timedelta(days=KEEP_DAYS)
        if day < oldest:
            raise BriefingError(
                f"the delivery log keeps {KEEP_DAYS} days: the digests of {day} may have been "
                f"sent already, so they are not sent again (the oldest day possible is {oldest})"
            )
        active = [s for s in self.state.subscriptions() if not s.paused]
        known = self.state.deliveries_of((s.target.key, day) for s in active)
        return [(s, day) for s in active if _open(known.get((s.target.key, day.isoformat())))]

    # --- delivery -------------------------------------------------------------------------------

    def digest_for(self, subscription: Subscription, day: date) -> Card | None:
        return build_digest(
            self.briefing.knowledge, day, subscription.language, subscription.topics, subscription.empty
        )

    # --- stopping ------------------------------------------------------------------------------

    def stop(self, grace: float | None = None) -> None:
        """Claim no more digests, from now on; the sends in flight go on. With ``grace``, cut the
        ones still in flight that many seconds from now (an event loop must be running)."""
        self.stopping = True
        if grace is not None:
            asyncio.get_running_loop().call_later(grace, self.cut)

    def cut(self) -> None:
        """Stop the sends in flight now: their claims stay (shown as "interrupted" after a
        restart, never sent again); the outcomes so far are written."""
        self.stopping = True
        for workers in list(self._fan_outs):
            workers.cancel()

    async def drain(self) -> None:
        """Return once no fan-out is in flight and each has written its outcomes (those a lost
        connection kept too, if the store takes them now)."""
        while self._finished:
            await asyncio.wait(set(self._finished))
        if self._unsaved:
            await asyncio.to_thread(self._flush, [])

    async def deliver(
        self, items: list[tuple[Subscription, date]], send: Sender, admits: bool = False
    ) -> list[Outcome]:
        """Send each subscription its digest of the given day, at most once ever. ``admits``: the
        sender calls ``bot.digests.sending.admitted()`` just before each request goes out (else
        the send counts as begun when ``send`` is called).

        Chats are claimed in batches of ``claim_batch``, each written just before its sends start
        (with the outcomes finished so far), so that a crash costs at most the chats claimed and
        not yet sent, never the rest of the fan-out: those have no record and are delivered by the
        next run or the restart's catch-up."""
        outcomes: list[Outcome] = []
        finished: list[tuple[Subscription, Outcome]] = []
        pending = iter(items)
        claimed: list[tuple[Subscription, date, Card]] = []
        cards: dict[tuple[object, ...], Card | None] = {}  # chats with the same settings share a card
        first = True
        written = time.monotonic()  # a stopwatch for the write cadence, not the business clock
        # On a shared store each outcome is written at once: a crash then leaves uncertain only the
        # sends in flight, not every send since the last write.
        batch = 1 if self.state.shared else max(self.batch, len(items) // WRITES_PER_FAN_OUT)
        refill = asyncio.Lock()  # one worker claims the next batch while the others send
        abandoned = False  # the store failed mid-fan-out: nothing more is claimed or sent
        oldest = min((day for _, day in items), default=None)

        async def claim_next() -> None:
            nonlocal first, written
            if self.stopping or abandoned:
                return  # the rest are not claimed: the next start's catch-up sends them
            chunk = list(itertools.islice(pending, self.claim_batch))
            if not chunk:
                return
            done = finished[:]
            finished.clear()
            try:
                async with self._claiming:  # claims are checked and written as one step
                    sends, records, settled = self._claims(chunk, cards)
                    won = await asyncio.to_thread(self._write_claims, records, done, oldest if first else None)
                sends, settled = _claimed_only(won, sends, settled)  # another process may have claimed some
            except StoreError as error:
                finished[:0] = done  # to be written with the end of the fan-out, if the disk recovers
                rest = chunk + list(pending)
                log.error("digest claims not saved, %d chats to retry: %s", len(rest), error)
                for subscription, day in rest:
                    self._unwritten[subscription.target.key] = (subscription, day)
                    outcomes.append(Outcome(subscription.target, day, "retry", "not saved"))
                return
            first, written = False, time.monotonic()
            outcomes.extend(settled)
            claimed.extend(reversed(sends))  # popped from the end: in the order given

        async def worker() -> None:
            # A few workers rather than a task per chat: 10,000 tasks cost a tenth of a second
            # to create before the first send, and CPU to park on a semaphore.
            nonlocal written
            while True:
                if not claimed:
                    async with refill:
                        if not claimed:
                            await claim_next()
                    if not claimed:
                        return
                if self.stopping:
                    release()
                    return
                subscription, day, card = claimed.pop()
                subscription, outcome = await self._send(subscription, day, card, send, admits, mark)
                outcomes.append(outcome)
                if outcome.state == "skipped":
                    if outcome.detail == _STORE_LOST:
                        abandon()
                    continue  # a chat that moved where today's digest was already handled, or lost
                finished.append((subscription, outcome))
                due = len(finished) >= batch or time.monotonic() - written >= self.flush_seconds
                if not due or refill.locked():
                    continue  # the next claim writes them
                if self.state.shared:
                    await write_outcomes()
                elif self._flush(finished):
                    finished.clear()
                    written = time.monotonic()

        marks = Marks(self.state.begin_sends)
        writing = False  # a worker is writing outcomes (a shared store)

        async def write_outcomes() -> None:
            """On a shared store, each outcome at once, off the event loop, by one worker at a time:
            those that finish meanwhile go with its next write (a group commit)."""
            nonlocal writing
            if writing:
                return
            writing = True
            try:
                while finished:
                    chunk = finished[:]
                    finished.clear()
                    if not await asyncio.to_thread(self._flush, chunk):
                        finished[:0] = chunk  # kept for the next write
                        return
            finally:
                writing = False

        async def mark(key: str, day: date) -> bool:
            """Mark a send begun (a shared store); the store's writes in a thread, grouped."""
            return not abandoned and await marks.mark(key, day)

        def abandon() -> None:
            """The store failed while marking a send: this process's claims are orphans now
            (``begin_sends`` ended its session), for any process to take; none is sent from here."""
            nonlocal abandoned
            if not abandoned:
                log.warning("digest fan-out left to the other processes: %d claims, the rest unclaimed", len(claimed))
            abandoned = True
            claimed.clear()

        def release() -> None:
            """The chats claimed and not yet sent, when stopping: certainly not sent, so open again."""
            while claimed:
                subscription, day, _ = claimed.pop()
                outcome = Outcome(subscription.target, day, "retry", "not sent: the bot was stopping")
                outcomes.append(outcome)
                finished.append((subscription, outcome))

        if self.stopping:
            return []
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._finished.add(done)
        workers = asyncio.gather(*(worker() for _ in range(max(1, min(CONCURRENCY, len(items))))))
        self._fan_outs.add(workers)
        try:
            await workers
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # this fan-out itself was cancelled (the loop is closing): not ours to swallow
            log.warning("digest fan-out cut at the end of the grace period; the sends then in flight are interrupted")
        finally:
            workers.cancel()  # when this task was cancelled; a no-op when done
            self._fan_outs.discard(workers)
            if self.stopping:
                release()
            if not self._flush(finished):
                self._unsaved.extend(finished)  # written by the next write that gets through
            self._finished.discard(done)
            done.set_result(None)
        for outcome in outcomes:
            self.briefing.metrics.digest_outcome(outcome.state)
        return outcomes

    def _flush(self, finished: list[tuple[Subscription, Outcome]]) -> bool:
        """Write outcomes, with those an earlier write failed to save; when the write fails they
        stay claimed (shown as interrupted after a restart: never sent twice), and the caller may
        try again with the next batch."""
        with self._saving:
            try:
                self._record(self._unsaved + finished)
            except StoreError as error:
                log.error("%d digest outcomes not saved: %s", len(self._unsaved) + len(finished), error)
                return False
            self._unsaved.clear()
        return True

    def _claims(
        self, chunk: list[tuple[Subscription, date]], cards: dict[tuple[object, ...], Card | None]
    ) -> tuple[list[tuple[Subscription, date, Card]], list[dict[str, Any]], list[Outcome]]:
        """Which chats of a batch are still open, with their cards; the records that claim them
        (an empty day is recorded as such, nothing to send); and the outcomes of the rest."""
        stamp = self._stamp()
        sends: list[tuple[Subscription, date, Card]] = []
        records: list[dict[str, Any]] = []
        settled: list[Outcome] = []
        known = self.state.deliveries_of((subscription.target.key, day) for subscription, day in chunk)
        for subscription, day in chunk:
            key = subscription.target.key
            self._unwritten.pop(key, None)
            if not _open(known.get((key, day.isoformat()))):
                settled.append(Outcome(subscription.target, day, "skipped"))
                continue
            settings = (day, subscription.language, subscription.topics, subscription.empty)
            if settings not in cards:
                cards[settings] = self.digest_for(subscription, day)
            card = cards[settings]
            records.append(
                {
                    "key": key,
                    "date": day.isoformat(),
                    "state": "claimed" if card else "empty",
                    "detail": "",
                    "at": stamp,
                }
            )
            if card is None:
                settled.append(Outcome(subscription.target, day, "empty"))
            else:
                sends.append((subscription, day, card))
        return sends, records, settled

    def _write_claims(
        self, claims: list[dict[str, Any]], done: list[tuple[Subscription, Outcome]], prune_before: date | None
    ) -> list[dict[str, Any]]:
        """One write: a batch's claims, the outcomes finished since the last write, and (with the
        first batch) old records pruned, never those of a day being delivered now (`digest run
        --date` may deliver an old one). Returns the claims won: those no other process holds."""
        with self.state.transaction():
            self._record(done)
            won = self.state.claim_deliveries(claims)
            if prune_before is not None:
                self.state.prune_deliveries(min(self.clock().date() - timedelta(days=KEEP_DAYS), prune_before))
        return won

    async def _send(
        self,
        subscription: Subscription,
        day: date,
        card: Card,
        send: Sender,
        admits: bool = False,
        mark: Callable[[str, date], Awaitable[bool]] | None = None,
    ) -> tuple[Subscription, Outcome]:
        """One digest, and the subscription it was for: a chat that has moved gets it at its new
        id, where its subscription now is."""
        outcome = Outcome(subscription.target, day, "retry", "moved more than once")
        for _ in range(2):
            try:
                if mark is None or not self.state.shared:
                    await send(subscription.target, card)
                    return subscription, Outcome(subscription.target, day, "sent")
                key = subscription.target.key
                with gated(Gate(lambda: mark(key, day))) as gate:
                    if not admits:
                        await gate.open()
                    await send(subscription.target, card)
                return subscription, Outcome(subscription.target, day, "sent")
            except ClaimLost as lost:
                log.info("digest to %s not sent: %s", subscription.target.key, lost)
                return subscription, Outcome(subscription.target, day, "skipped", _STORE_LOST if lost.store else "")
            except ChatMoved as moved:
                subscription, still_due = self._move(subscription, moved.target, day)
                if not still_due:
                    return subscription, Outcome(subscription.target, day, "skipped")
            except DeliveryFailed as error:  # its reason is short and classified; redacted all the same
                return subscription, Outcome(subscription.target, day, error.state, redact(error.reason)[:200])
            except Exception as error:  # an adapter bug must not lose the other chats' digests
                log.exception("digest to %s failed unexpectedly", subscription.target.key)
                return subscription, Outcome(subscription.target, day, "failed", type(error).__name__)
        return subscription, outcome

    def _move(self, subscription: Subscription, target: Target, day: date) -> tuple[Subscription, bool]:
        """Move a subscription and its chat's language to the chat's new id, in one write, and
        claim the day's digest there; the new id's own subscription stands if it has one. Returns
        the subscription at the new id and whether the day's digest is still to be sent there."""
        old = subscription.target
        log.warning("chat %s moved to %s; its digest subscription moves with it", old.key, target.key)
        stamp = self._stamp()
        with self.state.transaction():
            self.state.remove_subscription(old.key)
            self.state.record_deliveries(
                [
                    {
                        "key": old.key,
                        "date": day.isoformat(),
                        "state": "failed",
                        "detail": f"moved to {target.chat}",
                        "at": stamp,
                    }
                ]
            )
            moved = self.state.subscription(target.key)
            if moved is None:
                moved = replace(subscription, target=target)
                self.state.put_subscriptions([moved])
                language = self.state.language(old.platform, old.chat)
                if language is not None and self.state.language(target.platform, target.chat) is None:
                    self.state.set_language(target.platform, target.chat, language)
            claim = {"key": target.key, "date": day.isoformat(), "state": "claimed", "detail": "", "at": stamp}
            if not self.state.claim_deliveries([claim]):
                return moved, False
        return moved, True

    def _record(self, finished: list[tuple[Subscription, Outcome]]) -> None:
        """Write outcomes and failure counts; pause chats that keep failing."""
        if not finished:
            return
        stamp = self._stamp()
        with self.state.transaction():
            self.state.record_deliveries(
                {"key": o.target.key, "date": o.day.isoformat(), "state": o.state, "detail": o.detail, "at": stamp}
                for _, o in finished
            )
            updated = []
            stored = self.state.subscriptions_of(s.target.key for s, _ in finished)
            for subscription, outcome in finished:
                current = stored.get(subscription.target.key, subscription)
                if outcome.state == "sent":
                    if current.failures:
                        updated.append(replace(current, failures=0))
                    continue
                if outcome.state in ("retry", "interrupted"):
                    continue  # a failure in passing says nothing about the chat
                failures = current.failures + 1
                paused = failures >= PAUSE_AFTER
                if paused and not current.paused:
                    log.warning(
                        "digest for %s paused after %d failures in a row: %s",
                        current.target.key,
                        failures,
                        outcome.detail,
                    )
                updated.append(replace(current, failures=failures, paused=paused))
            if updated:  # usually nothing: most sends succeed after a success
                self.state.put_subscriptions(updated)

    def _stamp(self) -> str:
        return self.clock().astimezone(UTC).isoformat(timespec="seconds")


#: A skipped digest's detail when its claim could not be marked because the store failed.
_STORE_LOST = "the state store failed"


def _stamped_before(record: dict[str, Any], moment: datetime) -> bool:
    """Whether a delivery record was written before ``moment`` (a record without a time: no)."""
    try:
        return datetime.fromisoformat(record["at"]) < moment
    except (ValueError, TypeError):
        return False


def _claimed_only(
    won: list[dict[str, Any]], sends: list[tuple[Subscription, date, Card]], settled: list[Outcome]
) -> tuple[list[tuple[Subscription, date, Card]], list[Outcome]]:
    """A batch's sends and outcomes once its claims are written: a chat whose claim was not won
    (another process holds it) is skipped, its empty day too."""
    ours = {(record["key"], record["date"]) for record in won}
    kept = [item for item in sends if (item[0].target.key, item[1].isoformat()) in ours]
    skipped = [Outcome(s.target, day, "skipped") for s, day, _ in sends if (s.target.key, day.isoformat()) not in ours]
    settled = [
        o if o.state != "empty" or (o.target.key, o.day.isoformat()) in ours else replace(o, state="skipped")
        for o in settled
    ]
    return kept, settled + skipped


def preview(
    knowledge: Knowledge,
    today: date,
    arguments: Sequence[str],
    language: Language,
    topics: tuple[str, ...] = (),
    empty: EmptyPolicy = "skip",
) -> Reply:
    """``/digest preview [MM-DD]``: the digest of today, or of that day this year, as it would be
    posted (in a chat, with the chat's settings; in the console, with the defaults)."""
    day = today
    if arguments:
        parsed = parse_month_day(arguments[0])
        if parsed is None:
            return notice(t(language, "onthisday.bad", arg=arguments[0][:40]), t(language, "digest.title"))
        day = _month_day_in_year(today.year, *parsed)
    card = build_digest(knowledge, day, language, topics, empty)
    if card is None:
        return notice(t(language, "digest.preview_empty"), t(language, "digest.title"))
    return Reply((card,))


def _month_day_in_year(year: int, month: int, day: int) -> date:
    """MM-DD in a year; 29 February in a common year is taken as 28 February."""
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, 2, 28)
