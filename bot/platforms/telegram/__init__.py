"""Telegram through python-telegram-bot: the adapter, its HTML renderer, flood limits and its
aiohttp transport; ``ENTRY`` registers it, on when ``[telegram] token`` is set.
"""

from __future__ import annotations

from bot.platforms.base import Core, Platform, PlatformEntry


def _create(core: Core) -> Platform:
    # Imported here: the library only when the platform runs.
    from bot.platforms.telegram.platform import TelegramPlatform

    return TelegramPlatform.create(core)


ENTRY = PlatformEntry("telegram", lambda settings: settings.telegram.token is not None, _create)
