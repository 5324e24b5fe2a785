"""Command fuzzing through the core: whatever a user types, the dispatcher answers with cards.

Requests are every command the core knows (``all_commands``: the built-ins and one per topic),
unknown and upper-case names, ``@bot`` suffixes, odd separators and no command at all, with
the arguments of ``tests/hostile_input.py``: markup, pings, invisible characters, paths,
impossible dates, 100 kB. Every reply must be cards that hold together (each page built),
and nothing outside the content and data folders (and Python's own files) may be opened while
answering. ``/digest`` is fuzzed as the adapters call it, through ``Digests.handle``.

Cases: 400 random requests, 250 random /digest commands, and each of the 13 commands of the
bundled content with each of the 147 adversarial arguments in both languages (3,822 requests).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from bot.briefings.cards import CARD_BUDGET, Card, Reply
from bot.briefings.commands import BUILTIN, MAX_REQUEST, all_commands
from bot.briefings.service import Briefing
from bot.digests.compose import Target
from bot.digests.delivery import Digests
from bot.digests.state import StateStore
from bot.i18n.messages import LANGUAGES, Language, t
from bot.knowledge.indexes import Knowledge
from bot.language import lemmas
from tests.conftest import BUNDLED_CONTENT, fixed_clock
from tests.hostile_input import (
    adversarial,
    arguments,
    command_names,
    outside,
    python_installation,
    reads,
    requests,
    weighted,
)

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Core:
    """The bundled briefing and the folders it may read while answering (Hypothesis prints a
    test's fixtures with a falsifying example: this one as "Core()")."""

    briefing: Briefing = field(repr=False)
    allowed: list[Path] = field(repr=False)


@pytest.fixture(scope="module")
def core(bundled: Briefing, bundled_data: Path) -> Core:
    """What the bot loads on first use is loaded here, outside any recording: the lemmatiser's
    dictionary (in the user's cache folder) and modules imported lazily."""
    lemmas.lemma("dom")
    for spec in all_commands(bundled.knowledge):
        list(bundled.ask(f"/{spec.name}").cards)
    return Core(bundled, [BUNDLED_CONTENT, bundled_data, *python_installation()])


def check_reply(reply: Reply, knowledge: Knowledge, request: str) -> list[Card]:
    """A reply's every page, each checked to hold together; returned for the caller's checks."""
    assert isinstance(reply, Reply)
    cards = list(reply.cards)
    assert cards, request
    assert reply.language in (None, *LANGUAGES)
    if reply.language is not None:
        assert request.strip().lower().startswith("/lang")
    listed: set[int] = set()
    for number, card in enumerate(cards, start=1):
        assert isinstance(card, Card)
        assert card.title.strip(), request
        assert len(card.title) <= 200, (request, card.title[:80])  # a user never makes a title long
        assert len(card.body or "") <= 2 * CARD_BUDGET, (request, (card.body or "")[:80])
        if len(cards) > 1:
            assert (card.page, card.pages) == (number, len(cards))
        numbers = [source.number for source in card.sources]
        assert numbers == sorted(set(numbers)), request
        assert all(source.article_id in knowledge.articles for source in card.sources)
        # A source has its /sources number in every reply, and a reply lists it once.
        assert all(knowledge.article_numbers[s.article_id] == s.number for s in card.sources), request
        assert not set(numbers) & listed, request
        listed.update(numbers)
        for line in card.lines:
            assert set(line.sources) <= listed, request
            assert line.fact_id is None or line.fact_id in knowledge.by_id
    return cards


def ask(core: Core, text: str, language: Language) -> list[Card]:
    with reads() as opened:
        reply = core.briefing.ask(text, language)
        cards = check_reply(reply, core.briefing.knowledge, text)
    assert outside(opened, core.allowed) == [], text
    return cards


@settings(max_examples=400)
@given(data=st.data(), language=st.sampled_from(LANGUAGES))
def test_any_request_gets_cards_read_from_content_only(core: Core, data: st.DataObject, language: Language) -> None:
    text = data.draw(requests(core.briefing.knowledge), label="request")
    cards = ask(core, text, language)
    event("answered with facts" if any(card.lines or card.fields for card in cards) else "answered with a notice")
    if len(text.strip()) > MAX_REQUEST:
        assert [card.body for card in cards] == [t(language, "too_long", limit=MAX_REQUEST)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_command_answers_every_adversarial_argument(core: Core, language: Language) -> None:
    names = command_names(core.briefing.knowledge)
    assert {spec.name for spec in BUILTIN} <= set(names) and len(names) > len(BUILTIN)  # and the topics
    for name in names:
        for argument in adversarial():
            ask(core, f"/{name} {argument}", language)


def test_a_request_typed_too_long_is_refused_before_any_work(core: Core) -> None:
    for name in command_names(core.briefing.knowledge):
        cards = ask(core, f"/{name} " + "<b>@everyone</b> " * 6000, "en")  # 100 kB
        assert [card.body for card in cards] == [t("en", "too_long", limit=MAX_REQUEST)]


def test_path_like_ids_read_nothing_and_find_nothing(bundled: Briefing) -> None:
    for argument in (
        "../../etc/passwd",
        "/etc/passwd",
        "content/../x",
        "articles/../../README.md",
        "a\x00b",
        "../content/articles/odkb-w-kazachstanie.md",
        "/proc/self/environ",
    ):
        for name in ("card", "sources"):
            with reads() as opened:
                cards = check_reply(bundled.ask(f"/{name} {argument}"), bundled.knowledge, argument)
            assert opened == [], argument  # answered from memory: not one file opened
            assert len(cards) == 1 and not cards[0].lines, argument


def test_numbers_in_other_scripts_are_not_article_numbers_that_crash(bundled: Briefing) -> None:
    """ "²" and "①" are digits to str.isdigit, but int() refuses them: /card ² raised ValueError."""
    for argument in ("²", "①", "³", "⑩"):
        for name in ("card", "sources"):
            [card] = bundled.ask(f"/{name} {argument}").cards
            assert argument in (card.body or ""), argument
    # Decimal digits of any script are numbers: ٣ is the third article, as 3 is.
    assert bundled.ask("/card ٣").cards[0].title == bundled.ask("/card 3").cards[0].title


def test_impossible_dates_are_answered_with_what_to_type(bundled: Briefing) -> None:
    for text in (
        "/onthisday 02-30",
        "/onthisday 13-01",
        "/onthisday 00-00",
        "/timeline 2022-13",
        "/timeline 2022-02-30",
        "/timeline 0000",
        "/timeline 99999",
        "/timeline 2022-01-01..2021-01-01",
        "/timeline -1",
    ):
        [card] = bundled.ask(text, "en").cards
        assert "understand" in (card.body or ""), text
    [leap] = bundled.ask("/onthisday 02-29", "en").cards  # possible: in leap years
    assert "February 29" in leap.title or "29 February" in leap.title


# --- /digest, as the adapters call it -----------------------------------------------------------


def digest_arguments() -> st.SearchStrategy[str]:
    """What follows /digest: a subcommand with its words (times, zones, policies, topics, days;
    good, bad and path-like), or anything else."""
    action = st.sampled_from(["on", "off", "status", "preview", "empty", "topics", "ON", "Preview", ""])
    words = st.sampled_from(
        [
            "09:00",
            "23:59",
            "24:00",
            "9:5",
            "07.30",
            "٠٨:٣٠",
            "Europe/Warsaw",
            "Asia/Almaty",
            "UTC",
            "Etc/GMT+1",
            "skip",
            "nearest",
            "all",
            "csto",
            "csto,protesty",
            ",",
            "02-29",
            "02-30",
            "13-01",
            "../../etc/localtime",
            "/etc/passwd",
            "zone.tab",
            "Europe",
            "a/" * 400 + "x",
            "@channel",
        ]
    )
    typed = st.builds(
        lambda a, chosen: " ".join([a, *chosen]), action, st.lists(weighted((3, words), (1, arguments())), max_size=3)
    )
    zones = st.sampled_from(
        [
            "Europe/Warsaw",
            "UTC",
            "Etc/GMT+1",
            "America/Argentina/Buenos_Aires",
            "posixrules",
            "../../etc/localtime",
            "/etc/passwd",
            "zone.tab",
            "Europe",
            "Europe/",
            "a/" * 400 + "x",
            "</a>" * 1000,
        ]
    )
    zone = weighted((2, zones), (1, arguments()))  # "/digest on" looks a zone up by its name
    on = st.builds(lambda time, name: f"on {time} {name}", st.sampled_from(["", "08:00"]), zone)
    return weighted((4, typed), (2, on), (1, arguments()))


@pytest.fixture
def digests(bundled: Briefing, tmp_path: Path) -> Digests:
    return Digests(bundled, StateStore(tmp_path / "state"), "Europe/Warsaw", fixed_clock(NOW))


@settings(max_examples=250)
@given(
    arguments=digest_arguments(),
    language=st.sampled_from(LANGUAGES),
    admin=st.booleans(),
    thread=st.sampled_from([None, "7"]),
)
def test_any_digest_command_is_answered_and_only_an_admin_changes_anything(
    core: Core, digests: Digests, tmp_path: Path, arguments: str, language: Language, admin: bool, thread: str | None
) -> None:
    target = Target("telegram", "-100123", thread)
    before = digests.state.subscription(target.key)
    with reads() as opened:
        reply = digests.handle(arguments, target, language, admin)
        check_reply(reply, core.briefing.knowledge, "/digest " + arguments)
    assert outside(opened, [*core.allowed, tmp_path]) == [], arguments  # and the state store
    if not admin:
        assert [card.body for card in reply.cards] == [t(language, "digest.admins_only")]
        assert digests.state.subscription(target.key) == before
    after = digests.state.subscription(target.key)
    event(f"a subscription {'is' if after else 'is not'} stored")
    if after is not None:
        assert after.zone is not None and after.next_run(NOW) > NOW  # what was stored can be scheduled


def test_a_digest_time_zone_that_is_a_path_is_refused(digests: Digests) -> None:
    """ "a/a/a/…" made ZoneInfo import one package per "/" (the tzdata fallback): RecursionError."""
    target = Target("discord", "42")
    for zone in (
        "../../etc/localtime",
        "/etc/passwd",
        "zone.tab",
        "Europe",
        "America",
        "Etc",
        "Europe/",
        "Europe/../Europe/Warsaw",
        "a\x00b",
        "posixrules",
        "Factory/x",
        "a/" * 400 + "x",
        "</a>" * 1000,
    ):
        [card] = digests.handle(f"on 08:00 {zone}", target, "en", True).cards
        assert "time zone" in (card.body or ""), zone[:40]
        assert digests.state.subscription(target.key) is None
    [card] = digests.handle("on 08:00 America/Argentina/Buenos_Aires", target, "en", True).cards
    assert "08:00 (America/Argentina/Buenos_Aires)" in (card.body or "")


def test_a_digest_time_in_other_digits_is_stored_in_ascii(digests: Digests) -> None:
    target = Target("telegram", "5")
    digests.handle("on ٠٨:٣٠", target, "en", True)
    subscription = digests.state.subscription(target.key)
    assert subscription is not None and subscription.time == "08:30"


# --- the recorder itself ------------------------------------------------------------------------


def test_the_recorder_sees_a_file_opened_outside_in_any_thread(tmp_path: Path, bundled_data: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("x", encoding="utf-8")
    listed = tmp_path / "listed"
    listed.mkdir()
    with reads() as opened:
        asyncio.run(asyncio.to_thread(secret.read_text, encoding="utf-8"))  # as the adapters run commands
        list(listed.iterdir())
        (BUNDLED_CONTENT / "quantities.toml").read_bytes()
    assert outside(opened, [BUNDLED_CONTENT, bundled_data, *python_installation()]) == [str(secret), str(listed)]
