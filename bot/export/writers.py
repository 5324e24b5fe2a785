"""The formats ``briefing-bot export`` writes, by name, and the one call that writes any of them."""

from __future__ import annotations

from datetime import datetime

from bot.export import ics, jsonl, png, table, timelinejs
from bot.export.selection import ExportError, Selection

FORMATS = ("timelinejs", "csv", "ics", "json", "png")
BINARY = ("png",)  # written to a file only, never to a terminal


def check_format(name: str, facts: bool = False, to_file: bool = True) -> None:
    """Refuse a format not in ``FORMATS``, ``--facts`` with any but csv, and a picture without a file."""
    if name not in FORMATS:
        raise ExportError(f"unknown format {name!r} (the formats: {', '.join(FORMATS)})")
    if facts and name != "csv":
        raise ExportError(f"--facts is for csv only, not {name}")
    if name in BINARY and not to_file:
        raise ExportError(f"{name} needs a file to write to: -o FILE")


def export(name: str, selection: Selection, stamp: datetime, facts: bool = False, language: str = "pl") -> str | bytes:
    """The text of the file of format ``name`` (the bytes of a picture); ``stamp`` is when it was
    made (for ics); a picture's words are in ``language``."""
    check_format(name, facts)
    if name == "timelinejs":
        return timelinejs.write(selection)
    if name == "csv":
        return table.write(selection, facts)
    if name == "png":
        return png.write(selection, language)
    if name == "ics":
        return ics.write(selection, stamp)
    return jsonl.write(selection)
