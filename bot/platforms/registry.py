"""Every chat platform the application can run, in the order they start.

A new platform is a folder under ``bot/platforms/`` whose ``__init__`` declares its
``PlatformEntry`` (see ``bot.platforms.base``), a line here, and its settings section in
``bot.config``. With no platform turned on, ``briefing-bot run`` opens the console instead.
"""

from __future__ import annotations

from bot.platforms import discord, telegram
from bot.platforms.base import PlatformEntry

PLATFORMS: tuple[PlatformEntry, ...] = (
    telegram.ENTRY,
    discord.ENTRY,
)
