"""The Discord check: the token logs in (``/users/@me``) and names its application, and the
application's slash commands are registered where the bot syncs them (globally, or in each of
``guild_ids``).

Only the login is checked, through a bare ``discord.Client`` that connects no gateway and syncs
no command; whether the bot may post in the digests' channels is reported as unverified. The bot
asks for no privileged intent (slash commands need none), so there is none to check in the
developer portal. discord.py is imported when the check runs.
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


async def _commands(bot: discord.Client, guild_ids: list[int]) -> list[Finding]:
    """The slash commands Discord holds for the application, where the bot syncs them."""
    import discord

    application = bot.application_id
    if application is None:
        return [unverified("slash commands", "Discord named no application for this bot")]
    findings = []
    # The HTTP calls CommandTree.fetch_commands makes: a tree would claim the client for good.
    places: list[tuple[str, int | None]] = [(f"guild {g}", g) for g in guild_ids]
    for place, guild in places or [("globally", None)]:
        name = f"slash commands ({place})"
        try:
            if guild is None:
                commands = await bot.http.get_global_commands(application)
            else:
                commands = await bot.http.get_guild_commands(application, guild)
        except discord.HTTPException as error:
            findings.append(failed(name, f"Discord answered {error.status}", "is the bot in that guild? Invite it"))
            continue
        if not commands:
            findings.append(
                failed(name, "none registered", "start the bot once: it registers them when it starts (shard 0)")
            )
            continue
        listed = ", ".join(sorted(f"/{command['name']}" for command in commands))
        findings.append(Finding(name, f"{len(commands)} registered: {listed}"))
    return findings


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
        findings += await _commands(bot, settings.guild_ids)
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
