"""iCalendar (RFC 5545, written with ``icalendar``): the day-precise events as yearly
anniversaries, for "on this day" in a calendar app.

Each event is an all-day VEVENT repeating every year (RRULE FREQ=YEARLY; one of 29 February on
the last day of February, as ``/onthisday`` shows it on the 28th in a common year), its headline the
SUMMARY, its sources (outlet, date, URL) the DESCRIPTION, and a UID made of its id, so that a
calendar importing the file again updates the events instead of doubling them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from bot.export.selection import Selection
from bot.knowledge.events import Event

PRODID = "-//briefing-bot//export//PL"
UID_DOMAIN = "briefing-bot"


def uid(event: Event) -> str:
    return f"{event.id}@{UID_DOMAIN}"


def _description(selection: Selection, event: Event) -> str:
    return "\n".join(
        ", ".join(part for part in (a.outlet, a.published.isoformat(), a.url) if part) for a in selection.sources(event)
    )


def calendar(selection: Selection, stamp: datetime) -> Calendar:
    """The calendar of the selection's day-precise events; ``stamp`` (aware) is their DTSTAMP:
    when the file was made."""
    found = Calendar()
    found.add("prodid", PRODID)
    found.add("version", "2.0")
    found.add("x-wr-calname", selection.topic.title if selection.topic else "briefing-bot")
    for event in selection.events:
        if event.value.precision != "day":
            continue
        day = event.value.start
        entry = CalendarEvent()
        entry.add("uid", uid(event))
        entry.add("dtstamp", stamp)
        entry.add("dtstart", day)
        entry.add("dtend", day + timedelta(days=1))
        if (day.month, day.day) == (2, 29):
            entry.add("rrule", {"freq": "yearly", "bymonth": 2, "bymonthday": -1})
        else:
            entry.add("rrule", {"freq": "yearly"})
        entry.add("summary", event.headline)
        entry.add("description", _description(selection, event))
        topics = [t.title for t in selection.topics(event)]
        if topics:
            entry.add("categories", topics)
        found.add_component(entry)
    return found


def write(selection: Selection, stamp: datetime) -> str:
    return calendar(selection, stamp).to_ical().decode()
