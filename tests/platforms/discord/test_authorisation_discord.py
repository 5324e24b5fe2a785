"""Who may change a channel's digest on Discord (through SimCord, which resolves permissions,
command visibility and overrides as Discord does).

Members with Manage Server, checked on every command (Discord sends the member's permissions with
each interaction, so a removed permission is gone at the next command), and anyone in their DM
with the bot, for that DM only. Everyone else is refused even where a server lets them see the
command, and no button, forged or replayed, reaches a digest.
"""

from __future__ import annotations

from typing import Any

import discord
from simcord.actors import _component_interaction  # to send what no honest client would: a forged custom_id

from bot.digests.compose import Subscription, Target
from tests.platforms.discord.test_discord import content, description, simcord_bot, title, world  # noqa: F401 (fixtures)

REFUSED = "tylko administratorzy"
#: Every /digest subcommand, with options.
SUBCOMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("digest on", {}),
    ("digest on", {"time": "06:00", "timezone": "Asia/Almaty"}),
    ("digest off", {}),
    ("digest status", {}),
    ("digest preview", {"day": "01-06"}),
    ("digest empty", {"policy": "nearest"}),
    ("digest topics", {"topics": "csto"}),
]


def subscriptions(bot: Any) -> list[Subscription]:
    return sorted(bot.digests.state.subscriptions(), key=lambda s: s.target.key)


async def allow_everyone(env: Any, guild: Any, *targets: Any) -> None:
    """The server lets these members (or roles) see and run /digest: the bot must still refuse."""
    digest = next(c for c in await env.bot.tree.fetch_commands() if c.name == "digest")
    guild.set_command_permissions(digest, {target: True for target in targets})


async def test_members_without_manage_server_change_nothing(simcord_env) -> None:  # type: ignore[no-untyped-def]
    guild, channel, alice = world(simcord_env)
    bot = simcord_env.bot
    other = guild.create_text_channel("other")
    # Permissions that are not Manage Server do not count, however many.
    moderators = guild.create_role(
        "Moderators",
        permissions=discord.Permissions(
            manage_channels=True,
            manage_messages=True,
            kick_members=True,
            ban_members=True,
            manage_roles=True,
            manage_webhooks=True,
            mention_everyone=True,
            moderate_members=True,
        ),
    )
    moderator = guild.add_member(simcord_env.create_user("moderator"), roles=[moderators])
    bot.digests.state.put_subscriptions([Subscription(Target("discord", str(c.id)), "07:30") for c in (channel, other)])
    before = subscriptions(bot)
    assert "digest on" not in alice.available_commands(channel)  # hidden from them by default ...
    await allow_everyone(simcord_env, guild, alice, moderator)  # ... unless the server says otherwise
    for member in (alice, moderator):
        assert "digest on" in member.available_commands(channel)
        for where in (channel, other):
            for name, options in SUBCOMMANDS:
                result = await member.slash(where, name, **options)
                assert result.ephemeral and REFUSED in description(result), (member.name, name)
    assert subscriptions(bot) == before


async def test_a_member_whose_permission_is_removed_is_refused_at_the_next_command(simcord_env) -> None:  # type: ignore[no-untyped-def]
    guild, channel, _ = world(simcord_env)
    bot, backend = simcord_env.bot, simcord_env.backend
    managers = guild.create_role("Managers", permissions=discord.Permissions(manage_guild=True))
    admins = guild.create_role("Admins", permissions=discord.Permissions(administrator=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[managers])
    boss = guild.add_member(simcord_env.create_user("boss"), roles=[admins])
    assert description(await mod.slash(channel, "digest on", time="08:00")).startswith("Włączono")
    assert description(await boss.slash(channel, "digest on", time="08:15")).startswith("Włączono")
    await allow_everyone(simcord_env, guild, mod, boss)  # so that they can still run it once demoted

    backend.remove_member_role(guild.id, mod.id, managers.id)  # the role is taken away
    assert REFUSED in description(await mod.slash(channel, "digest off"))
    backend.add_member_role(guild.id, mod.id, managers.id)
    assert description(await mod.slash(channel, "digest status")).startswith("") and REFUSED not in description(
        await mod.slash(channel, "digest status")
    )
    backend.edit_role(guild.id, managers.id, {"permissions": 0})  # the role loses the permission
    assert REFUSED in description(await mod.slash(channel, "digest off"))
    backend.edit_role(guild.id, admins.id, {"permissions": 0})  # and Administrator, which implies it
    assert REFUSED in description(await boss.slash(channel, "digest off"))
    assert [(s.target.chat, s.time) for s in subscriptions(bot)] == [(str(channel.id), "08:15")]


async def test_a_dm_manages_only_its_own_digest(simcord_env) -> None:  # type: ignore[no-untyped-def]
    guild, channel, _ = world(simcord_env)
    bot = simcord_env.bot
    bot.digests.state.put_subscriptions([Subscription(Target("discord", str(channel.id)), "07:30")])
    bob = simcord_env.create_user("bob")
    guild.add_member(bob)
    assert description(await bob.slash("digest on", time="06:00")).startswith("Włączono")
    assert description(await bob.slash("digest off")).startswith("Wyłączono")
    assert [(s.target.chat, s.time) for s in subscriptions(bot)] == [(str(channel.id), "07:30")]


async def test_forged_and_replayed_buttons_reach_no_digest(simcord_env) -> None:  # type: ignore[no-untyped-def]
    guild, channel, alice = world(simcord_env)
    bot = simcord_env.bot
    managers = guild.create_role("Managers", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[managers])
    assert description(await mod.slash(channel, "digest on", time="08:00")).startswith("Włączono")
    before = subscriptions(bot)
    paged = await mod.slash(channel, "timeline")  # the manager's paged reply
    message = channel.last_message
    real = [c.custom_id for row in message.components for c in row.children]
    forged = ["digest:off", "digest off", "/digest off", "off", "lang:en", real[0] + "x", "", "x" * 100]
    requests = len(simcord_env.http_requests)
    for member in (alice, mod):
        for custom_id in forged:
            await _component_interaction(
                member, bot_message(simcord_env, message), {"custom_id": custom_id, "component_type": 2}
            )
    # A forged id matches no button: discord.py dispatches it to nothing, so nothing answers it.
    assert not [r for r in simcord_env.http_requests[requests:] if r.method != "GET"]
    # The manager's own button, pressed by a member: refused by the buttons' owner check.
    refused = await alice.click(paged.response, label="Następna ›")
    assert refused.ephemeral and "należą do osoby" in refused.response.content
    assert subscriptions(bot) == before
    assert simcord_env.errors == []
    assert title(await alice.slash(channel, "onthisday", day="01-06")) == "Tego dnia: 6 stycznia"


def bot_message(env: Any, message: discord.Message) -> Any:
    return env.backend.get_message(message.channel.id, message.id)
