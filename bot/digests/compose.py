"""Daily "on this day" digests: what goes in one, and subscriptions with their settings.

A subscription is a chat (or a thread in it) that gets a digest every day at a local time.
Delivery itself, exactly once per chat and day, lives in ``delivery.py``; the clock that fires it
is the application's scheduler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from typing import Literal
from zoneinfo import ZoneInfo

from bot.base.secrets import redact
from bot.base.zones import known_zone
from bot.briefings.cards import Card, CardField, paginate
from bot.briefings.replies import event_item, source_maker
from bot.extraction.facts import Fact
from bot.i18n.messages import (
    LANGUAGES,
    Language,
    format_date,
    format_day,
    format_month_day,
    t,
    tn,
    years_ago,
)
from bot.knowledge.indexes import Knowledge

EmptyPolicy = Literal["skip", "nearest"]
EMPTY_POLICIES: tuple[EmptyPolicy, ...] = ("skip", "nearest")
DEFAULT_TIME = "09:00"
#: At most this many anniversaries in one digest.
MAX_ITEMS = 5
#: Failures in a row after which a subscription is paused (a chat that blocked or removed the bot).
PAUSE_AFTER = 3


@dataclass(frozen=True, slots=True)
class Target:
    """Where a digest goes: a chat on a platform, and a thread or forum topic in it."""

    platform: str
    chat: str
    thread: str | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.chat}:{self.thread or ''}"

    @classmethod
    def from_key(cls, key: str) -> Target:
        platform, chat, thread = key.split(":", 2)
        return cls(platform, chat, thread or None)


@dataclass(frozen=True, slots=True)
class Subscription:
    target: Target
    time: str = DEFAULT_TIME  # HH:MM, local to ``timezone``
    timezone: str = "Europe/Warsaw"
    empty: EmptyPolicy = "skip"
    topics: tuple[str, ...] = ()  # empty: every topic
    language: Language = "pl"
    failures: int = 0  # delivery failures in a row
    paused: bool = False
    since: datetime | None = None  # when it was last turned on (None in records of older versions)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_time(self) -> time_of_day:
        hours, minutes = self.time.split(":")
        return time_of_day(int(hours), int(minutes))

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def due_at(self, day: date) -> datetime:
        """The moment of this subscription's digest on a local day, in UTC.

        A time the clocks skip that day counts as if they had not changed yet (02:30 is 03:30 when
        they go from 02:00 to 03:00); a time that occurs twice is its first occurrence. In UTC, so
        that comparing it compares instants: two datetimes in the same zone compare by wall time.
        """
        return datetime.combine(day, self.local_time, tzinfo=self.zone).astimezone(UTC)

    def next_run(self, now: datetime) -> datetime:
        """The first due moment strictly after ``now``: the scheduler's rule, and what status shows."""
        today = self.local_day(now)
        # Yesterday's too: a time skipped just before midnight falls on the next local date.
        days = (today + timedelta(days=n) for n in (-1, 0, 1, 2))
        return next(moment for moment in map(self.due_at, days) if moment > now)

    def was_due(self, day: date) -> bool:
        """Whether the digest of a local day fell due while this subscription was on: a day whose
        time had passed before ``/digest on`` was never due, so never missed nor caught up."""
        return self.since is None or self.due_at(day) >= self.since

    def to_record(self) -> dict[str, object]:
        record: dict[str, object] = {
            "key": self.target.key,
            "time": self.time,
            "timezone": self.timezone,
            "empty": self.empty,
            "topics": list(self.topics),
            "language": self.language,
            "failures": self.failures,
            "paused": self.paused,
        }
        if self.since is not None:
            record["since"] = self.since.astimezone(UTC).isoformat(timespec="seconds")
        return record

    @classmethod
    def from_record(cls, record: dict[str, object]) -> Subscription:
        """A stored subscription; ValueError, saying what is wrong, for a record that is not one."""
        try:
            key, at, zone = str(record["key"]), record["time"], record["timezone"]
        except KeyError as missing:
            raise ValueError(f"it has no {missing}") from None
        if key.count(":") < 2:
            raise ValueError(f"its key {key[:80]!r} is not platform:chat:thread")
        if not isinstance(at, str) or parse_time(at) != at:
            raise ValueError(f"its time {str(at)[:40]!r} is not HH:MM")
        if not isinstance(zone, str) or not known_zone(zone):
            raise ValueError(f"its time zone {str(zone)[:60]!r} does not exist")
        empty = record.get("empty", "skip")
        if empty not in EMPTY_POLICIES:
            raise ValueError(f"its empty-day policy {str(empty)[:40]!r} is not one of {', '.join(EMPTY_POLICIES)}")
        topics = record.get("topics") or []
        if not isinstance(topics, list) or not all(isinstance(topic, str) for topic in topics):
            raise ValueError("its topics are not a list of topic ids")
        language = record.get("language", "pl")
        if language not in LANGUAGES:
            raise ValueError(f"its language {str(language)[:20]!r} is not one of {', '.join(LANGUAGES)}")
        failures = record.get("failures", 0)
        if not isinstance(failures, int) or failures < 0:
            raise ValueError(f"its failure count {str(failures)[:20]!r} is not a whole number")
        since = record.get("since")
        try:
            when = datetime.fromisoformat(since) if isinstance(since, str) else None
        except ValueError:
            when = None
        if since is not None and (when is None or when.tzinfo is None):
            raise ValueError(f"its start {str(since)[:40]!r} is not an ISO date and time with its offset")
        return cls(
            Target.from_key(key),
            at,
            zone,
            empty,
            tuple(topics),
            language,  # type: ignore[arg-type]
            failures,
            bool(record.get("paused", False)),
            when,
        )


def parse_time(text: str) -> str | None:
    """``HH:MM`` (also ``H:MM`` and ``HH.MM``) as ``HH:MM``, or None."""
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return f"{int(match.group(1)):02d}:{int(match.group(2)):02d}"  # digits of any script written as 0-9


def parse_zone(text: str) -> str | None:
    """An IANA time zone's name as given, or None when no such zone exists."""
    return text if known_zone(text) else None


def _is_round(years: int) -> bool:
    return years == 1 or years % 5 == 0


def _ordered(facts: list[Fact], day: date) -> list[Fact]:
    """Round anniversaries first, then a mix of topics (one per topic in turn), oldest first."""
    round_ones = [f for f in facts if _is_round(day.year - f.value.start.year)]
    rest = [f for f in facts if f not in round_ones]
    groups: dict[str, list[Fact]] = {}
    for fact in rest:
        groups.setdefault(fact.topics[0] if fact.topics else "", []).append(fact)
    mixed: list[Fact] = []
    while any(groups.values()):
        for group in groups.values():
            if group:
                mixed.append(group.pop(0))
    return round_ones + mixed


def anniversaries(knowledge: Knowledge, day: date, topics: tuple[str, ...] = ()) -> list[Fact]:
    """Day-precise facts of this month and day from earlier years, of the given topics."""
    facts = knowledge.on_this_day(day.month, day.day, before=day)
    if topics:
        facts = [f for f in facts if set(f.topics) & set(topics)]
    return _ordered(facts, day)


def build_digest(
    knowledge: Knowledge, day: date, language: Language, topics: tuple[str, ...] = (), empty: EmptyPolicy = "skip"
) -> Card | None:
    """The digest card for a local day, or None when there is nothing to post."""
    facts = anniversaries(knowledge, day, topics)
    title = t(language, "onthisday.title", day=format_month_day(day.month, day.day, language))
    body = None
    when = day
    if not facts and empty == "nearest":
        for ahead in range(1, 367):
            when = day + timedelta(days=ahead)
            facts = anniversaries(knowledge, when, topics)
            if facts:
                break
        if not facts:
            return None
        body = t(
            language,
            "digest.nearest",
            day=format_day(when, language, with_year=False),
            days=tn(language, "n.days", ahead),
        )
    if not facts:
        return None
    events = list({event.id: event for event in (knowledge.event_of(f) for f in facts)}.values())
    shown = events[:MAX_ITEMS]
    varying = knowledge.varying_quantities
    items = [
        event_item(
            e,
            language,
            f"{format_date(e.value, language)} · {years_ago(language, when.year - e.value.start.year)}",
            varying,
        )
        for e in shown
    ]
    footer = t(language, "digest.more", day=when.strftime("%m-%d")) if len(events) > len(shown) else None
    first = Card(title=title, body=body, footer=footer)
    return paginate(first, items, source_maker(knowledge, language))[0]


def status_fields(
    subscription: Subscription, now: datetime, last: dict[str, str] | None, language: Language
) -> tuple[CardField, ...]:
    """What an admin needs to see: when, where, what, and how the last attempt ended."""
    zone = subscription.zone
    next_run = subscription.next_run(now).astimezone(zone)
    topics = ", ".join(subscription.topics) if subscription.topics else t(language, "digest.all_topics")
    fields = [
        CardField(t(language, "digest.f.time"), f"{subscription.time} ({subscription.timezone})"),
        CardField(t(language, "digest.f.next"), f"{format_day(next_run.date(), language)}, {next_run:%H:%M}"),
        CardField(t(language, "digest.f.empty"), t(language, f"digest.empty.{subscription.empty}")),
        CardField(t(language, "digest.f.topics"), topics),
    ]
    if subscription.paused:
        fields.append(CardField(t(language, "digest.f.paused"), t(language, "digest.paused", n=subscription.failures)))
    if last is None:
        fields.append(CardField(t(language, "digest.f.last"), t(language, "digest.never")))
    else:
        unanswered = last["state"] == "interrupted" and last.get("detail")  # not a restart: no answer came
        outcome = t(language, "digest.outcome.unanswered" if unanswered else f"digest.outcome.{last['state']}")
        # The reason, redacted again for records of older versions; an unanswered send's says no more.
        detail = f" ({redact(str(last['detail']))[:200]})" if last.get("detail") and not unanswered else ""
        day = format_day(date.fromisoformat(last["date"]), language)
        fields.append(CardField(t(language, "digest.f.last"), f"{day}: {outcome}{detail}"))
    return tuple(fields)
