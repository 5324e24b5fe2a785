"""What an export holds: a topic's events and a period's, by /timeline's rules."""

from __future__ import annotations

from datetime import date

import pytest

from bot.briefings.service import Briefing
from bot.export.selection import ExportError, read_date, select, time_precision
from bot.language.dates import DateValue, month, period


def test_everything_by_default(bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    found = select(knowledge)
    assert list(found.events) == knowledge.events and list(found.facts) == knowledge.facts


def test_a_topic_by_alias_as_timeline_takes_it(bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    found = select(knowledge, "/CSTO")
    assert found.topic is knowledge.topics["csto"]
    assert [e.id for e in found.events] == [knowledge.events[p].id for p in knowledge.topic_events("csto")]
    assert found.events and all("csto" in e.topics for e in found.events)
    assert len(found.events) < len(knowledge.events)


def test_a_period_keeps_what_overlaps_it(bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    found = select(knowledge, first=date(2022, 1, 6), last=date(2022, 1, 6))
    timeline = [
        knowledge.events[p]
        for p in knowledge.event_positions(knowledge.timeline_positions(period(date(2022, 1, 6), date(2022, 1, 6))))
    ]
    assert list(found.events) == timeline
    precisions = {e.value.precision for e in found.events}
    assert precisions == {"day", "range"}  # the ranges of days over 6 January; no month, no year
    for event in found.events:
        assert event.value.start <= date(2022, 1, 6) <= event.value.last_day


def test_an_open_end(bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    since = select(knowledge, first=date(2022, 2, 1))
    until = select(knowledge, last=date(2022, 1, 31))
    assert since.events and until.events
    assert all(e.value.last_day >= date(2022, 2, 1) for e in since.events)
    assert all(e.value.start <= date(2022, 1, 31) for e in until.events)
    assert {e.id for e in since.events} | {e.id for e in until.events} >= {
        e.id for e in knowledge.events if e.value.precision == "day"
    }


def test_a_topic_and_a_period(bundled: Briefing) -> None:
    found = select(bundled.knowledge, "protesty", date(2022, 1, 1), date(2022, 1, 31))
    assert found.events and all("protesty" in e.topics for e in found.events)
    assert all(e.value.start <= date(2022, 1, 31) for e in found.events)


@pytest.mark.parametrize(
    ("topic", "first", "last", "says"),
    [
        ("brexit", None, None, "the topics: csto, protesty, wojna"),
        (None, date(2022, 2, 1), date(2022, 1, 1), "after"),
    ],
)
def test_refused(bundled: Briefing, topic: str | None, first: date | None, last: date | None, says: str) -> None:
    with pytest.raises(ExportError, match=says):
        select(bundled.knowledge, topic, first, last)


def test_a_bad_date_names_the_format() -> None:
    assert read_date("2022-01-06", "--from") == date(2022, 1, 6)
    with pytest.raises(ExportError, match="YYYY-MM-DD"):
        read_date("6.01.2022", "--from")


def test_acled_time_precision() -> None:
    assert time_precision(DateValue(date(2022, 1, 6))) == 1
    assert time_precision(period(date(2022, 1, 2), date(2022, 1, 9))) == 2
    assert time_precision(month(2022, 1)) == 3
    assert time_precision(DateValue(date(2022, 1, 1), "year")) == 3
    assert time_precision(DateValue(date(2022, 2, 1), "range", date(2023, 6, 30), ("month", "month"))) == 3
