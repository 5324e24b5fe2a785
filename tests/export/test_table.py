"""The CSV export, read back with the csv module: a row per event (or fact), the precision also
as ACLED's time_precision code, and the sources in the same order in their three cells."""

from __future__ import annotations

import csv
import io
from datetime import date

from bot.briefings.service import Briefing
from bot.export import table
from bot.export.selection import select

ACLED = {"day": "1", "range": "2", "month": "3", "year": "3"}


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_one_row_per_event(bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    rows = read(table.write(select(knowledge)))
    assert list(rows[0]) == list(table.EVENT_COLUMNS)
    assert [row["id"] for row in rows] == [event.id for event in knowledge.events]
    for row, event in zip(rows, knowledge.events):
        assert date.fromisoformat(row["date"]) == event.value.start
        assert row["precision"] == event.value.precision
        assert (row["end"] != "") == (event.value.precision == "range")
        assert row["headline"] == event.headline and row["quote"] == event.facts[0].quote
        assert row["topics"].split(table.SEPARATOR) == list(event.topics) or not event.topics


def test_time_precision_is_acleds_code(bundled: Briefing) -> None:
    rows = read(table.write(select(bundled.knowledge)))
    assert {row["time_precision"] for row in rows} == {"1", "2", "3"}
    for row in rows:
        assert row["time_precision"] == ACLED[row["precision"]]


def test_the_sources_line_up(bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    several = 0
    for row in read(table.write(select(knowledge))):
        ids = row["article"].split(table.SEPARATOR)
        outlets = row["outlet"].split(table.SEPARATOR)
        urls = row["url"].split(table.SEPARATOR)
        assert len(ids) == len(outlets) == len(urls)
        for article_id, outlet, url in zip(ids, outlets, urls):
            article = knowledge.articles[article_id]
            assert (outlet, url) == (article.outlet, article.url or "")
        several += len(ids) > 1
    assert several  # the bundled content has events reported by several articles


def test_facts_one_row_each(bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    rows = read(table.write(select(knowledge), facts=True))
    assert list(rows[0]) == list(table.FACT_COLUMNS) and "text" in rows[0]
    assert len(rows) == len(knowledge.facts) > len(knowledge.events)
    for row, fact in zip(rows, knowledge.facts):
        assert (row["id"], row["text"], row["quote"], row["article"]) == (fact.id, fact.text, fact.quote, fact.article)
        assert row["time_precision"] == ACLED[fact.value.precision]
