"""Timeline pictures in the replies: which events a reply can show as a picture, and the caption
of ``/timeline … chart`` (or why there is no picture). The picture itself is drawn by the
platforms through ``bot.export.charts``; the core only says what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.briefings.cards import CHART_EVENTS, Card, ChartQuery, Reply
from bot.content.loader import Topic
from bot.i18n.messages import format_date, t, tn
from bot.knowledge.indexes import Knowledge
from bot.language.dates import DateValue, between


def query(subject: DateValue | Topic | None, language: str) -> ChartQuery:
    """The picture of a timeline's events: a period's, a topic's or all of them."""
    if isinstance(subject, DateValue):
        return ChartQuery(first=subject.start, last=subject.last_day, language=language)
    if subject is not None:
        return ChartQuery(topic=subject.id, language=language)
    return ChartQuery(language=language)


def offer(positions: Sequence[int], subject: DateValue | Topic | None, language: str) -> ChartQuery | None:
    """The picture a list of events offers beside itself: none for no events, or for more than
    one picture holds."""
    return query(subject, language) if 0 < len(positions) <= CHART_EVENTS else None


def caption(
    knowledge: Knowledge,
    positions: Sequence[int],
    subject: DateValue | Topic | None,
    what: str | None,
    listed_as: str,
    language: str,
) -> Reply:
    """The reply that is a picture of these events (by position in ``knowledge.events``): its
    caption says what it shows (``what``, the events' period, how many events and sources) and
    where the list is (``listed_as``); with no events, or too many for one picture, a notice."""
    title = t(language, "chart.title_for", what=what) if what else t(language, "chart.title")
    if not positions:
        return Reply((Card(title=title, body=t(language, "chart.empty", what=what or "–")),))
    if len(positions) > CHART_EVENTS:
        month = knowledge.events[positions[0]].value.start.strftime("%Y-%m")
        body = t(
            language,
            "chart.too_many",
            events=tn(language, "n.events", len(positions)),
            limit=CHART_EVENTS,
            example=f"/timeline {month} chart",
        )
        return Reply((Card(title=title, body=body),))
    events = [knowledge.events[p] for p in positions]
    # From the first event to the one ending last, each end with its own precision ("2022", not
    # "1 January – 31 December 2022" for the events of a year-precise one).
    first = min(events, key=lambda e: (e.value.start, -e.value.last_day.toordinal())).value
    span = between(first, max(events, key=lambda e: e.value.last_day).value)
    sources = len({article for event in events for article in event.articles})
    body = t(
        language,
        "chart.body",
        events=tn(language, "n.events", len(events)),
        span=format_date(span, language),
        sources=sources,
        listed_as=listed_as,
    )
    return Reply((Card(title=title, body=body),), chart=query(subject, language), picture=True)
