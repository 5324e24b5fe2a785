"""CSV: one row per event, or per fact, for spreadsheets and for researchers who merge the dates
with event data; ``time_precision`` is ACLED's code for the precision (1 a day, 2 a range of
days, 3 a month or a year).

An event reported by several articles has them all in its ``article``, ``outlet`` and ``url``
cells, in the same order, separated by ``SEPARATOR``; its ``quote`` is its leading fact's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from bot.export.selection import Selection, time_precision
from bot.extraction.facts import Fact
from bot.knowledge.events import Event

SEPARATOR = " | "
EVENT_COLUMNS = (
    "id",
    "date",
    "precision",
    "end",
    "time_precision",
    "headline",
    "quote",
    "article",
    "outlet",
    "url",
    "topics",
)
FACT_COLUMNS = tuple("text" if column == "headline" else column for column in EVENT_COLUMNS)


def _row(selection: Selection, item: Event | Fact) -> list[str]:
    value = item.value
    sources = selection.sources(item)
    lead = item.facts[0] if isinstance(item, Event) else item
    return [
        item.id,
        value.start.isoformat(),
        value.precision,
        value.end.isoformat() if value.end else "",
        str(time_precision(value)),
        item.headline if isinstance(item, Event) else item.text,
        lead.quote,
        SEPARATOR.join(a.id for a in sources),
        SEPARATOR.join(a.outlet for a in sources),
        SEPARATOR.join(a.url or "" for a in sources),
        SEPARATOR.join(item.topics),
    ]


def write(selection: Selection, facts: bool = False) -> str:
    """The events' table, or with ``facts`` the facts', with a header row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FACT_COLUMNS if facts else EVENT_COLUMNS)
    items: Iterable[Event | Fact] = selection.facts if facts else selection.events
    writer.writerows(_row(selection, item) for item in items)
    return out.getvalue()
