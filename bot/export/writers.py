"""The formats ``briefing-bot export`` writes, by name, and the one call that writes any of them."""

from __future__ import annotations

from datetime import datetime

from bot.export import ics, jsonl, table, timelinejs
from bot.export.selection import ExportError, Selection

FORMATS = ("timelinejs", "csv", "ics", "json")


def check_format(name: str, facts: bool = False) -> None:
    """Refuse a format not in ``FORMATS``, and ``--facts`` with any but csv."""
    if name not in FORMATS:
        raise ExportError(f"unknown format {name!r} (the formats: {', '.join(FORMATS)})")
    if facts and name != "csv":
        raise ExportError(f"--facts is for csv only, not {name}")


def export(name: str, selection: Selection, stamp: datetime, facts: bool = False) -> str:
    """The text of the file of format ``name``; ``stamp`` is when it was made (for ics)."""
    check_format(name, facts)
    if name == "timelinejs":
        return timelinejs.write(selection)
    if name == "csv":
        return table.write(selection, facts)
    if name == "ics":
        return ics.write(selection, stamp)
    return jsonl.write(selection)
