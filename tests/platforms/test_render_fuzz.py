"""Command fuzzing through each renderer, and through the adapters that call them.

Hostile requests (``tests/hostile_input.py``) are answered by the core and every page of every
reply is rendered as the adapters render it: Telegram HTML (``render_html``), a Discord embed
(``render_embed`` with the reply language's "Sources" label) and plain text (the console's
``ConsoleSession`` and the CLI's ``render_reply``). Then arbitrary cards, of any size, straight
through the renderers; then a few requests end to end, through the real python-telegram-bot
Application against the fake Bot API and through the real discord.py bot in SimCord.

Every Telegram message must be HTML that Telegram accepts (its tags only, nested and closed, its
entities, links only to the card's sources) with at most 4,096 visible characters; every embed
must keep Discord's limits, render no mention and no link but the sources', and be sent with
allowed mentions off; plain text must simply not fail.

Cases: 300 random requests through the three renderers (and the console), every command with
every adversarial argument (1,911 requests), 300 arbitrary cards, 250 texts through the
Discord escaping, 100 slash commands in SimCord and 60 messages to the Telegram adapter.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.briefings.cards import Card, CardField, Line, SourceRef
from bot.briefings.service import Briefing
from bot.config import load_settings
from bot.digests.delivery import Digests
from bot.digests.state import StateStore
from bot.i18n.messages import LANGUAGES, Language, in_every_language
from bot.knowledge.indexes import Knowledge
from bot.platforms.console.adapter import ConsoleSession
from bot.platforms.console.render import render_card, render_reply
from bot.platforms.discord.adapter import NO_MENTIONS, create_bot
from bot.platforms.discord.render import esc, render_embed
from bot.platforms.quota import SenderQuota
from bot.platforms.telegram.adapter import TelegramAdapter
from bot.platforms.telegram.render import render_html
from tests.conftest import BUNDLED_CONTENT, NOW, fixed_clock
from tests.hostile_input import (
    ADVERSARIAL,
    ARGUMENT_ALPHABET,
    adversarial,
    arguments,
    command_names,
    discord_problems,
    markdown_links,
    mentions,
    mentions_are_off,
    requests,
    shown,
    telegram_problem,
    telegram_visible,
    unescaped,
)
from tests.platforms.telegram.fake_telegram import FakeBotApi

SOURCES_LABEL = in_every_language("sources.title")  # as the Discord adapter labels the source fields


def source_urls(card: Card) -> set[str]:
    return {source.url for source in card.sources if source.url}


def check_renderings(card: Card, language: Language) -> None:
    """One card through each renderer, as the adapters call them."""
    markup = render_html(card)
    assert telegram_problem(markup, source_urls(card)) is None, (telegram_problem(markup, source_urls(card)), markup)
    if len(card.title) <= 200:
        assert telegram_visible(markup).startswith(card.title)  # shown as typed: nothing was read as markup
    embed = render_embed(card, SOURCES_LABEL[language])
    assert discord_problems(embed, source_urls(card)) == [], card
    assert embed.title
    text = render_card(card)
    assert text.startswith(card.title)


# --- core replies through every renderer ---------------------------------------------------------


class Chat:
    """The bundled briefing and a console session on it (a short repr for Hypothesis' reports)."""

    def __init__(self, briefing: Briefing) -> None:
        self.briefing, self.console = briefing, ConsoleSession(briefing)

    def __repr__(self) -> str:
        return "Chat(bundled)"


@pytest.fixture(scope="module")
def chat(bundled: Briefing) -> Chat:
    return Chat(bundled)


@settings(max_examples=300)
@given(data=st.data(), language=st.sampled_from(LANGUAGES))
def test_every_page_of_any_reply_renders_on_every_platform(chat: Chat, data: st.DataObject, language: Language) -> None:
    text = data.draw(requests(chat.briefing.knowledge), label="request")
    reply = chat.briefing.ask(text, language)
    for card in reply.cards:
        check_renderings(card, language)
    assert render_reply(reply)  # the CLI's `ask`: every page
    chat.console.language = language
    assert chat.console.answer(text)
    assert chat.console.answer("/next") and chat.console.answer("/prev")


def test_every_adversarial_argument_renders_on_every_platform(bundled: Briefing) -> None:
    for name in command_names(bundled.knowledge):
        for argument in adversarial():
            for card in bundled.ask(f"/{name} {argument}", "en").cards:
                check_renderings(card, "en")


# --- any card through the renderers --------------------------------------------------------------

URLS = (
    "https://example.org/a",
    'https://example.org/a?x=1&y="2"&z=<b>',
    "https://example.org/(a) b",
    "https://example.org/" + "x" * 300,
)
text = st.text(ARGUMENT_ALPHABET, max_size=60) | st.sampled_from(ADVERSARIAL)
long_text = text | st.builds(lambda piece, times: piece * times, text, st.integers(1, 400))
title = long_text.filter(str.strip)


@st.composite
def cards(draw: st.DrawFn) -> Card:
    """A card of any shape and size, its lines citing its own sources, as the core builds them."""
    sources = tuple(
        SourceRef(number, draw(text), draw(title), draw(long_text), draw(text), draw(st.none() | st.sampled_from(URLS)))
        for number in range(1, draw(st.integers(0, 30)) + 1)
    )
    numbers = st.lists(st.integers(1, len(sources)), max_size=3, unique=True).map(tuple) if sources else st.just(())
    fact_ids = st.none() | st.from_regex(r"[0-9a-f]{10}", fullmatch=True)  # as facts.fact_id makes them
    lines = st.builds(Line, long_text.filter(str.strip), st.none() | text, numbers, fact_ids)
    fields = st.builds(CardField, title, title)
    return Card(
        title=draw(title),
        body=draw(st.none() | long_text),
        lines=tuple(draw(st.lists(lines, max_size=60))),
        fields=tuple(draw(st.lists(fields, max_size=40))),
        sources=sources,
        footer=draw(st.none() | long_text),
    )


@settings(max_examples=300)
@given(card=cards(), language=st.sampled_from(LANGUAGES))
def test_any_card_renders_within_each_platforms_limits(card: Card, language: Language) -> None:
    check_renderings(card, language)


def test_a_card_of_many_long_sources_fits_a_telegram_message() -> None:
    """Only lines and the body gave way: 30 sources with long outlets went out over 4,096."""
    sources = tuple(SourceRef(n, f"a{n}", "Tytuł", "Wydawca " * 30, "9 stycznia 2022", URLS[0]) for n in range(1, 31))
    markup = render_html(Card(title="Temat", body="Streszczenie.", sources=sources, footer="Strona 1/2"))
    assert telegram_problem(markup, {URLS[0]}) is None
    assert telegram_visible(markup).endswith("Strona 1/2 …")


def test_lines_dropped_to_fit_are_marked_once() -> None:
    lines = tuple(Line("słowo " * 60, f"{n} stycznia", (), f"{n:010x}") for n in range(40))
    markup = render_html(Card(title="Długa", lines=lines, footer="Strona 1/2"))
    assert telegram_visible(markup).endswith("Strona 1/2 …") and telegram_visible(markup).count("…") == 1


# --- Discord's escaping --------------------------------------------------------------------------


def plain(markdown: str) -> str:
    """What Discord shows for escaped text: escapes dropped, the zero-width space after @ too."""
    return re.sub("@\u200b(?=everyone|here)", "@", shown(markdown))


@settings(max_examples=250)
@given(
    st.lists(st.one_of(st.sampled_from(ADVERSARIAL[:80]), st.text(ARGUMENT_ALPHABET, max_size=20)), max_size=8).map(
        "".join
    )
)
def test_escaped_text_shows_as_typed_and_formats_nothing(typed: str) -> None:
    assume("@\u200b" not in typed)  # what esc makes of "@everyone": it cannot tell them apart
    escaped = esc(typed)
    assert plain(escaped) == typed
    assert mentions(escaped) == [] and markdown_links(escaped) == []
    active = {char for _, char in unescaped(escaped)}
    assert not active & set("*_~|`[<>\\"), active & set("*_~|`[<>\\")
    for line in escaped.split("\n"):  # headings, subtext, quotes and lists start a line
        assert not re.match(r"\s*(?:[#>+-]|\d+\.)", line), line


def test_several_markdown_links_are_all_escaped() -> None:
    """discord.py's escape_markdown escapes the first of "[a](x) [b](y)" only: [b](y) was a live
    link in the reply to "/card [a](https://a.example) [gazeta.pl](https://evil.example)"."""
    typed = "a [x](https://a.example) b [gazeta.pl](https://evil.example)"
    assert markdown_links(esc(typed)) == []
    assert plain(esc(typed)) == typed


def test_mentions_of_any_length_are_escaped() -> None:
    """discord.py's escape_mentions escapes ids of 17 to 20 digits only."""
    for typed in ("<@&123>", "<@123>", "<@!1>", "<@&123456789012345678>", "@everyone", "@here"):
        assert mentions(esc(typed)) == [], typed


# --- end to end: the Discord adapter in SimCord --------------------------------------------------


@pytest.fixture
def simcord_bot(tmp_path: Path, bundled_data: Path) -> discord.Client:
    data = tmp_path / "data"
    shutil.copytree(bundled_data, data)
    settings = load_settings(content=BUNDLED_CONTENT, data=data)
    return create_bot(
        settings, Briefing.load(BUNDLED_CONTENT, data, settings.zone, settings.language, fixed_clock(NOW))
    )


#: Slash commands and their free-text option, within the lengths the adapter declares.
SLASH_OPTIONS = [
    ("help", "command", 100),
    ("timeline", "period", 100),
    ("sources", "fact", 100),
    ("card", "article", 100),
    ("onthisday", "day", 10),
    ("search", "words", 200),
    ("figures", "topic", 100),
]


def option_values(limit: int) -> st.SearchStrategy[str]:
    return arguments().map(lambda value: value.strip()[:limit]).filter(bool)


@settings(max_examples=100)
@given(data=st.data())
async def test_slash_commands_with_hostile_options_reply_with_embeds_that_ping_no_one(
    simcord_env, data: st.DataObject
) -> None:  # type: ignore[no-untyped-def]
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    member = guild.add_member(simcord_env.create_user("mallory"))
    command, option, limit = data.draw(st.sampled_from(SLASH_OPTIONS), label="command")
    value = data.draw(option_values(limit), label=option)
    requests_before = len(simcord_env.http_requests)
    result = await member.slash(channel, command, **{option: value})
    embed = result.response.embeds[0]
    assert discord_problems(embed, {a.url for a in simcord_env.bot.briefing.knowledge.articles.values() if a.url}) == []
    assert not channel.last_message.mention_everyone and channel.last_message.role_mentions == []
    callbacks = [r.json for r in simcord_env.http_requests[requests_before:] if r.path.endswith("/callback")]
    assert callbacks and all(mentions_are_off(c["data"].get("allowed_mentions")) for c in callbacks)
    assert simcord_env.errors == []


def test_the_discord_adapter_turns_mentions_off_for_the_whole_bot() -> None:
    assert mentions_are_off(NO_MENTIONS)


# --- end to end: the Telegram adapter against the fake Bot API -----------------------------------

TOKEN = "123456789:AAFakeTokenForTheLoopbackServer_0123"
ALA = {"id": 501, "is_bot": False, "first_name": "Ala"}
PRIVATE = {"id": 501, "type": "private", "first_name": "Ala"}


class Running:
    """The fake Bot API and what the adapter answers from (a short repr for Hypothesis' reports)."""

    def __init__(self, api: FakeBotApi, briefing: Briefing) -> None:
        self.api, self.briefing = api, briefing

    def __repr__(self) -> str:
        return "Running(api, bundled)"


@pytest.fixture
async def telegram(bundled: Briefing, tmp_path: Path) -> AsyncIterator[Running]:
    async with FakeBotApi(TOKEN) as api:
        state = StateStore(tmp_path / "state")
        # One member sends every example: a quota larger than all of them.
        adapter = TelegramAdapter(
            bundled,
            state,
            TOKEN,
            api.base_url,
            max_retries=1,
            digests=Digests(bundled, state, "Europe/Warsaw"),
            quota=SenderQuota(10_000),
        )
        await adapter.start(poll_timeout=1)
        try:
            yield Running(api, bundled)
        finally:
            await adapter.stop()


def messages(knowledge: Knowledge) -> st.SearchStrategy[str]:
    """Private messages, as Telegram carries them (at most 4,096 characters, not blank), that the
    adapter answers: all but commands addressed to another bot."""
    return (
        requests(knowledge)
        .map(lambda text: text.strip()[:4096])
        .filter(lambda text: bool(text) and not re.match(r"/[A-Za-z0-9_]+@(?!BriefingBot\b)\w", text, re.IGNORECASE))
    )


@settings(max_examples=60)
@given(data=st.data())
async def test_messages_with_hostile_text_get_html_replies_that_telegram_accepts(
    telegram: Running, data: st.DataObject
) -> None:
    api, knowledge = telegram.api, telegram.briefing.knowledge
    text = data.draw(messages(knowledge), label="message")
    message = api.user_message(text, PRIVATE, ALA)

    def replies() -> list[dict]:
        return [
            m
            for m in api.sent()
            if m["chat_id"] == ALA["id"]
            and (m.get("reply_parameters") or {}).get("message_id") == message["message_id"]
        ]

    await api.wait_until(lambda: bool(replies()))
    [reply] = replies()
    urls = {a.url for a in knowledge.articles.values() if a.url}
    assert reply["parse_mode"] == "HTML"
    assert telegram_problem(reply["text"], urls) is None, (telegram_problem(reply["text"], urls), reply["text"])
    # The error handler's message is the only one without a reply to the message: none here.
    assert all(m.get("reply_parameters") for m in api.sent() if m["chat_id"] == ALA["id"])
