"""What a newcomer met (issue 15, section 3), on the bundled content: mistyped commands, help
with examples, English replies without Polish bot words, inferred dates, empty days."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.briefings.cards import Reply
from bot.briefings.commands import BUILTIN
from bot.briefings.service import Briefing
from bot.digests.compose import build_digest
from bot.platforms.console.render import render_card

#: Polish words the bot itself says (content, such as titles and quotes, stays Polish).
POLISH_BOT_WORDS = re.compile(
    r"\b(komenda|komendy|artykuł|artykuły|artykułów|słowa|strefa|temat|tematy|id faktu|nieustalony|portal|"
    r"ok\.|data ustalona|stycznia|lutego|lipca|czerwiec|Strona|Źródła?|Użycie|Spróbuj)\b"
)


def text_of(reply: Reply) -> str:
    return "\n".join(render_card(card) for card in reply.cards)


def bot_words(reply: Reply) -> str:
    """A reply's text less what quotes content: fact lines, article titles and leads, topic names."""
    kept = []
    for card in reply.cards:
        kept += [card.footer or "", *(field.name for field in card.fields)]
        kept += [f"{field.value}" for field in card.fields if field.name in ("Published", "Outlet", "Date")]
        kept += [line.label or "" for line in card.lines if not (line.label or "").startswith("/")]
        kept += [f"{source.outlet}, {source.published}" for source in card.sources]
        if card.body and not card.lines and not card.sources:  # a notice: the bot's own words
            kept.append(card.body)
    return "\n".join(kept)


def test_a_mistyped_command_gets_the_likely_one(bundled: Briefing) -> None:
    assert "Czy chodziło o /timeline?" in text_of(bundled.ask("/timline"))
    assert "Did you mean /search?" in text_of(bundled.ask("/serach Tokajew", language="en"))
    assert "Did you mean /csto?" in text_of(bundled.ask("/cstoo", language="en"))  # topics too
    assert "chodziło" not in text_of(bundled.ask("/xyz"))
    assert "Czy chodziło o /onthisday?" in text_of(bundled.ask("/help onthisdya"))


@pytest.mark.parametrize("spec", [s for s in BUILTIN if s.name != "start"], ids=lambda s: s.name)
def test_help_for_a_command_shows_an_example_that_works(bundled: Briefing, spec) -> None:  # type: ignore[no-untyped-def]
    card = bundled.ask(f"/help {spec.name}").cards[0]
    examples = [line.text for line in card.lines]
    assert examples and all(e.startswith(f"/{spec.name}") for e in examples)
    for example in examples:
        if spec.read_only:
            reply = bundled.ask(example)
            assert not any(word in text_of(reply) for word in ("Nie rozumiem", "Nie znam", "Podaj", "Nic nie"))


@pytest.mark.parametrize(
    "request_text",
    [
        "/start",
        "/help",
        "/help digest",
        "/help card",
        "/help timeline",
        "/sources",
        "/card 3",
        "/card 5",
        "/timeline 2022-01",
        "/csto",
        "/onthisday 01-06",
        "/onthisday 03-15",
        "/search Tokajew",
        "/search xyzzy",
        "/figures",
        "/timline",
        "/card",
        "/sources 1",
    ],
)
def test_english_replies_say_nothing_in_polish(bundled: Briefing, request_text: str) -> None:
    reply = bundled.ask(request_text, language="en")
    found = POLISH_BOT_WORDS.findall(bot_words(reply))
    assert not found, f"{request_text}: {found}\n{bot_words(reply)}"


def test_english_help_has_english_placeholders(bundled: Briefing) -> None:
    help_text = text_of(bundled.ask("/help", language="en"))
    for polish in ("[komenda]", "‹artykuł›", "<artykuł>", "[strefa]", "[temat]", "<słowa>", "id faktu"):
        assert polish not in help_text
    assert "/card <article>" in help_text and "[time zone]" in help_text
    assert "/card <artykuł>" in text_of(bundled.ask("/help"))


def test_one_day_ahead_is_singular_in_english(bundled: Briefing) -> None:
    card = build_digest(bundled.knowledge, date(2027, 1, 1), "en", empty="nearest")
    assert card is not None and card.body == "No anniversaries today. The nearest: 2 January (in 1 day)."
    card = build_digest(bundled.knowledge, date(2026, 12, 31), "en", empty="nearest")
    assert card is not None and card.body == "No anniversaries today. The nearest: 2 January (in 2 days)."


def test_an_unnamed_outlet_in_english(bundled: Briefing) -> None:
    english = bundled.ask("/card odmowa", language="en").cards[0]
    assert {f.name: f.value for f in english.fields}["Outlet"] == "unnamed outlet (via NBC News)"
    assert english.sources[0].outlet == "unnamed outlet (via NBC News)"
    polish = bundled.ask("/card odmowa").cards[0]
    assert polish.sources[0].outlet == "nieustalony portal (za NBC News)"


def test_an_inferred_publication_date_is_marked(bundled: Briefing) -> None:
    english = bundled.ask("/card odmowa", language="en").cards[0]
    assert {f.name: f.value for f in english.fields}["Published"] == "about 26 February 2022 (date inferred)"
    assert english.sources[0].published == "about 26 February 2022"
    stated = bundled.ask("/card kazachstan-blizej-nato").cards[0]
    assert {f.name: f.value for f in stated.fields}["Opublikowano"] == "25 lipca 2022"
    listed = text_of(bundled.ask("/sources"))
    assert "ok. 26 lutego 2022 — Kazachstan odmówił" in listed and "ok. 25 lipca" not in listed


def test_an_empty_day_names_the_nearest_day_with_facts(bundled: Briefing) -> None:
    assert text_of(bundled.ask("/onthisday 03-15")).endswith(
        "Brak faktów z 15 marca z poprzednich lat. Najbliższy dzień z faktami: 24 lutego — /onthisday 02-24"
    )
    # Today is 22 November (conftest): the nearest is the protests' outbreak, after New Year.
    assert text_of(bundled.ask("/onthisday", language="en")).endswith(
        "The nearest day with facts: 2 January — /onthisday 01-02"
    )


@pytest.mark.parametrize(
    ("query", "fact"),
    [
        ("zatrzymanych", "Policja zatrzymała"),  # participle typed, verb written
        ("zatrzymani", "Policja zatrzymała"),
        ("zatrzymać", "Policja zatrzymała"),
        ("protestów", "w tłumieniu protestów"),
    ],
)
def test_search_matches_any_inflection(bundled: Briefing, query: str, fact: str) -> None:
    assert fact in text_of(bundled.ask(f"/search {query}"))


def test_search_finds_articles_without_dated_facts_on_the_words(bundled: Briefing) -> None:
    # "protestujący" stands only in an undated sentence of the Gazeta.pl article.
    reply = bundled.ask("/search protestujących")
    assert reply.cards[0].lines[0].text.endswith("/card odkb-w-kazachstanie")
    assert "Czeczeni" not in text_of(reply)
    assert "/card kazachstan-blizej-nato" in text_of(bundled.ask("/search Czeczenów"))  # "Czeczeni" in the text
    found = bundled.ask("/search zatrzymanych").cards[0]
    assert {f.name: f.value for f in found.fields} == {"Artykuły (1)": "/card odkb-w-kazachstanie"}


def test_search_by_title_lists_the_titled_article_first(bundled: Briefing) -> None:
    found = [a.id for a in bundled.knowledge.search_articles("Rosji")]
    # "Rosja traci…" (July 2022) and "Kazachstan dystansuje się od Rosji…" (2023) say it in their
    # titles, in any form; the others in their text, in publication order.
    assert found[:2] == ["kazachstan-blizej-nato", "kazachstan-dystansuje-sie"]
    assert found[2:] == ["zamieszki-w-kazachstanie", "odkb-w-kazachstanie", "odmowa-udzialu-w-wojnie"]


def test_english_words_get_a_hint_that_the_content_is_polish(bundled: Briefing) -> None:
    for query in ("troops", "soldiers killed"):
        assert "The content is in Polish" in text_of(bundled.ask(f"/search {query}", language="en"))
    assert "Treści są po polsku" in text_of(bundled.ask("/search troops"))
    assert "po polsku" not in text_of(bundled.ask("/search Kowalski"))  # a Polish name, not found
