"""Discord shards: ``[discord] shards = "auto"``, or ``shard_count`` and ``shard_ids`` for one
process of several, driven through SimCord's sharded gateway (each guild's events come through
the shard that holds it: ``(guild_id >> 22) % shard_count``).

What SimCord cannot show: Discord's recommended shard count for ``"auto"`` (SimCord is told the
count, as Discord would tell discord.py), and two processes of one bot at once (an environment
runs one bot), so the process that syncs the commands and the one that answers are tested apart.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.base.errors import ConfigError
from bot.briefings.service import Briefing
from bot.config import DiscordSettings, load_settings
from bot.digests.compose import Subscription, Target
from bot.platforms.discord.adapter import BriefingBot, ShardedBriefingBot, create_bot
from tests.conftest import BUNDLED_CONTENT, NOW, fixed_clock


def _settings(tmp_path: Path, discord_table: str) -> Any:
    config = tmp_path / "config.toml"
    config.write_text(f"[discord]\n{discord_table}\n", encoding="utf-8")
    return load_settings(config, content=BUNDLED_CONTENT, data=tmp_path / "data")


@pytest.fixture
def shards() -> dict[str, Any]:
    """The ``[discord]`` shard settings the bot is built with; a test may parametrize them."""
    return {"shards": "auto"}


@pytest.fixture
def simcord_bot(tmp_path: Path, bundled_data: Path, shards: dict[str, Any]) -> discord.Client:
    data = tmp_path / "data"
    shutil.copytree(bundled_data, data)
    settings = load_settings(content=BUNDLED_CONTENT, data=data)
    settings = settings.model_copy(update={"discord": DiscordSettings(**shards)})
    briefing = Briefing.load(BUNDLED_CONTENT, data, settings.zone, settings.language, fixed_clock(NOW))
    return create_bot(settings, briefing)


# --- settings and the bot they build --------------------------------------------------------------


def test_without_shard_settings_the_bot_is_not_sharded(tmp_path: Path) -> None:
    bot = create_bot(_settings(tmp_path, ""))
    assert type(bot) is BriefingBot and not isinstance(bot, discord.AutoShardedClient)


def test_shards_auto_builds_an_auto_sharded_bot_that_asks_discord_for_the_count(tmp_path: Path) -> None:
    bot = create_bot(_settings(tmp_path, 'shards = "auto"'))
    assert isinstance(bot, ShardedBriefingBot) and isinstance(bot, discord.AutoShardedClient)
    assert (bot.shard_count, bot.shard_ids) == (None, None)
    assert bot.syncs_commands


def test_shard_count_and_ids_make_one_process_of_several(tmp_path: Path) -> None:
    bot = create_bot(_settings(tmp_path, "shard_count = 4\nshard_ids = [1, 3]"))
    assert isinstance(bot, ShardedBriefingBot)
    assert (bot.shard_count, bot.shard_ids) == (4, [1, 3])
    assert not bot.syncs_commands  # shard 0's process syncs them
    every = create_bot(_settings(tmp_path, "shard_count = 2"))
    assert (every.shard_count, every.shard_ids) == (2, None) and every.syncs_commands


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('shards = "auto"\nshard_count = 2\nshard_ids = [0]', 'shards = "auto" lets Discord choose the shards'),
        ('shards = "auto"\nshard_count = 2', 'shards = "auto" lets Discord choose the shards'),
        ("shard_ids = [0, 1]", "shard_ids needs shard_count"),
        ("shard_count = 2\nshard_ids = [0, 2]", "shard_ids [2] out of range: a shard id is from 0 to shard_count - 1"),
        ("shard_count = 2\nshard_ids = [-1]", "shard_ids [-1] out of range"),
        ("shard_count = 2\nshard_ids = [1, 1]", "names a shard twice"),
        ("shard_count = 2\nshard_ids = []", "shard_ids is empty"),
        ("shard_count = 0", "shard_count: Input should be greater than or equal to 1"),
        ('shards = "yes"', "discord.shards: Input should be 'auto'"),
    ],
)
def test_shard_settings_that_do_not_agree_are_refused_naming_the_file_and_key(
    tmp_path: Path, table: str, message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        _settings(tmp_path, table)
    text = str(refused.value)
    assert text.startswith(f"{tmp_path / 'config.toml'}: discord")
    assert message in text


# --- SimCord: commands and digests per shard --------------------------------------------------------


def _guild_on(env, shard: int, name: str):  # type: ignore[no-untyped-def]
    guild = env.create_guild(name, shard_id=shard)
    channel = guild.create_text_channel("general")
    member = guild.add_member(env.create_user(f"member-{name}"))
    managers = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(env.create_user(f"mod-{name}"), roles=[managers])
    return guild, channel, member, mod


def _text(result) -> str:  # type: ignore[no-untyped-def]
    embed = result.response.embeds[0]
    return f"{embed.title or ''}\n{embed.description or ''}"


@pytest.mark.simcord(shard_count=2)  # what Discord would recommend to "auto"
async def test_shards_auto_answers_commands_in_guilds_of_every_shard(simcord_env) -> None:  # type: ignore[no-untyped-def]
    bot = simcord_env.bot
    assert isinstance(bot, discord.AutoShardedClient) and set(bot.shards) == {0, 1}
    for shard in (0, 1):
        guild, channel, member, mod = _guild_on(simcord_env, shard, f"g{shard}")
        assert bot.get_guild(guild.id).shard_id == shard
        assert _text(await member.slash(channel, "timeline", period="2022-01")).startswith("Oś czasu: styczeń 2022")
        assert "Reply language: English." in _text(await mod.slash(channel, "lang", language="en"))
        assert _text(await member.slash(channel, "onthisday", day="01-06")).startswith("On this day: 6 January")
        assert "Daily digest on: 08:00" in _text(await mod.slash(channel, "digest on", time="08:00"))
    dm = await simcord_env.create_user("dm").slash("start")  # direct messages come through shard 0
    assert _text(dm).startswith("Cześć! Tu briefing-bot")
    assert len(bot.digests.state.subscriptions()) == 2


@pytest.mark.simcord(shard_count=2)
async def test_shards_auto_delivers_each_digest_to_its_guilds_channel(simcord_env) -> None:  # type: ignore[no-untyped-def]
    bot = simcord_env.bot
    channels = [_guild_on(simcord_env, shard, f"g{shard}")[1] for shard in (0, 1)]
    subscriptions = [Subscription(Target("discord", str(channel.id))) for channel in channels]
    bot.digests.state.put_subscriptions(subscriptions)
    outcomes = await bot.digests.deliver([(s, date(2027, 1, 6)) for s in subscriptions], bot.deliver)
    assert {o.target.chat: o.state for o in outcomes} == {str(c.id): "sent" for c in channels}
    for channel in channels:
        assert [m.embeds[0].title for m in channel.history()] == ["Tego dnia: 6 stycznia"]


@pytest.mark.parametrize("shards", [{"shard_count": 2, "shard_ids": [1]}])
@pytest.mark.simcord(strict_sync=False)  # the commands are synced by shard 0's process, not run here
async def test_a_process_of_shard_1_answers_its_guilds_and_posts_to_any(simcord_env) -> None:  # type: ignore[no-untyped-def]
    """Shard 1 of 2: it connects only shard 1, leaves the sync to shard 0's process, answers
    commands of its guilds, and posts a digest to a channel of shard 0's guild over REST."""
    bot = simcord_env.bot
    assert set(bot.shards) == {1}
    assert not [r for r in simcord_env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]
    _, own, member, _ = _guild_on(simcord_env, 1, "own")
    _, other, _, _ = _guild_on(simcord_env, 0, "other")
    assert bot.get_channel(own.id) is not None and bot.get_channel(other.id) is None  # not this process's shard
    assert _text(await member.slash(own, "timeline", period="2022-01")).startswith("Oś czasu: styczeń 2022")
    subscriptions = [Subscription(Target("discord", str(c.id))) for c in (own, other)]
    bot.digests.state.put_subscriptions(subscriptions)
    outcomes = await bot.digests.deliver([(s, date(2027, 1, 6)) for s in subscriptions], bot.deliver)
    assert {o.target.chat: o.state for o in outcomes} == {str(own.id): "sent", str(other.id): "sent"}
    assert other.last_message.embeds[0].title == "Tego dnia: 6 stycznia"


@pytest.mark.parametrize("shards", [{"shard_count": 2, "shard_ids": [0]}])
async def test_the_process_of_shard_0_syncs_the_commands(simcord_env) -> None:  # type: ignore[no-untyped-def]
    _, channel, member, _ = _guild_on(simcord_env, 0, "own")
    assert [r for r in simcord_env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert _text(await member.slash(channel, "start")).startswith("Cześć! Tu briefing-bot")
