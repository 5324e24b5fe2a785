"""The message catalogues: every language has every message, with the placeholders the code
fills in and the plural forms of its language; Russian end to end in the core."""

from __future__ import annotations

import ast
import re
import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural

from bot.briefings.service import Briefing
from bot.i18n.catalogues import LOCALES, read
from bot.i18n.messages import DEFAULT_LANGUAGE, LANGUAGES, format_date, t, tn, years_ago
from bot.language.dates import DateValue, day, month, period
from bot.platforms.console.render import render_card

BOT = Path(__file__).resolve().parents[2] / "bot"


def entries(language: str) -> dict[str, tuple[str, ...]]:
    """Key → its text (a plural message: its forms), as the .po file has them."""
    return {
        message.id if isinstance(message.id, str) else message.id[0]: (message.string,)
        if isinstance(message.string, str)
        else tuple(message.string or ())
        for message in read(language)
        if message.id
    }


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def code_strings() -> tuple[set[str], set[str], set[str]]:
    """The string literals in the bot's code, the literal starts of its f-strings (``f"digest.
    outcome.{…}"``), and the keys passed to ``t``/``tn`` as literals."""
    literals: set[str] = set()
    prefixes: set[str] = set()
    passed: set[str] = set()
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                prefixes.add(str(node.values[0].value))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("t", "tn")
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
            ):
                passed.add(str(node.args[1].value))
    return literals, prefixes, passed


def test_the_registry_names_every_catalogue() -> None:
    assert sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES" / "bot.po").is_file()) == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_in_every_catalogue(language: str) -> None:
    default, own = entries(DEFAULT_LANGUAGE), entries(language)
    assert sorted(own) == sorted(default)
    for key, texts in own.items():
        assert all(texts), f"{language}: {key} is not translated"
        assert len(texts) == len(default[key]) or (len(default[key]) > 1 and len(texts) > 1), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_fill_in_only_what_the_code_gives(language: str) -> None:
    """A placeholder must be one that Polish or English uses: both are read by tests end to
    end, so a misspelt one in another catalogue would otherwise show only to its readers."""
    polish, english = entries("pl"), entries("en")
    for key, texts in entries(language).items():
        allowed = set().union(*map(placeholders, polish[key] + english[key]))
        for text in texts:
            assert placeholders(text) <= allowed, f"{language}: {key}: {text}"


def test_the_code_uses_every_key_and_every_key_it_uses_exists() -> None:
    keys = set(entries(DEFAULT_LANGUAGE))
    literals, prefixes, passed = code_strings()
    assert passed <= keys
    unused = {key for key in keys if key not in literals and not any(key.startswith(p) for p in prefixes if p)}
    assert not unused


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_rules_are_the_languages_own(language: str) -> None:
    catalogue = read(language)
    expected = get_plural(language)
    assert catalogue.num_plurals == expected.num_plurals
    assert catalogue.plural_expr == expected.plural_expr
    for key, texts in entries(language).items():
        if len(entries(DEFAULT_LANGUAGE)[key]) > 1:
            assert len(texts) == expected.num_plurals, f"{language}: {key}"


@pytest.mark.parametrize(
    ("language", "counts", "expected"),
    [
        (
            "ru",
            (1, 2, 5, 11, 21, 22, 25, 111),
            (
                "1 источник",
                "2 источника",
                "5 источников",
                "11 источников",
                "21 источник",
                "22 источника",
                "25 источников",
                "111 источников",
            ),
        ),
        ("en", (1, 2), ("1 source", "2 sources")),
    ],
)
def test_plural_forms_per_language(language: str, counts: tuple[int, ...], expected: tuple[str, ...]) -> None:
    found = [tn(language, "sources.event_value", n, id="e1") for n in counts]
    assert [text.split("(")[-1].rstrip(")") for text in found] == list(expected)


def test_russian_counts() -> None:
    assert [years_ago("ru", n) for n in (1, 3, 5, 21)] == ["1 год назад", "3 года назад", "5 лет назад", "21 год назад"]
    assert [tn("ru", "n.articles", n) for n in (1, 2, 5)] == ["1 статью", "2 статьи", "5 статей"]
    assert tn("ru", "n.days", 2) == "2 дня" and tn("pl", "n.days", 2) == "2 dni" and tn("pl", "n.days", 1) == "1 dzień"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (day(date(2022, 1, 6)), "6 января 2022"),
        (month(2022, 1), "январь 2022"),
        (period(date(2022, 2, 25), date(2022, 2, 26)), "25–26 февраля 2022"),
        (period(date(2022, 2, 28), date(2022, 3, 2)), "28 февраля – 2 марта 2022"),
        (DateValue(date(2022, 1, 1), "range", date(2022, 6, 30), ("month", "month")), "январь – июнь 2022"),
        (DateValue(date(2021, 12, 1), "range", date(2022, 2, 28), ("month", "month")), "декабрь 2021 – февраль 2022"),
    ],
)
def test_russian_dates(value: DateValue, expected: str) -> None:
    assert format_date(value, "ru") == expected


def test_unknown_keys_are_an_error() -> None:
    with pytest.raises(KeyError):
        t("ru", "no.such.message")
    with pytest.raises(KeyError):
        tn("ru", "start.title", 2)


def test_lang_ru_turns_every_reply_russian(bundled: Briefing) -> None:
    reply = bundled.ask("/lang ru")
    assert reply.language == "ru" and reply.cards[0].body == "Язык ответов: русский."
    assert "pl, en, ru" in (bundled.ask("/lang xx").cards[0].body or "")
    timeline = bundled.ask("/timeline 2022-01", language="ru")
    text = "\n".join(render_card(card) for card in timeline.cards)
    assert timeline.cards[0].title == "Хронология: январь 2022"
    assert "6 января 2022" in text and "Страница 1/2" in text and "stycznia" not in text
    start = render_card(bundled.ask("/start", language="ru").cards[0])
    assert re.search(r"Я знаю \d+ стат", start) and "Попробуйте" in start
    assert "/lang pl|en|ru — язык ответов бота" in render_card(bundled.ask("/help", language="ru").cards[0])


def test_discord_descriptions_fit_and_translate_one_way() -> None:
    """Discord takes descriptions of up to 100 characters, and its translator looks each up by
    its English text: two descriptions that read the same in English must read the same in
    every language."""
    described = [
        key
        for key in entries("en")
        if key.startswith(("discord.option.", "discord.digest."))
        or (key.startswith("command.") and key.endswith(".summary"))
    ]
    by_english: dict[str, dict[str, str]] = {}
    for key in described:
        words: dict[str, str] = {language: entries(language)[key][0] for language in LANGUAGES}
        assert all(len(text) <= 100 for text in words.values()), key
        assert by_english.setdefault(words["en"], words) == words, key
