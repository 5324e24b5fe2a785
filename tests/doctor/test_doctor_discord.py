"""The Discord check in SimCord: a token that logs in names the bot and its application.

SimCord logs any token in (it has no notion of a revoked one), so the refusal is not tested here.
"""

from __future__ import annotations

import os
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.config import read_settings
from bot.digests.compose import Subscription, Target
from bot.digests.state import StateStore
from bot.doctor.checks import Setup
from bot.doctor.discord import discord_login


@pytest.fixture
def simcord_bot() -> discord.Client:
    """A bare client, as the check makes one: no gateway, no commands."""
    return discord.Client(intents=discord.Intents.default())


@pytest.fixture(autouse=True)
def _only_these_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in os.environ:
        if name.upper().startswith("BRIEFING_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


async def test_a_token_that_logs_in_names_the_bot(simcord_env, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BRIEFING_DISCORD_TOKEN", "discord-token-never-printed")
    client = simcord_env.bot
    findings = await discord_login(Setup(read_settings()), lambda: client)
    assert findings[0].ok and str(findings[0]).startswith(f"✓ discord token: logged in as {client.user}")
    assert "discord-token-never-printed" not in " ".join(str(finding) for finding in findings)


async def test_commands_not_yet_synced_fail_and_synced_ones_are_listed(  # type: ignore[no-untyped-def]
    simcord_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFING_DISCORD_TOKEN", "discord-token-never-printed")
    client = simcord_env.bot
    before = await discord_login(Setup(read_settings()), lambda: client)
    assert str(before[1]) == (
        "✗ slash commands (globally): none registered → start the bot once: it registers them when it starts (shard 0)"
    )
    tree = app_commands.CommandTree(client)

    @tree.command(name="timeline", description="the timeline")
    async def timeline(interaction: discord.Interaction) -> None: ...

    @tree.command(name="csto", description="a topic")
    async def csto(interaction: discord.Interaction) -> None: ...

    await tree.sync()  # as the bot does at start
    after = await discord_login(Setup(read_settings()), lambda: client)
    assert str(after[1]) == "✓ slash commands (globally): 2 registered: /csto, /timeline"


async def test_no_token_no_check(tmp_path: Path) -> None:
    assert await discord_login(Setup(read_settings())) == []


async def test_a_discord_error_is_one_failed_line(simcord_env, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BRIEFING_DISCORD_TOKEN", "discord-token-never-printed")
    simcord_env.inject_error("GET", "/oauth2/applications/@me", status=503, message="Service Unavailable")
    client = simcord_env.bot
    findings = await discord_login(Setup(read_settings()), lambda: client)
    assert [str(finding) for finding in findings] == [
        "✗ discord token: Discord answered 503 → try again later; see discordstatus.com"
    ]


async def test_digest_channels_are_shown_as_unverified(
    simcord_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BRIEFING_DISCORD_TOKEN", "discord-token-never-printed")
    data = tmp_path / "data"
    StateStore(data).put_subscriptions(
        [Subscription(Target("discord", "123")), Subscription(Target("discord", "456", "789"))]
    )
    client = simcord_env.bot
    findings = await discord_login(Setup(read_settings(data=data)), lambda: client)
    assert [(finding.name, finding.verified) for finding in findings] == [
        ("discord token", True),
        ("slash commands (globally)", True),  # none yet: this client synced nothing
        ("discord digest channels", False),
    ]
    assert str(findings[2]).startswith("? discord digest channels: 2, not checked: ")
