"""Discord through discord.py: the adapter (slash commands) and its embed renderer; ``ENTRY``
registers it, on when ``[discord] token`` is set.
"""

from __future__ import annotations

from bot.platforms.base import Core, Platform, PlatformEntry


def _create(core: Core) -> Platform:
    # Imported here: the library only when the platform runs.
    from bot.platforms.discord.platform import DiscordPlatform

    return DiscordPlatform.create(core)


ENTRY = PlatformEntry("discord", lambda settings: settings.discord.token is not None, _create)
