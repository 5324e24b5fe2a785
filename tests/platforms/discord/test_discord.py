"""The real discord.py bot from ``create_bot``, driven through SimCord (no network, no token).

SimCord enforces command sync, permissions, interaction rules and embed limits, and fails a
test on any error the bot swallowed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import discord
import pytest

from bot.briefings.commands import all_commands
from bot.briefings.service import Briefing
from bot.config import load_settings
from bot.platforms.discord.adapter import PAGE_TIMEOUT, create_bot
from bot.platforms.discord.render import EMBED_TOTAL_MAX
from bot.platforms.quota import SenderQuota
from tests.conftest import BUNDLED_CONTENT, NOW, fixed_clock


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """The content the bot serves; a test may swap in its own before the bot is built."""
    return BUNDLED_CONTENT


@pytest.fixture
def simcord_bot(tmp_path: Path, bundled_data: Path, content: Path) -> discord.Client:
    data = tmp_path / "data"
    if content == BUNDLED_CONTENT:
        shutil.copytree(bundled_data, data)  # a store that matches: no extraction needed
    settings = load_settings(content=content, data=data)
    briefing = Briefing.load(content, data, settings.zone, settings.language, fixed_clock(NOW))
    return create_bot(settings, briefing)


def world(env):  # type: ignore[no-untyped-def]
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(env.create_user("alice"))
    return guild, channel, alice


def title(result) -> str:  # type: ignore[no-untyped-def]
    return result.response.embeds[0].title


def description(result) -> str:  # type: ignore[no-untyped-def]
    return result.response.embeds[0].description or ""


GUILD_COMMANDS = [
    ("start", {}, "Cześć! Tu briefing-bot"),
    ("help", {}, "Komendy"),
    ("help", {"command": "timeline"}, "/timeline"),
    ("timeline", {}, "Oś czasu"),
    ("timeline", {"period": "2022-01"}, "Oś czasu: styczeń 2022"),
    ("timeline", {"period": "csto"}, "Oś czasu: ODKB (CSTO) w Kazachstanie"),
    ("sources", {}, "Źródła"),
    ("sources", {"fact": "odkb-w-kazachstanie"}, "Wojska ODKB strzegą strategicznych obiektów w Kazachstanie"),
    ("card", {"article": "zamieszki-w-kazachstanie"}, "Kazachstan: przywrócono spokój po zamieszkach"),
    ("onthisday", {}, "Tego dnia: 22 listopada"),
    ("onthisday", {"day": "01-06"}, "Tego dnia: 6 stycznia"),
    ("search", {"words": "Kazachstanu"}, "Szukam: Kazachstanu"),
    ("figures", {}, "Liczby w źródłach"),
    ("figures", {"topic": "protesty"}, "Liczby w źródłach: Protesty w Kazachstanie (styczeń 2022)"),
    ("csto", {}, "ODKB (CSTO) w Kazachstanie"),
    ("protesty", {}, "Protesty w Kazachstanie (styczeń 2022)"),
    ("wojna", {}, "Kazachstan wobec wojny w Ukrainie"),
]


@pytest.mark.parametrize(
    ("name", "options", "expected"), GUILD_COMMANDS, ids=[f"{n}-{'-'.join(o) or 'none'}" for n, o, _ in GUILD_COMMANDS]
)
async def test_every_command_in_a_guild_channel(simcord_env, name: str, options: dict, expected: str) -> None:  # type: ignore[no-untyped-def]
    _, channel, alice = world(simcord_env)
    result = await alice.slash(channel, name, **options)
    assert not result.ephemeral
    assert title(result).startswith(expected) or description(result).startswith(expected)
    assert len(result.response.embeds[0]) <= EMBED_TOTAL_MAX


async def test_every_command_in_a_direct_message(simcord_env) -> None:  # type: ignore[no-untyped-def]
    simcord_env.bot.quota = SenderQuota(100)  # more commands than one member may give a minute
    bob = simcord_env.create_user("bob")
    for name, options, expected in GUILD_COMMANDS:
        result = await bob.slash(name, **options)
        assert title(result).startswith(expected) or description(result).startswith(expected), name
    lang = await bob.slash("lang", language="en")  # in a DM a user is their own admin
    assert description(lang) == "Reply language: English."
    assert title(await bob.slash("onthisday", day="01-06")) == "On this day: 6 January"


async def test_lang_ru_answers_in_russian(simcord_env) -> None:  # type: ignore[no-untyped-def]
    """/lang ru in a channel: the replies, dates, page labels and buttons in Russian; the
    content stays Polish."""
    guild, channel, alice = world(simcord_env)
    managers = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[managers])
    assert description(await mod.slash(channel, "lang", language="ru")) == "Язык ответов: русский."
    result = await alice.slash(channel, "timeline", period="2022-01")
    embed = result.response.embeds[0]
    assert embed.title == "Хронология: январь 2022"
    assert "2 января 2022" in (embed.description or "") and "stycznia" not in (embed.description or "")
    assert "Страница 1/2" in (embed.footer.text or "") and [f.name for f in embed.fields] == ["Источники"]
    await alice.click(result.response, label="Далее ›")
    assert "Страница 2/2" in (channel.last_message.embeds[0].footer.text or "")
    assert title(await alice.slash(channel, "onthisday", day="01-06")) == "В этот день: 6 января"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_member_over_the_quota_is_told_so_and_only_they_see_it(simcord_env) -> None:  # type: ignore[no-untyped-def]
    """Past their quota in a channel (here 3 a minute) a member's commands get the quota notice,
    ephemeral, and no answer; other members, and the member in a DM, are answered meanwhile."""
    guild, channel, alice = world(simcord_env)
    bob = guild.add_member(simcord_env.create_user("bob"))
    clock = Clock()
    simcord_env.bot.quota = SenderQuota(3, 60, clock)
    for _ in range(3):
        assert title(await alice.slash(channel, "start")).startswith("Cześć")
    for name, options in [("start", {}), ("timeline", {"period": "2022-01"}), ("search", {"words": "Kazachstanu"})]:
        refused = await alice.slash(channel, name, **options)
        assert refused.ephemeral and refused.response.content == "Za dużo pytań naraz: odpowiem znowu za chwilę."
    seen_by_bob = channel.history(viewer=bob)
    assert len(seen_by_bob) == 3 and all(message.embeds for message in seen_by_bob)  # the refusals were Alice's alone
    assert title(await bob.slash(channel, "start")).startswith("Cześć")
    assert title(await alice.user.slash("start")).startswith("Cześć")  # a DM is a chat of its own
    clock.now += 20  # a third of a minute: room for one more
    assert title(await alice.slash(channel, "onthisday", day="01-06")) == "Tego dnia: 6 stycznia"
    assert (await alice.slash(channel, "start")).ephemeral


async def test_a_timeline_embed_cites_its_sources(simcord_env) -> None:  # type: ignore[no-untyped-def]
    _, channel, alice = world(simcord_env)
    embed = (await alice.slash(channel, "timeline", period="2022-01")).response.embeds[0]
    assert "**2–9 stycznia 2022** — W Kazachstanie trwają protesty" in (embed.description or "")
    sources = next(field for field in embed.fields if field.name == "Źródła")
    assert "[1] " in (sources.value or "") and "Gazeta.pl" in (sources.value or "")
    assert "Gazeta.pl" in (embed.footer.text or "")
    card = (await alice.slash(channel, "card", article="zamieszki-w-kazachstanie")).response.embeds[0]
    assert "[Wolne Media](https://wolnemedia.net/kazachstan/)" in " ".join(f.value or "" for f in card.fields)


async def test_autocomplete_offers_articles_topics_months_and_commands(simcord_env) -> None:  # type: ignore[no-untyped-def]
    _, channel, alice = world(simcord_env)
    articles = await alice.autocomplete(channel, "card", "article", "zamieszki")
    assert [c["value"] for c in articles] == ["zamieszki-w-kazachstanie"]
    by_title = await alice.autocomplete(channel, "card", "article", "NATO")
    assert [c["value"] for c in by_title] == ["kazachstan-blizej-nato"]
    periods = [c["value"] for c in await alice.autocomplete(channel, "timeline", "period", "")]
    assert {"csto", "protesty", "wojna", "2022", "2022-01"} <= set(periods)
    assert [c["value"] for c in await alice.autocomplete(channel, "timeline", "period", "odkb")] == ["csto"]
    commands = [c["value"] for c in await alice.autocomplete(channel, "help", "command", "time")]
    assert commands == ["timeline"]


async def test_paging_buttons_belong_to_the_invoking_user_and_time_out(simcord_env) -> None:  # type: ignore[no-untyped-def]
    guild, channel, alice = world(simcord_env)
    bob = guild.add_member(simcord_env.create_user("bob"))
    first = await alice.slash(channel, "timeline")
    pages = int((first.response.embeds[0].footer.text or "").split("Strona 1/")[1].split()[0])
    assert pages > 1
    refused = await bob.click(first.response, label="Następna ›")
    assert refused.ephemeral and "należą do osoby" in refused.response.content
    assert "Strona 1/" in (channel.last_message.embeds[0].footer.text or "")
    await alice.click(first.response, label="Następna ›")
    assert "Strona 2/" in (channel.last_message.embeds[0].footer.text or "")
    await alice.click(first.response, label="‹ Poprzednia")
    assert "Strona 1/" in (channel.last_message.embeds[0].footer.text or "")
    await simcord_env.advance_time(PAGE_TIMEOUT + 1)
    buttons = channel.last_message.components[0].children
    assert all(button.disabled for button in buttons)


async def test_settings_commands_are_for_server_managers(simcord_env) -> None:  # type: ignore[no-untyped-def]
    guild, channel, alice = world(simcord_env)
    assert "lang" not in alice.available_commands(channel)
    managers = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[managers])
    assert "lang" in mod.available_commands(channel)
    assert description(await mod.slash(channel, "lang", language="en")) == "Reply language: English."
    assert title(await alice.slash(channel, "onthisday", day="01-06")) == "On this day: 6 January"
    # A server may let everyone see the command; the bot still checks at run time.
    lang = next(c for c in await simcord_env.bot.tree.fetch_commands() if c.name == "lang")
    guild.set_command_permissions(lang, {alice: True})
    refused = await alice.slash(channel, "lang", language="pl")
    assert refused.ephemeral and "Manage Server" in refused.response.content
    assert [type(error) for error in simcord_env.errors] == [discord.app_commands.CheckFailure]
    assert title(await alice.slash(channel, "onthisday", day="01-06")) == "On this day: 6 January"


async def test_bad_options_get_a_reply_that_says_what_is_accepted(simcord_env) -> None:  # type: ignore[no-untyped-def]
    _, channel, alice = world(simcord_env)
    assert "MM-DD" in description(await alice.slash(channel, "onthisday", day="02-30"))
    assert "2022-01" in description(await alice.slash(channel, "timeline", period="styczeń"))
    assert "Nie znam artykułu" in description(await alice.slash(channel, "card", article="../../etc/passwd"))
    assert "Nie znam dnia, faktu" in description(await alice.slash(channel, "sources", fact="ffffffffff"))
    assert "Nic nie znalazłem" in description(await alice.slash(channel, "search", words="xyzzy"))


async def test_no_one_gets_pinged(simcord_env) -> None:  # type: ignore[no-untyped-def]
    _, channel, alice = world(simcord_env)
    result = await alice.slash(channel, "search", words="@everyone <@&123> **x**")
    assert "@\u200beveryone" in title(result) and "@\u200beveryone" in description(result)
    assert not channel.last_message.mention_everyone
    assert channel.last_message.role_mentions == []


def _write_huge_content(folder: Path) -> None:
    (folder / "articles").mkdir(parents=True)
    (folder / "topics").mkdir()
    (folder / "topics" / "duzy.toml").write_text(
        'title = "'
        + "Temat " * 60
        + '"\naliases = ["Kazachstan"]\nsummary = """'
        + "Bardzo długie zdanie. " * 200
        + '"""\n',
        encoding="utf-8",
    )
    sentence = "Dnia 6 stycznia 2022 r. w Kazachstanie " + "zdarzyło się bardzo wiele rzeczy " * 30 + "."
    for n in range(3):
        (folder / "articles" / f"a{n}.md").write_text(
            f'+++\ntitle = "{"Tytuł " * 80}{n}"\noutlet = "{"Outlet " * 40}"\npublished = 2022-01-09\n'
            f'url = "https://example.org/{"x" * 300}"\n+++\n' + (sentence + "\n") * 40,
            encoding="utf-8",
        )


class TestLargestContent:
    """Titles, outlets, summaries and sentences far beyond any limit."""

    @pytest.fixture
    def content(self, tmp_path: Path) -> Path:
        folder = tmp_path / "huge"
        _write_huge_content(folder)
        return folder

    async def test_embeds_stay_within_discord_limits(self, simcord_env) -> None:  # type: ignore[no-untyped-def]
        _, channel, alice = world(simcord_env)
        for name, options in [
            ("timeline", {}),
            ("card", {"article": "a0"}),
            ("duzy", {}),
            ("sources", {}),
            ("onthisday", {"day": "01-06"}),
            ("search", {"words": "Kazachstanie"}),
        ]:
            embed = (await alice.slash(channel, name, **options)).response.embeds[0]
            assert len(embed) <= EMBED_TOTAL_MAX and len(embed.title or "") <= 256, name
            assert len(embed.description or "") <= 4096 and len(embed.fields) <= 25
            assert all(len(f.value or "") <= 1024 and len(f.name or "") <= 256 for f in embed.fields)


@pytest.mark.simcord(approved_intents=discord.Intents.default())  # no privileged intent approved
async def test_commands_are_synced_with_polish_and_russian_localisations(simcord_env) -> None:  # type: ignore[no-untyped-def]
    synced = next(r for r in simcord_env.http_requests if r.method == "PUT" and r.path.endswith("/commands"))
    commands = {command["name"]: command for command in synced.json}
    assert {
        "start",
        "help",
        "timeline",
        "sources",
        "card",
        "onthisday",
        "search",
        "lang",
        "digest",
        "figures",
        "csto",
        "protesty",
        "wojna",
    } == set(commands)
    digest = commands["digest"]
    assert int(digest["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    assert {o["name"] for o in digest["options"]} == {"on", "off", "status", "preview", "empty", "topics"}
    assert digest["description_localizations"]["pl"].startswith("codzienny przegląd")
    assert digest["description_localizations"]["ru"].startswith("ежедневная подборка")
    timeline = commands["timeline"]
    assert timeline["description"] == "events in date order"
    assert timeline["description_localizations"] == {"pl": "wydarzenia w kolejności dat", "ru": "события в порядке дат"}
    period = timeline["options"][0]
    assert period["name"] == "period" and period["autocomplete"] and not period.get("required", False)
    assert period["description_localizations"]["pl"].startswith("YYYY, YYYY-MM")
    assert period["description_localizations"]["ru"] == "YYYY, YYYY-MM, YYYY-MM-DD..YYYY-MM-DD или тема"
    assert commands["card"]["options"][0]["required"]
    assert int(commands["lang"]["default_member_permissions"]) == discord.Permissions(manage_guild=True).value


async def test_slash_commands_match_the_command_table(simcord_env) -> None:  # type: ignore[no-untyped-def]
    """The slash commands are written out for discord.py; they have the table's commands, each
    with the table's parameters as options: names, required flags, autocompletion, choices."""
    synced = next(r for r in simcord_env.http_requests if r.method == "PUT" and r.path.endswith("/commands"))
    commands = {command["name"]: command for command in synced.json}
    specs = all_commands(simcord_env.bot.briefing.knowledge)
    assert set(commands) == {spec.name for spec in specs}
    for spec in specs:
        options = commands[spec.name].get("options", [])
        if options and options[0]["type"] == discord.AppCommandOptionType.subcommand.value:  # /digest's settings
            (parameter,) = spec.parameters
            assert [o["name"] for o in options] == list(parameter.kind.choices), spec.name
            continue
        assert [o["name"] for o in options] == [p.name for p in spec.parameters], spec.name
        for option, parameter in zip(options, spec.parameters):
            assert option.get("required", False) == parameter.required, (spec.name, option["name"])
            assert option.get("autocomplete", False) == (parameter.kind.completion is not None), spec.name
            assert [c["value"] for c in option.get("choices", [])] == list(parameter.kind.choices), spec.name


# --- digests -------------------------------------------------------------------------------------


async def test_digest_commands_are_for_server_managers(simcord_env) -> None:  # type: ignore[no-untyped-def]
    from bot.digests.compose import Target

    guild, channel, alice = world(simcord_env)
    assert "digest on" not in alice.available_commands(channel)
    managers = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[managers])
    on = await mod.slash(channel, "digest on", time="08:30", timezone="Asia/Almaty")
    assert on.ephemeral and description(on).startswith("Włączono codzienny przegląd: 08:30 (Asia/Almaty).")
    status = await mod.slash(channel, "digest status")
    fields = {f.name: f.value for f in status.response.embeds[0].fields}
    assert fields["Godzina"] == "08:30 (Asia/Almaty)"
    assert [c["value"] for c in await mod.autocomplete(channel, "digest on", "timezone", "almaty")] == ["Asia/Almaty"]
    bot = simcord_env.bot
    assert [s.target for s in bot.digests.state.subscriptions()] == [Target("discord", str(channel.id))]
    # Everyone may see it if the server says so; the bot still refuses non-managers.
    digest = next(c for c in await bot.tree.fetch_commands() if c.name == "digest")
    guild.set_command_permissions(digest, {alice: True})
    refused = await alice.slash(channel, "digest off")
    assert refused.ephemeral and "tylko administratorzy" in description(refused)
    assert len(bot.digests.state.subscriptions()) == 1
    dm = await simcord_env.create_user("bob").slash("digest on")
    assert description(dm).startswith("Włączono codzienny przegląd: 09:00 (Europe/Warsaw).")


async def test_digest_delivery_to_a_channel_and_to_one_closed_to_the_bot(simcord_env) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from bot.digests.compose import Subscription, Target

    guild, channel, alice = world(simcord_env)
    bot = simcord_env.bot
    closed = guild.create_text_channel(
        "closed", overwrites={bot.user: discord.PermissionOverwrite(send_messages=False)}
    )
    subscriptions = [Subscription(Target("discord", str(c.id))) for c in (channel, closed)]
    bot.digests.state.put_subscriptions(subscriptions)
    outcomes = await bot.digests.deliver([(s, date(2027, 1, 6)) for s in subscriptions], bot.deliver)
    assert {o.target.chat: o.state for o in outcomes} == {str(channel.id): "sent", str(closed.id): "failed"}
    assert channel.last_message.embeds[0].title == "Tego dnia: 6 stycznia"
    assert "Forbidden" in next(o.detail for o in outcomes if o.state == "failed")
