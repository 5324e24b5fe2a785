"""Every command on the bundled content: happy paths and bad arguments.

Expectations come from reading the seed articles: e.g. the protests broke out on 2 January 2022
and the CSTO contingent arrived on 6 January 2022; "today" is 22 November 2026 (conftest).
"""

from __future__ import annotations

import random
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core import briefings

from bot.core.cards import (
    CARD_BUDGET,
    Card,
    CardField,
    Item,
    Line,
    PagedItems,
    Pages,
    Reply,
    SourceRef,
    Skip,
    item_size,
    number_pages,
    paginate,
    plan_pages,
    source_size,
)
from bot.core.commands import BUILTIN
from bot.core.service import Briefing
from bot.render.text import render_card
from tests.conftest import BUNDLED_CONTENT, WARSAW, fixed_clock

BUNDLED_FILES = {
    "odmowa-udzialu-w-wojnie", "kazachstan-blizej-nato", "odkb-w-kazachstanie",
    "kazachstan-dystansuje-sie", "zamieszki-w-kazachstanie",
}


def lines(reply: Reply) -> list[Line]:
    return [line for card in reply.cards for line in card.lines]


def line_with(reply: Reply, words: str) -> Line:
    found = [line for line in lines(reply) if words in line.text]
    assert len(found) == 1, f"{words!r} in {len(found)} lines"
    return found[0]


def body(reply: Reply) -> str:
    assert len(reply.cards) == 1
    return reply.cards[0].body or ""


def test_timeline_of_january_2022_in_date_order_with_sources(bundled: Briefing) -> None:
    reply = bundled.ask("/timeline 2022-01")
    assert reply.cards[0].title == "Oś czasu: styczeń 2022"
    outbreak = line_with(reply, "Protesty w Kazachstanie wybuchły 2 stycznia")
    arrival = line_with(reply, "przybył ponad dwutysięczny kontyngent")
    assert outbreak.label == "2 stycznia 2022"
    assert arrival.label == "6 stycznia 2022"
    texts = [line.text for line in lines(reply)]
    assert texts.index(outbreak.text) < texts.index(arrival.text)
    # Nothing from February (Monday 21 February: recognition of the republics), nor 2021.
    assert not any("ogłosił w poniedziałek" in text for text in texts)
    assert not any(text.startswith("06.01.2021") for text in texts)
    for card in reply.cards:
        numbers = {source.number for source in card.sources}
        assert all(line.sources and set(line.sources) <= numbers for line in card.lines)
        assert all(line.fact_id in bundled.knowledge.by_id for line in card.lines)


def test_timeline_pages_are_numbered_and_short(bundled: Briefing) -> None:
    reply = bundled.ask("/timeline")
    assert len(reply.cards) > 1
    assert [(card.page, card.pages) for card in reply.cards] == [
        (n, len(reply.cards)) for n in range(1, len(reply.cards) + 1)
    ]
    assert len(lines(reply)) == len(bundled.knowledge.facts)


@pytest.mark.parametrize("argument", ["2022", "2022-01-01..2022-01-31", "csto", "ODKB", "protesty"])
def test_timeline_accepts_years_ranges_and_topics(bundled: Briefing, argument: str) -> None:
    reply = bundled.ask(f"/timeline {argument}")
    assert lines(reply), argument


def test_timeline_of_a_topic_keeps_to_the_topic(bundled: Briefing) -> None:
    reply = bundled.ask("/timeline csto")
    assert reply.cards[0].title == "Oś czasu: ODKB (CSTO) w Kazachstanie"
    facts = [bundled.knowledge.by_id[line.fact_id] for line in lines(reply) if line.fact_id]
    assert facts and all("csto" in fact.topics for fact in facts)


@pytest.mark.parametrize("argument", ["2022-13", "styczeń", "2022-02-30", "2022-02-01..2022-01-01", "<b>x</b>"])
def test_timeline_bad_argument_says_what_is_accepted(bundled: Briefing, argument: str) -> None:
    text = body(bundled.ask(f"/timeline {argument}"))
    assert "2022-01" in text and "csto" in text


def test_timeline_of_an_empty_period(bundled: Briefing) -> None:
    assert body(bundled.ask("/timeline 1999")) == "Brak faktów dla: 1999."


def test_topic_card_for_csto(bundled: Briefing) -> None:
    reply = bundled.ask("/csto")
    first = reply.cards[0]
    assert first.title == "ODKB (CSTO) w Kazachstanie"
    assert first.body and first.body.startswith("Organizacja Układu o Bezpieczeństwie Zbiorowym")
    assert {s.outlet for s in first.sources} >= {"Gazeta.pl", "Wolne Media"}
    assert line_with(reply, "przybył ponad dwutysięczny kontyngent").label == "6 stycznia 2022"
    assert "/timeline csto" in (first.footer or "")


def test_on_this_day_finds_the_contingent_four_years_ago(bundled: Briefing) -> None:
    reply = bundled.ask("/onthisday 01-06")
    assert reply.cards[0].title == "Tego dnia: 6 stycznia"
    assert line_with(reply, "kontyngent").label == "6 stycznia 2022 · 4 lata temu"


def test_on_this_day_without_argument_uses_today(bundled: Briefing) -> None:
    reply = bundled.ask("/onthisday")
    assert body(reply).startswith("Brak faktów z 22 listopada z poprzednich lat.")


@pytest.mark.parametrize("argument", ["02-30", "13-01", "6 stycznia", "2022-01-06"])
def test_on_this_day_bad_argument(bundled: Briefing, argument: str) -> None:
    assert "MM-DD" in body(bundled.ask(f"/onthisday {argument}"))


def test_sources_lists_every_article_with_outlet_and_link(bundled: Briefing) -> None:
    reply = bundled.ask("/sources")
    cited = {source.article_id: source for card in reply.cards for source in card.sources}
    assert set(cited) == BUNDLED_FILES
    assert cited["zamieszki-w-kazachstanie"].url == "https://wolnemedia.net/kazachstan/"
    assert cited["odkb-w-kazachstanie"].outlet == "Gazeta.pl"


def test_sources_of_one_fact_gives_quote_article_and_line(bundled: Briefing) -> None:
    fact = next(f for f in bundled.knowledge.facts if "dwutysięczny kontyngent" in f.text)
    card = bundled.ask(f"/sources {fact.id}").cards[0]
    path = bundled.knowledge.articles["odmowa-udzialu-w-wojnie"].path
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text.startswith("Na prośbę Tokajewa"))
    assert card.body == f"„{fact.quote}”"
    fields = {field.name: field.value for field in card.fields}
    assert fields["Miejsce"] == f"articles/odmowa-udzialu-w-wojnie.md, wiersz {line}"
    assert fields["Data"] == "6 stycznia 2022 („6 stycznia”)"
    assert [s.article_id for s in card.sources] == ["odmowa-udzialu-w-wojnie"]


def test_sources_of_an_unknown_fact(bundled: Briefing) -> None:
    assert "Nie znam faktu" in body(bundled.ask("/sources 0000000000"))


def test_article_card(bundled: Briefing) -> None:
    reply = bundled.ask("/card odkb-w-kazachstanie")
    first = reply.cards[0]
    assert first.title == "Wojska ODKB strzegą strategicznych obiektów w Kazachstanie"
    fields = {field.name: field.value for field in first.fields}
    assert fields["Źródło"] == "Gazeta.pl" and fields["Opublikowano"] == "ok. 9 stycznia 2022 (data ustalona pośrednio)"
    assert first.body and first.body.startswith("W Kazachstanie działają oddziały")
    assert line_with(reply, "ciągu ostatnich siedmiu dni").label == "3–9 stycznia 2022"


def test_article_card_by_number_and_by_unique_prefix(bundled: Briefing) -> None:
    by_prefix = bundled.ask("/card odkb").cards[0].title
    assert by_prefix == "Wojska ODKB strzegą strategicznych obiektów w Kazachstanie"
    # /sources lists articles by date; the earliest is the Wolne Media one of 7 January 2022.
    assert bundled.ask("/card 1").cards[0].title == "Kazachstan: przywrócono spokój po zamieszkach"


def test_article_card_errors(bundled: Briefing) -> None:
    assert "Podaj artykuł" in body(bundled.ask("/card"))
    assert "Nie znam artykułu" in body(bundled.ask("/card ../../etc/passwd"))
    ambiguous = body(bundled.ask("/card kazachstan"))
    assert "kazachstan-blizej-nato" in ambiguous and "kazachstan-dystansuje-sie" in ambiguous


@pytest.mark.parametrize("query", ["Kazachstanu", "kazachstan", "KAZACHSTANIE"])
def test_search_is_inflection_and_case_blind(bundled: Briefing, query: str) -> None:
    reply = bundled.ask(f"/search {query}")
    assert line_with(reply, "przybył ponad dwutysięczny kontyngent")


def test_search_with_optional_diacritics_and_names(bundled: Briefing) -> None:
    assert line_with(bundled.ask("/search Ałmaty"), "w mieście Almaty")
    assert line_with(bundled.ask("/search tokajew"), "Na prośbę Tokajewa")
    assert line_with(bundled.ask("/search zolnierzy rosyjskich"), "kontyngent")


def test_search_needs_every_word(bundled: Briefing) -> None:
    assert "Nic nie znalazłem" in body(bundled.ask("/search kontyngent Czeczenia"))
    assert "Podaj słowa" in body(bundled.ask("/search"))


def test_help_lists_every_command_and_explains_one(bundled: Briefing) -> None:
    card = bundled.ask("/help").cards[0]
    labels = [line.label or "" for line in card.lines]
    for spec in BUILTIN:
        assert spec.usage() in labels
    assert {"/csto", "/protesty", "/wojna"} <= set(labels)
    detail = body(bundled.ask("/help timeline"))
    assert "/timeline [YYYY | YYYY-MM | YYYY-MM-DD..YYYY-MM-DD | temat]" in detail
    assert "Nie znam komendy /nope" in body(bundled.ask("/help nope"))


def test_start_says_what_the_bot_knows(bundled: Briefing) -> None:
    card: Card = bundled.ask("/start").cards[0]
    assert "5 artykułów" in (card.body or "")
    assert "/csto" in (card.body or "")
    assert any(line.text == "/timeline 2022-01" for line in card.lines)


def test_language_switch(bundled: Briefing) -> None:
    reply = bundled.ask("/lang en")
    assert reply.language == "en" and body(reply) == "Reply language: English."
    assert "pl, en" in body(bundled.ask("/lang de"))
    english = bundled.ask("/timeline 2022-01", language="en")
    assert line_with(english, "Protesty w Kazachstanie wybuchły").label == "2 January 2022"
    assert english.cards[0].title == "Timeline: January 2022"


def test_bot_name_suffix_and_case(bundled: Briefing) -> None:
    assert lines(bundled.ask("/Timeline@BriefingBot 2022-01")) == lines(bundled.ask("/timeline 2022-01"))


def test_unknown_command_plain_text_and_huge_requests(bundled: Briefing) -> None:
    assert body(bundled.ask("/foo")) == "Nie znam komendy /foo. Lista komend: /help"
    assert body(bundled.ask("hello")).startswith("Komendy zaczynają się od")
    assert "za długie" in body(bundled.ask("/search " + "a" * 5000))


@pytest.mark.parametrize(
    "request_text",
    ["/start", "/help", "/timeline", "/csto", "/protesty", "/wojna", "/sources", "/card 1", "/card 2", "/card 3",
     "/card 4", "/card 5", "/onthisday 01-06", "/search kazachstan"],
)
def test_every_card_fits_a_phone_screen(bundled: Briefing, request_text: str) -> None:
    for card in bundled.ask(request_text).cards:
        assert len(render_card(card)) <= 1000, (request_text, card.page)


# --- paging: pages planned from sizes and built on demand are the pages paginate builds -----------

def _source_of(article_id: str, number: int) -> SourceRef:
    outlet = "Outlet " * (len(article_id) % 4)
    return SourceRef(number, article_id, f"Title of {article_id} " * (1 + len(article_id) % 5), outlet.strip(),
                     "6 stycznia 2022", f"https://example.org/{article_id}" if len(article_id) % 2 else None)


def _random_first(rng: random.Random) -> Card:
    kind = rng.choice(["plain", "footer", "body", "fields", "sources", "big"])
    title = "Oś czasu: " + "x" * rng.randrange(0, 40)
    if kind == "footer":
        return Card(title=title, footer="Pełne cytaty: /sources <id>")
    if kind == "body":
        return Card(title=title, body="y" * rng.randrange(1, 600))
    if kind == "fields":
        return Card(title=title, fields=(CardField("Faktów", "120"), CardField("Okres", "2022")))
    if kind == "sources":
        return Card(title=title, body="z", sources=(_source_of("a3", 1), _source_of("a17", 2)))
    if kind == "big":
        return Card(title=title, body="w" * 950)  # already over budget: the first item moves on
    return Card(title=title)


@pytest.mark.parametrize("seed", range(60))
def test_planned_pages_are_the_cards_paginate_builds(seed: int) -> None:
    rng = random.Random(seed)
    first = _random_first(rng)
    articles = [f"a{n}" for n in range(rng.choice([1, 3, 30]))]  # few articles: many repeats on a page
    items = [
        Item(text="t" * rng.choice([rng.randrange(5, 220), rng.randrange(200, 1200)]),
             label=rng.choice([None, "6 stycznia 2022", "2022 · 4 lata temu"]),
             articles=(rng.choice(articles),), fact_id=rng.choice([None, f"{n:010x}"]))
        for n in range(rng.randrange(0, 120))
    ]
    sizes = {a: source_size(_source_of(a, 1)) for a in articles}
    starts = plan_pages(first, [item_size(i) + sizes[i.articles[0]] for i in items], [i.articles[0] for i in items],
                        sizes)
    lazy = PagedItems(first, len(items), items.__getitem__, starts, _source_of)
    eager = paginate(first, items, _source_of)
    assert len(lazy) == len(eager)
    assert list(lazy) == eager
    assert lazy[-1] == eager[-1] and lazy[1:3] == tuple(eager[1:3])

    def label(page: int, pages: int) -> str:
        return f"Strona {page}/{pages}"

    extra = [Card(title="Liczby", body="b")] * rng.randrange(0, 3)
    numbered = Pages([lazy[:1], extra, Skip(lazy, 1)], label)
    assert list(numbered) == list(number_pages([eager[0], *extra, *eager[1:]], label))
    assert [(c.page, c.pages) for c in numbered][-1] == ((len(numbered), len(numbered)) if len(numbered) > 1 else (1, 1))


def test_a_long_reply_builds_only_the_page_asked_for() -> None:
    built: list[int] = []
    items = [Item(text="t" * 150, label="2022", articles=(f"a{n % 7}",), fact_id=f"{n:010x}") for n in range(500)]

    def item_at(index: int) -> Item:
        built.append(index)
        return items[index]

    first = Card(title="Oś czasu")
    sizes = {f"a{n}": source_size(_source_of(f"a{n}", 1)) for n in range(7)}
    starts = plan_pages(first, [item_size(i) + sizes[i.articles[0]] for i in items], [i.articles[0] for i in items],
                        sizes)
    pages = Pages([PagedItems(first, len(items), item_at, starts, _source_of)], lambda p, n: f"{p}/{n}")
    assert len(pages) > 50 and not built
    third = pages[2]
    assert built == list(range(starts[2], starts[3]))
    assert third.footer == f"3/{len(pages)}" and third.size <= CARD_BUDGET


@pytest.mark.parametrize("request_text", ["/timeline", "/timeline 2022", "/timeline csto", "/csto", "/protesty",
                                          "/search kazachstan", "/onthisday 01-06", "/sources", "/card 1"])
def test_every_page_of_a_reply_in_order_once(bundled: Briefing, request_text: str) -> None:
    reply = bundled.ask(request_text)
    cards = list(reply.cards)
    assert len(cards) == len(reply.cards)
    if len(cards) > 1:
        assert [(c.page, c.pages) for c in cards] == [(n, len(cards)) for n in range(1, len(cards) + 1)]
    facts = [line.fact_id for card in cards for line in card.lines if line.fact_id]
    knowledge = bundled.knowledge
    expected = {
        "/timeline": [f.id for f in knowledge.facts],
        "/timeline 2022": [f.id for f in knowledge.facts if f.value.start.year == 2022],
        "/timeline csto": [f.id for f in knowledge.facts if "csto" in f.topics],
        "/csto": [f.id for f in knowledge.facts if "csto" in f.topics],
        "/protesty": [f.id for f in knowledge.facts if "protesty" in f.topics],
        "/search kazachstan": [f.id for f in knowledge.search("kazachstan")],
    }.get(request_text)
    if expected is not None:
        assert facts == expected
    for card in cards:
        assert card.size <= CARD_BUDGET or len(card.lines) <= 1


def test_a_search_asked_again_pages_the_same(bundled: Briefing, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(briefings, "RECENT_PLANS", 2)  # plans of recent searches are kept: few here
    first = list(bundled.ask("/search kazachstan").cards)
    english = list(bundled.ask("/search kazachstan", "en").cards)
    for other in ("/search Tokajew", "/search ODKB", "/search rosji"):
        bundled.ask(other)
    assert list(bundled.ask("/search kazachstan").cards) == first
    assert list(bundled.ask("/search kazachstan", "en").cards) == english
    assert english != first and len(first) > 1


def test_warm_up_changes_no_reply(bundled_data: Path, tmp_path: Path) -> None:
    def fresh(name: str) -> Briefing:
        shutil.copytree(bundled_data, tmp_path / name)
        return Briefing.load(BUNDLED_CONTENT, tmp_path / name, WARSAW, "pl",
                             fixed_clock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC)))

    cold, warm = fresh("cold"), fresh("warm")
    briefings.warm_up(warm.knowledge)  # every fact's line cost worked out in advance
    for request in ("/timeline", "/search kazachstan", "/csto", "/onthisday 01-06", "/timeline 2022-01"):
        for language in ("pl", "en"):
            assert list(warm.ask(request, language).cards) == list(cold.ask(request, language).cards), request
