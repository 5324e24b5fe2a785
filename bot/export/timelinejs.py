"""TimelineJS3's JSON format (https://timeline.knightlab.com/docs/json-format.html): a slide per
event, grouped by topic, and an era per topic's period, so that the timeline loads in TimelineJS.

A date object holds only what the date's precision knows: a month-precise event has a year and
a month, never an invented first day; a range has an end date, each end as precise as it is.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from bot.export.selection import Selection
from bot.knowledge.events import Event
from bot.language.dates import DateValue


def date_object(value: DateValue) -> dict[str, int]:
    """A TimelineJS date of one unit (a day, a month or a year): a range's ends are given apart."""
    found = {"year": value.start.year}
    if value.precision in ("month", "day"):
        found["month"] = value.start.month
    if value.precision == "day":
        found["day"] = value.start.day
    return found


def dates(value: DateValue) -> dict[str, dict[str, int]]:
    """``start_date`` and, for a range, ``end_date``."""
    if value.precision != "range":
        return {"start_date": date_object(value)}
    return {"start_date": date_object(value.first), "end_date": date_object(value.last)}


def _text(selection: Selection, event: Event) -> str:
    """The lead quote and the sources: outlet, publication date and a link to each article."""
    items = []
    for article in selection.sources(event):
        title = escape(article.title)
        link = f'<a href="{escape(article.url)}">{title}</a>' if article.url else title
        items.append(f"<li>{escape(article.outlet)}, {article.published.isoformat()}: {link}</li>")
    return f"<p>{escape(event.facts[0].quote)}</p><ul>{''.join(items)}</ul>"


def slide(selection: Selection, event: Event) -> dict[str, Any]:
    found: dict[str, Any] = {
        "unique_id": event.id,
        **dates(event.value),
        "text": {"headline": escape(event.headline), "text": _text(selection, event)},
    }
    topics = [selection.topic] if selection.topic else selection.topics(event)
    if topics:
        found["group"] = topics[0].title
    return found


def timeline(selection: Selection) -> dict[str, Any]:
    """The whole TimelineJS document: a title, the events, and the eras of their topics."""
    knowledge = selection.knowledge
    shown = [selection.topic] if selection.topic else [t for t in knowledge.topics.values()]
    eras = []
    for topic in shown:
        covered = knowledge.topic_period(topic.id)
        if covered is None or not any(topic.id in event.topics for event in selection.events):
            continue
        eras.append(
            {
                "start_date": date_object(covered.first),
                "end_date": date_object(covered.last),
                "text": {"headline": escape(topic.title)},
            }
        )
    title = selection.topic.title if selection.topic else "briefing-bot"
    return {
        "title": {"text": {"headline": escape(title), "text": f"{len(selection.events)} events"}},
        "events": [slide(selection, event) for event in selection.events],
        "eras": eras,
    }


def write(selection: Selection) -> str:
    return json.dumps(timeline(selection), ensure_ascii=False, indent=1) + "\n"
