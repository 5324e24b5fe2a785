"""The events as ``briefing-bot events --json`` prints them: one JSON object per line, in date
order, with the keys of ``Event.to_json`` (a contract: the README lists them)."""

from __future__ import annotations

import json

from bot.export.selection import Selection


def write(selection: Selection) -> str:
    return "".join(json.dumps(event.to_json(), ensure_ascii=False) + "\n" for event in selection.events)
