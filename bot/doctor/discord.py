"""The Discord check: the token logs in (``/users/@me``) and names its application.

Only the login is checked, through a bare ``discord.Client`` that connects no gateway and syncs
no command; whether the bot may post in the digests' channels is reported as unverified. discord.py
is imported when the check runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.doctor.checks import Finding, Setup, failed, unverified

if TYPE_CHECKING:
    import discord

NAME = "discord token"


def _client() -> discord.Client:
    import discord

    return discord.Client(intents=discord.Intents.default())


async def discord_login(setup: Setup, client: Callable[[], discord.Client] = _client) -> list[Finding]:
    settings = setup.settings.discord
    if settings.token is None:
        return []
    import aiohttp
    import discord

    bot = client()
    try:
        await bot.login(settings.token.get_secret_value())
        application = bot.application
        named = f" of the application {application.name!r}" if application is not None else ""
        findings = [Finding(NAME, f"logged in as {bot.user}{named} (id {bot.user.id if bot.user else '?'})")]
        channels = {s.target.chat for s in setup.subscriptions if s.target.platform == "discord"}
        if channels:
            findings.append(
                unverified(
                    "discord digest channels",
                    f"{len(channels)}, not checked: a bot's rights in a channel come with the gateway's guild "
                    "data, which doctor does not connect to; /digest status in each shows its last send",
                )
            )
        return findings
    except discord.LoginFailure:
        return [
            failed(
                NAME,
                "token rejected by Discord",
                "reset it in the developer portal (Bot → Reset Token) and set BRIEFING_DISCORD_TOKEN",
            )
        ]
    except discord.HTTPException as error:
        return [failed(NAME, f"Discord answered {error.status}", "try again later; see discordstatus.com")]
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        return [failed(NAME, f"cannot reach Discord ({type(error).__name__})", "check the network")]
    finally:
        await bot.close()
