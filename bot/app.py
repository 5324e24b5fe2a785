"""Wiring: settings → core → the adapters that have tokens (the console when none has)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import TextIO

from bot import logs
from bot.adapters.console import run_console
from bot.config import Settings
from bot.core.errors import BriefingError
from bot.core.service import Briefing, Clock, utc_now
from bot.core.state import StateStore

log = logging.getLogger(__name__)


class AdapterUnavailable(BriefingError):
    """A token is set for a platform this version cannot serve yet."""


def load_briefing(settings: Settings, clock: Clock = utc_now) -> Briefing:
    return Briefing.load(settings.content, settings.data, settings.zone, settings.language, clock)


def run(settings: Settings, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Start every adapter that has a token; with none, open the console chat."""
    if settings.discord.token is not None:
        raise AdapterUnavailable("this version has no Discord adapter yet; unset BRIEFING_DISCORD_TOKEN")
    briefing = load_briefing(settings)
    if settings.telegram.token is None:
        return run_console(briefing, stdin, stdout)
    token = settings.telegram.token.get_secret_value()
    logs.add_secrets([token])
    asyncio.run(_serve_telegram(briefing, StateStore(settings.data), token, settings.telegram.base_url))
    return 0


async def _serve_telegram(briefing: Briefing, state: StateStore, token: str, base_url: str) -> None:
    # Imported here: the console needs no Telegram library at all.
    from telegram.error import InvalidToken, NetworkError

    from bot.adapters.telegram import TelegramAdapter

    adapter = TelegramAdapter(briefing, state, token, base_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    try:
        await adapter.start()
    except InvalidToken:
        raise BriefingError("Telegram rejected the token: check BRIEFING_TELEGRAM_TOKEN or [telegram] token") from None
    except NetworkError as error:
        raise BriefingError(f"cannot reach the Telegram Bot API at the configured base_url: {error}") from None
    log.warning("Telegram adapter running; stop with Ctrl+C")
    try:
        await stop.wait()
    finally:
        await adapter.stop()
