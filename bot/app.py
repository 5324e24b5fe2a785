"""Wiring: settings → core → the adapters that have tokens (the console when none has)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from bot import logs
from bot.adapters.console import run_console
from bot.config import Settings
from bot.core.errors import BriefingError
from bot.core.service import Briefing, Clock, utc_now
from bot.core.state import StateStore

log = logging.getLogger(__name__)


def load_briefing(settings: Settings, clock: Clock = utc_now) -> Briefing:
    return Briefing.load(settings.content, settings.data, settings.zone, settings.language, clock)


def run(settings: Settings, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Start every adapter that has a token; with none, open the console chat."""
    briefing = load_briefing(settings)
    if settings.telegram.token is None and settings.discord.token is None:
        return run_console(briefing, stdin, stdout)
    logs.add_secrets(s.get_secret_value() for s in (settings.telegram.token, settings.discord.token) if s)
    asyncio.run(_serve(settings, briefing, StateStore(settings.data)))
    return 0


async def _serve(settings: Settings, briefing: Briefing, state: StateStore) -> None:
    """Run the adapters side by side in one event loop until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    stoppers: list[Callable[[], Awaitable[None]]] = []
    waiters: list[asyncio.Task[object]] = [asyncio.create_task(stop.wait())]
    try:
        if settings.telegram.token is not None:
            stoppers.append(await _start_telegram(briefing, state, settings.telegram.token.get_secret_value(),
                                                  settings.telegram.base_url))
        if settings.discord.token is not None:
            stop_discord, discord_task = _start_discord(settings, briefing, state)
            stoppers.append(stop_discord)
            waiters.append(discord_task)
        log.warning("running; stop with Ctrl+C")
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a Discord connection that ended with an error raises it here
    finally:
        for waiter in waiters:
            waiter.cancel()
        for stopper in reversed(stoppers):
            await stopper()


async def _start_telegram(briefing: Briefing, state: StateStore, token: str,
                          base_url: str) -> Callable[[], Awaitable[None]]:
    # Imported here: the console needs no chat platform library at all.
    from telegram.error import InvalidToken, NetworkError

    from bot.adapters.telegram import TelegramAdapter

    adapter = TelegramAdapter(briefing, state, token, base_url)
    try:
        await adapter.start()
    except InvalidToken:
        raise BriefingError("Telegram rejected the token: check BRIEFING_TELEGRAM_TOKEN or [telegram] token") from None
    except NetworkError as error:
        raise BriefingError(f"cannot reach the Telegram Bot API at the configured base_url: {error}") from None
    log.warning("Telegram adapter running")
    return adapter.stop


def _start_discord(settings: Settings, briefing: Briefing,
                   state: StateStore) -> tuple[Callable[[], Awaitable[None]], asyncio.Task[None]]:
    import discord

    from bot.adapters.discord import create_bot

    client = create_bot(settings, briefing, state)
    assert settings.discord.token is not None
    token = settings.discord.token.get_secret_value()

    async def connect() -> None:
        try:
            await client.start(token)
        except discord.LoginFailure:
            raise BriefingError("Discord rejected the token: check BRIEFING_DISCORD_TOKEN or [discord] token") from None
        except discord.PrivilegedIntentsRequired as error:
            raise BriefingError(f"Discord refused the bot's intents: {error}") from None

    log.warning("Discord adapter starting")
    return client.close, asyncio.create_task(connect())
