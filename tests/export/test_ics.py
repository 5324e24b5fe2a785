"""The iCalendar export, read back with icalendar: a yearly all-day VEVENT per day-precise
event, with its headline, its sources and a UID of its id."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from bot.briefings.service import Briefing
from bot.export import ics
from bot.export.selection import Selection, select
from bot.knowledge.events import Event
from bot.language.dates import day

STAMP = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def calendar(bundled: Briefing) -> Calendar:
    return Calendar.from_ical(ics.write(select(bundled.knowledge), STAMP))


def test_one_vevent_per_day_precise_event(calendar: Calendar, bundled: Briefing) -> None:
    wanted = [e for e in bundled.knowledge.events if e.value.precision == "day"]
    found = calendar.walk("VEVENT")
    assert len(wanted) < len(bundled.knowledge.events)  # there are others, left out
    assert [str(v["UID"]) for v in found] == [ics.uid(e) for e in wanted]
    assert len({str(v["UID"]) for v in found}) == len(found)
    assert all(e.id in ics.uid(e) for e in wanted)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]


def test_yearly_all_day_anniversaries(calendar: Calendar, bundled: Briefing) -> None:
    events = {ics.uid(e): e for e in bundled.knowledge.events}
    for vevent in calendar.walk("VEVENT"):
        event = events[str(vevent["UID"])]
        start = vevent["DTSTART"].dt
        assert type(start) is date and start == event.value.start  # all day: a date, no time
        assert (vevent["DTEND"].dt - start).days == 1
        assert vevent["RRULE"]["FREQ"] == ["YEARLY"]
        assert vevent["DTSTAMP"].dt == STAMP
        assert str(vevent["SUMMARY"]) == event.headline


def test_the_description_names_the_sources(calendar: Calendar, bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    events = {ics.uid(e): e for e in knowledge.events}
    with_url = 0
    for vevent in calendar.walk("VEVENT"):
        description = str(vevent["DESCRIPTION"])
        lines = description.splitlines()
        event = events[str(vevent["UID"])]
        assert len(lines) == len(event.articles)
        for line, article_id in zip(lines, event.articles):
            article = knowledge.articles[article_id]
            assert line.startswith(article.outlet) and article.published.isoformat() in line
            if article.url:
                assert line.endswith(article.url)
                with_url += 1
    assert with_url


def test_a_leap_day_comes_back_on_the_last_day_of_february(bundled: Briefing) -> None:
    fact = bundled.knowledge.facts[0]
    leap = replace(fact, value=day(date(2024, 2, 29)))
    selection = Selection(bundled.knowledge, (Event("leap", leap.value, (leap,)),), (leap,))
    (vevent,) = Calendar.from_ical(ics.write(selection, STAMP)).walk("VEVENT")
    rule = vevent["RRULE"]
    assert (rule["FREQ"], rule["BYMONTH"], rule["BYMONTHDAY"]) == (["YEARLY"], [2], [-1])
    assert vevent["DTSTART"].dt == date(2024, 2, 29)
