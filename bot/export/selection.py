"""What an export holds: the events (or facts) of a topic and a period, as ``/timeline`` finds them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.base.errors import BriefingError
from bot.content.loader import Article, Topic
from bot.extraction.facts import Fact
from bot.knowledge.events import Event
from bot.knowledge.indexes import Knowledge
from bot.language.dates import DateValue, Precision, period


class ExportError(BriefingError):
    """An export was asked for what is not there: a format, a topic or a date; the message says
    what is accepted."""


@dataclass(frozen=True, slots=True)
class Selection:
    """The events and the facts an export writes, in date order, with the knowledge they are of."""

    knowledge: Knowledge
    events: tuple[Event, ...]
    facts: tuple[Fact, ...]
    topic: Topic | None = None

    def sources(self, item: Event | Fact) -> list[Article]:
        """The articles that report an event (in the event's order) or a fact."""
        ids = item.articles if isinstance(item, Event) else (item.article,)
        return [self.knowledge.articles[i] for i in ids if i in self.knowledge.articles]

    def topics(self, item: Event | Fact) -> list[Topic]:
        return [self.knowledge.topics[i] for i in item.topics if i in self.knowledge.topics]


def read_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ExportError(f"not a date: {text!r} ({option} takes YYYY-MM-DD)") from None


def select(
    knowledge: Knowledge, topic: str | None = None, first: date | None = None, last: date | None = None
) -> Selection:
    """The events and facts of ``topic`` (an id, command or alias, as ``/timeline`` takes it)
    whose span overlaps ``first``–``last`` (either end may be open), by the rule of
    ``Knowledge.timeline_positions``: an event belongs when one of its facts does."""
    found = None
    if topic is not None:
        found = knowledge.find_topic(topic)
        if found is None:
            accepted = ", ".join(knowledge.topics) or "none"
            raise ExportError(f"unknown topic {topic!r} (the topics: {accepted})")
    if first is not None and last is not None and last < first:
        raise ExportError(f"--from {first} is after --to {last}")
    positions: Sequence[int]
    if first is None and last is None:
        positions = knowledge.topic_positions(found.id) if found else range(len(knowledge.facts))
    elif knowledge.period is None:
        positions = []
    else:
        start, end = knowledge.period
        wanted = period(first or min(start, last or start), last or max(end, first or end))
        positions = knowledge.timeline_positions(wanted, found.id if found else None)
    facts = tuple(knowledge.facts[p] for p in positions)
    events = tuple(knowledge.events[p] for p in knowledge.event_positions(positions))
    return Selection(knowledge, events, facts, found)


#: ACLED's ``time_precision``: 1 a day, 2 a week or a range of days, 3 a month or a year.
ACLED_PRECISION: dict[Precision, int] = {"day": 1, "range": 2, "month": 3, "year": 3}


def time_precision(value: DateValue) -> int:
    """ACLED's code for a date's precision; a range of months or years counts as a month."""
    if value.precision == "range" and value.bounds != ("day", "day"):
        return 3
    return ACLED_PRECISION[value.precision]
