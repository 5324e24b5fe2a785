"""Timeline pictures in the replies: a timeline or topic card offers the picture of its events,
and ``/timeline … chart`` answers with the picture's caption, or a notice saying why there is
none, in the chat's language."""

from __future__ import annotations

from datetime import date

import pytest

from bot.briefings import pictures
from bot.briefings.cards import CHART_EVENTS, ChartQuery, Reply
from bot.briefings.service import Briefing
from bot.export import png
from bot.export.selection import select

JANUARY = ChartQuery(first=date(2022, 1, 1), last=date(2022, 1, 31))


def body(reply: Reply) -> str:
    return reply.cards[0].body or ""


def test_a_timeline_and_a_topic_card_offer_the_picture_of_their_events(bundled: Briefing) -> None:
    january = bundled.ask("/timeline 2022-01")
    assert january.chart == JANUARY and not january.picture
    assert bundled.ask("/timeline csto").chart == ChartQuery(topic="csto")
    assert bundled.ask("/timeline").chart == ChartQuery()
    card = bundled.ask("/csto")
    assert card.chart == ChartQuery(topic="csto") and card.cards[0].title == "ODKB (CSTO) w Kazachstanie"
    assert bundled.ask("/timeline 2030").chart is None  # nothing to draw: no button
    assert bundled.ask("/sources").chart is None


def test_timeline_chart_is_the_caption_of_the_picture(bundled: Briefing) -> None:
    reply = bundled.ask("/timeline 2022-01 chart")
    assert reply.chart == JANUARY and reply.picture and len(reply.cards) == 1
    drawn = select(bundled.knowledge, None, JANUARY.first, JANUARY.last)
    sources = {article for event in drawn.events for article in event.articles}
    assert reply.cards[0].title == "Wykres: styczeń 2022"
    assert (
        body(reply)
        == f"{len(drawn.events)} wydarzeń, styczeń 2022 · źródła: {len(sources)} · jako lista: /timeline 2022-01"
    )
    english = bundled.ask("/timeline 2022-01 chart", language="en")
    assert english.cards[0].title == "Chart: January 2022"
    assert body(english).startswith(f"{len(drawn.events)} events, January 2022 · sources: {len(sources)}")
    russian = bundled.ask("/timeline 2022-01 wykres", language="ru")  # the flag in any language
    assert russian.cards[0].title == "График: январь 2022" and body(russian).startswith(f"{len(drawn.events)} событи")


def test_the_caption_keeps_the_precision_of_the_events_ends(bundled: Briefing) -> None:
    """From the first event to the one ending last, each end as precise as its event: a year's
    events that include a year-precise one span that year, not 1 January to 31 December."""
    knowledge = bundled.knowledge
    year = len(select(knowledge, None, date(2022, 1, 1), date(2022, 12, 31)).events)
    assert body(bundled.ask("/timeline 2022 chart")).split(" · ")[0] == f"{year} wydarzeń, 2022"
    war = len(select(knowledge, "wojna").events)
    assert body(bundled.ask("/wojna chart", language="en")).split(" · ")[0] == f"{war} events, 21 February 2022 – 2023"
    days = len(select(knowledge, None, date(2022, 1, 3), date(2022, 1, 6)).events)
    assert body(bundled.ask("/timeline 2022-01-03..2022-01-06 chart")).split(" · ")[0] == (
        f"{days} wydarzeń, 2–9 stycznia 2022"  # the protests' range, 2–9 January, reaches into the days asked
    )


def test_a_topic_command_with_chart(bundled: Briefing) -> None:
    reply = bundled.ask("/csto chart")
    assert reply.chart == ChartQuery(topic="csto") and reply.picture
    events = select(bundled.knowledge, "csto").events
    assert reply.cards[0].title == "Wykres: ODKB (CSTO) w Kazachstanie"
    assert body(reply).startswith(f"{len(events)} wydarzenia,") and body(reply).endswith("/timeline csto")
    assert bundled.ask("/csto whatever").chart == ChartQuery(topic="csto")  # other words ignored, as before
    assert not bundled.ask("/csto whatever").picture


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pl", "Nie ma czego narysować: brak wydarzeń dla: 2030."),
        ("en", "Nothing to draw: no events for: 2030."),
        ("ru", "Нечего рисовать: нет событий для: 2030."),
    ],
)
def test_a_chart_of_nothing_is_a_notice(bundled: Briefing, language: str, expected: str) -> None:
    reply = bundled.ask("/timeline 2030 chart", language=language)  # type: ignore[arg-type]
    assert reply.chart is None and not reply.picture and body(reply) == expected


def test_more_events_than_one_picture_holds_are_refused(bundled: Briefing, monkeypatch: pytest.MonkeyPatch) -> None:
    count = len(bundled.knowledge.events)
    monkeypatch.setattr(pictures, "CHART_EVENTS", count - 1)
    reply = bundled.ask("/timeline chart")
    assert reply.chart is None and body(reply) == (
        f"{count} wydarzeń to za dużo na jeden wykres (najwyżej {count - 1}): zawęź okres, np. /timeline 2022-01 chart."
    )
    assert "narrow the period" in body(bundled.ask("/timeline chart", language="en"))
    assert bundled.ask("/timeline").chart is None  # a list too long for one picture offers none
    assert bundled.ask("/timeline 2022-01").chart == JANUARY


def test_the_picture_holds_as_many_events_as_the_core_offers() -> None:
    assert png.MAX_EVENTS >= CHART_EVENTS
