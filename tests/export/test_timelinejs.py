"""The TimelineJS export, read back as JSON and checked against the rules of TimelineJS3's
documentation (https://timeline.knightlab.com/docs/json-format.html): the document holds
``events`` (slides), an optional ``title`` slide and ``eras``; every slide but the title has a
``start_date``; a date object has a numeric ``year`` and optionally a ``month`` (1–12) and a
``day``; an era has a ``start_date`` and an ``end_date``."""

from __future__ import annotations

import json
from datetime import date
from html import escape
from typing import Any

import pytest

from bot.briefings.service import Briefing
from bot.export import timelinejs
from bot.export.selection import select
from bot.language.dates import DateValue


@pytest.fixture(scope="module")
def document(bundled: Briefing) -> dict[str, Any]:
    return json.loads(timelinejs.write(select(bundled.knowledge)))  # type: ignore[no-any-return]


def first_day(found: dict[str, Any]) -> date:
    """The first day a TimelineJS date object covers."""
    return date(found["year"], found.get("month", 1), found.get("day", 1))


def check_date(found: dict[str, Any]) -> None:
    """A date object as the documentation describes it."""
    assert isinstance(found["year"], int)
    assert set(found) <= {"year", "month", "day", "hour", "minute", "second", "millisecond", "display_date"}
    if "month" in found:
        assert isinstance(found["month"], int) and 1 <= found["month"] <= 12
    if "day" in found:
        assert "month" in found and isinstance(found["day"], int)
    first_day(found)  # a real day: 30 February raises


def test_the_document_has_the_documented_shape(document: dict[str, Any], bundled: Briefing) -> None:
    assert set(document) <= {"events", "title", "eras", "scale"}
    assert "start_date" not in document["title"] and document["title"]["text"]["headline"]
    assert len(document["events"]) == len(bundled.knowledge.events) > 10
    for slide in document["events"]:
        check_date(slide["start_date"])
        if "end_date" in slide:
            check_date(slide["end_date"])
            assert first_day(slide["end_date"]) >= first_day(slide["start_date"])
        assert slide["text"]["headline"].strip()
    ids = [slide["unique_id"] for slide in document["events"]]
    assert len(set(ids)) == len(ids)


def test_dates_say_no_more_than_their_precision(document: dict[str, Any], bundled: Briefing) -> None:
    events = bundled.knowledge.event_by_id
    seen = set()
    for slide in document["events"]:
        value = events[slide["unique_id"]].value
        seen.add(value.precision)
        start = slide["start_date"]
        assert start["year"] == value.start.year
        if value.precision == "year":
            assert "month" not in start and "day" not in start
        elif value.precision == "month":
            assert (start["month"], "day" in start) == (value.start.month, False)
        elif value.precision == "day":
            assert (start["month"], start["day"]) == (value.start.month, value.start.day)
        assert ("end_date" in slide) == (value.precision == "range")
        if value.precision == "range" and value.bounds == ("day", "day"):
            end = slide["end_date"]
            assert date(end["year"], end["month"], end["day"]) == value.end
    assert seen == {"day", "month", "year", "range"}  # the bundled content has each kind


def test_a_range_of_months_ends_in_a_month() -> None:
    value = DateValue(date(2022, 2, 1), "range", date(2023, 6, 30), ("month", "month"))
    assert timelinejs.dates(value) == {
        "start_date": {"year": 2022, "month": 2},
        "end_date": {"year": 2023, "month": 6},
    }


def test_the_text_links_every_source(document: dict[str, Any], bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    linked = 0
    for slide in document["events"]:
        text = slide["text"]["text"]
        for article_id in knowledge.event_by_id[slide["unique_id"]].articles:
            article = knowledge.articles[article_id]
            assert escape(article.outlet) in text
            assert article.published.isoformat() in text
            if article.url:
                assert f'href="{article.url}"' in text
                linked += 1
    assert linked > 0


def test_groups_are_topic_titles(document: dict[str, Any], bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    ungrouped = 0
    for slide in document["events"]:
        event = knowledge.event_by_id[slide["unique_id"]]
        if event.topics:
            assert slide["group"] == knowledge.topics[event.topics[0]].title
        else:
            assert "group" not in slide  # no topic: TimelineJS shows it in a row of its own
            ungrouped += 1
    assert len({slide.get("group") for slide in document["events"]}) == len(knowledge.topics) + (ungrouped > 0)


def test_one_era_per_topic_over_its_period(document: dict[str, Any], bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    eras = {era["text"]["headline"]: era for era in document["eras"]}
    assert set(eras) == {topic.title for topic in knowledge.topics.values()}
    for topic in knowledge.topics.values():
        era = eras[topic.title]
        check_date(era["start_date"])
        check_date(era["end_date"])
        covered = knowledge.topic_period(topic.id)
        assert covered is not None
        assert first_day(era["start_date"]) == covered.start
        assert first_day(era["end_date"]) == covered.last.start


def test_a_topics_export_has_its_events_and_era_only(bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    document = json.loads(timelinejs.write(select(knowledge, "CSTO")))
    assert [era["text"]["headline"] for era in document["eras"]] == [knowledge.topics["csto"].title]
    assert {slide["group"] for slide in document["events"]} == {knowledge.topics["csto"].title}
    assert [s["unique_id"] for s in document["events"]] == [
        knowledge.events[p].id for p in knowledge.topic_events("csto")
    ]
