"""Wiring: settings → core → the adapters that have tokens (the console when none has)."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from bot.adapters.console import run_console
from bot.config import Settings
from bot.core.errors import BriefingError
from bot.core.service import Briefing, Clock, utc_now

log = logging.getLogger(__name__)


class AdapterUnavailable(BriefingError):
    """A token is set for a platform this version cannot serve yet."""


def load_briefing(settings: Settings, clock: Clock = utc_now) -> Briefing:
    return Briefing.load(settings.content, settings.data, settings.zone, settings.language, clock)


def run(settings: Settings, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Start every adapter that has a token; with none, open the console chat."""
    platforms = [name for name, section in (("Telegram", settings.telegram), ("Discord", settings.discord))
                 if section.token is not None]
    if platforms:
        raise AdapterUnavailable(
            f"this version has no {' or '.join(platforms)} adapter yet; "
            "unset the token to chat in the console"
        )
    briefing = load_briefing(settings)
    return run_console(briefing, stdin, stdout)
