"""Every command on the bundled content: happy paths and bad arguments.

Expectations come from reading the seed articles: e.g. the protests broke out on 2 January 2022
and the CSTO contingent arrived on 6 January 2022; "today" is 22 November 2026 (conftest).
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.briefings import replies
from bot.briefings.cards import (
    CARD_BUDGET,
    Card,
    CardField,
    Item,
    Line,
    PagedItems,
    Pages,
    Reply,
    SourceRef,
    item_size,
    paginate,
    plan_pages,
    shorten,
    source_size,
)
from bot.briefings.commands import BUILTIN
from bot.briefings.request import Request
from bot.briefings.service import Briefing
from bot.extraction.facts import Fact
from bot.i18n.messages import format_date
from bot.knowledge.indexes import Knowledge
from bot.language.dates import day
from bot.platforms.console.render import render_card
from tests.conftest import BUNDLED_CONTENT, WARSAW, fixed_clock

BUNDLED_FILES = {
    "odmowa-udzialu-w-wojnie",
    "kazachstan-blizej-nato",
    "odkb-w-kazachstanie",
    "kazachstan-dystansuje-sie",
    "zamieszki-w-kazachstanie",
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
    outbreak = line_with(reply, "Protesty w Kazachstanie wybuchły")
    arrival = line_with(reply, "przybył ponad dwutysięczny kontyngent")
    assert outbreak.label == "2 stycznia 2022"
    assert arrival.label == "6 stycznia 2022"
    texts = [line.text for line in lines(reply)]
    assert texts.index(outbreak.text) < texts.index(arrival.text)
    # Nothing from February (Monday 21 February: recognition of the republics), nor 2021.
    assert not any("Ługańskiej" in text for text in texts)
    assert not any("2021" in line.label for line in lines(reply) if line.label)
    listed: list[int] = []
    numbers = bundled.knowledge.article_numbers
    for card in reply.cards:
        listed += [source.number for source in card.sources]
        assert all(numbers[s.article_id] == s.number for s in card.sources)
        assert all(line.sources and set(line.sources) <= set(listed) for line in card.lines)
        assert not any(line.fact_id for line in card.lines)  # ids are not on every line
    assert len(listed) == len(set(listed))  # a reply lists each source once


def test_timeline_pages_are_numbered_and_short(bundled: Briefing) -> None:
    reply = bundled.ask("/timeline")
    assert len(reply.cards) > 1
    assert [(card.page, card.pages) for card in reply.cards] == [
        (n, len(reply.cards)) for n in range(1, len(reply.cards) + 1)
    ]
    assert len(lines(reply)) == len(bundled.knowledge.events)


@pytest.mark.parametrize("argument", ["2022", "2022-01-01..2022-01-31", "csto", "ODKB", "protesty"])
def test_timeline_accepts_years_ranges_and_topics(bundled: Briefing, argument: str) -> None:
    reply = bundled.ask(f"/timeline {argument}")
    assert lines(reply), argument


def test_timeline_of_a_topic_keeps_to_the_topic(bundled: Briefing) -> None:
    reply = bundled.ask("/timeline csto")
    assert reply.cards[0].title == "Oś czasu: ODKB (CSTO) w Kazachstanie"
    knowledge = bundled.knowledge
    expected = [e for e in knowledge.events if "csto" in e.topics]
    assert [line.text for line in lines(reply)] == [
        replies.event_item(e, "pl", None, knowledge.varying_quantities).text for e in expected
    ]


@pytest.mark.parametrize("argument", ["2022-13", "styczeń", "2022-02-30", "2022-02-01..2022-01-01", "<b>x</b>"])
def test_timeline_bad_argument_says_what_is_accepted(bundled: Briefing, argument: str) -> None:
    text = body(bundled.ask(f"/timeline {argument}"))
    assert "2022-01" in text and "csto" in text


def test_timeline_of_days_lists_the_ranges_overlapping_them(bundled: Briefing) -> None:
    reply = bundled.ask("/timeline 2022-01-01..2022-01-04")
    assert line_with(reply, "W Kazachstanie trwają protesty").label == "2–9 stycznia 2022"
    assert line_with(reply, "Protesty w Kazachstanie wybuchły").label == "2 stycznia 2022"
    # "2022" and "styczeń 2022" are coarser than four days: not listed as if they happened then
    assert {line.label for line in lines(reply)} == {"2 stycznia 2022", "2–9 stycznia 2022", "3–9 stycznia 2022"}
    assert "2–9 stycznia 2022" in {line.label for line in lines(bundled.ask("/timeline 2022-01-06"))}


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


@pytest.mark.parametrize("language", ["pl", "en"])
def test_a_topic_cards_article_count_agrees_with_the_sources_it_lists(bundled: Briefing, language: str) -> None:
    """ "Artykuły: 4" above three listed sources read as a missing source: the count now says how
    many the card cites when it cites fewer than the topic has."""
    for topic in bundled.knowledge.topics.values():
        reply = bundled.ask(f"/{topic.command}", language)
        total = len(bundled.knowledge.topic_articles(topic))
        cited = len({source.article_id for card in reply.cards for source in card.sources})
        (count,) = [f.value for f in reply.cards[0].fields if f.name in ("Artykuły", "Articles")]
        assert count.split()[0] == str(total)
        assert (str(cited) in count.split(maxsplit=1)[1]) if cited < total else count == str(total)


@pytest.mark.parametrize(
    ("command", "pl", "en"),
    # The curated facts' own precision: Gazeta.pl's count dated to January 2022, the
    # Ilta-Sanomat report to 2023 (its text names no month); never an invented day.
    [
        ("/csto", "styczeń 2022", "January 2022"),  # a month-precise fact covers 6–9 January
        ("/protesty", "2022", "2022"),  # a fact dated only to 2022 covers the rest: not "2022–2022"
        ("/wojna", "21 lutego 2022 – 2023", "21 February 2022 – 2023"),
    ],  # not "31 grudnia 2023"
)
def test_topic_period_keeps_the_precision_of_its_facts(bundled: Briefing, command: str, pl: str, en: str) -> None:
    for language, expected in (("pl", pl), ("en", en)):
        fields = {f.name: f.value for f in bundled.ask(command, language=language).cards[0].fields}
        assert fields["Okres" if language == "pl" else "Period"] == expected


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
    line = next(
        n
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if text.startswith("Na prośbę Tokajewa")
    )
    assert card.body == f"„{fact.quote}”"
    fields = {field.name: field.value for field in card.fields}
    assert fields["Miejsce"] == f"articles/odmowa-udzialu-w-wojnie.md, wiersz {line}"
    assert fields["Data"] == "6 stycznia 2022 („6 stycznia”)"
    assert [s.article_id for s in card.sources] == ["odmowa-udzialu-w-wojnie"]


def test_sources_of_an_unknown_fact(bundled: Briefing) -> None:
    assert "Nie znam dnia, faktu ani artykułu" in body(bundled.ask("/sources 0000000000"))


def test_article_card(bundled: Briefing) -> None:
    reply = bundled.ask("/card odkb-w-kazachstanie")
    first = reply.cards[0]
    assert first.title == "Wojska ODKB strzegą strategicznych obiektów w Kazachstanie"
    fields = {field.name: field.value for field in first.fields}
    assert fields["Źródło"] == "Gazeta.pl" and fields["Opublikowano"] == "ok. 9 stycznia 2022 (data ustalona pośrednio)"
    assert first.body and first.body.startswith("W Kazachstanie działają oddziały")
    assert line_with(reply, "Policja zatrzymała ponad 5 tysięcy").label == "3–9 stycznia 2022"


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
    assert {"/csto [chart]", "/protesty [chart]", "/wojna [chart]"} <= set(labels)
    detail = body(bundled.ask("/help timeline"))
    assert "/timeline [YYYY | YYYY-MM | YYYY-MM-DD..YYYY-MM-DD | temat]" in detail
    assert "Nie znam komendy /nope" in body(bundled.ask("/help nope"))


def test_start_says_what_the_bot_knows(bundled: Briefing) -> None:
    card: Card = bundled.ask("/start").cards[0]
    assert "5 artykułów" in (card.body or "")
    assert "16 datowanych faktów z lat 2022–2023." in (card.body or "")
    assert "16 dated facts from 2022 to 2023." in (bundled.ask("/start", language="en").cards[0].body or "")
    assert "/csto" in (card.body or "")
    assert any(line.text == "/timeline 2022-01" for line in card.lines)


@pytest.mark.parametrize(
    ("language", "expected"), [("pl", "1 datowany fakt z 2022 roku."), ("en", "1 dated fact from 2022.")]
)
def test_start_names_a_single_year_grammatically(language: str, expected: str) -> None:
    fact = Fact(
        id="f1",
        value=day(date(2022, 1, 6)),
        text="t",
        quote="t",
        article="a",
        topics=(),
        origin="extracted",
        line=1,
        keys=(),
    )
    request = Request("/start", date(2026, 11, 22), language)
    card = replies.start(Knowledge.build([], [], [fact]), request).cards[0]
    assert expected in (card.body or "")  # not "z lat 2022"


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
    [
        "/start",
        "/help",
        "/timeline",
        "/csto",
        "/protesty",
        "/wojna",
        "/sources",
        "/card 1",
        "/card 2",
        "/card 3",
        "/card 4",
        "/card 5",
        "/onthisday 01-06",
        "/search kazachstan",
    ],
)
def test_every_card_fits_a_phone_screen(bundled: Briefing, request_text: str) -> None:
    for card in bundled.ask(request_text).cards:
        # the plain text shows links as addresses, which chats hide behind the outlet's name
        assert card.size <= CARD_BUDGET and len(render_card(card)) <= CARD_BUDGET + 150, (request_text, card.page)


def number_pages(cards: Sequence[Card], label: Callable[[int, int], str]) -> tuple[Card, ...]:
    """Cards as numbered pages, built all at once: what ``Pages`` must give page by page."""
    if len(cards) < 2:
        return tuple(cards)
    return tuple(
        replace(card, page=n, pages=len(cards), footer=" · ".join(p for p in (card.footer, label(n, len(cards))) if p))
        for n, card in enumerate(cards, start=1)
    )


# --- paging: pages planned from sizes and built on demand are the pages paginate builds -----------


def _source_of(article_id: str) -> SourceRef:
    outlet = "Outlet " * (len(article_id) % 4)
    number = int(article_id[1:]) + 1
    return SourceRef(
        number,
        article_id,
        f"Title of {article_id} " * (1 + len(article_id) % 5),
        outlet.strip(),
        "6 stycznia 2022",
        f"https://example.org/{article_id}" if len(article_id) % 2 else None,
    )


def _reference_pages(first: Card, items: list[Item], budget: int = CARD_BUDGET) -> list[Card]:
    """Pages as a person fills them: a line goes on the page while the page stays within the
    budget (or holds nothing yet), a source is listed on the page that cites it first."""
    pages: list[Card] = []
    current = first
    listed = {source.article_id for source in first.sources}

    def add(card: Card, item: Item) -> tuple[Card, set[str]]:
        new = [a for a in item.articles if a not in listed]
        sources = tuple(sorted((*card.sources, *(_source_of(a) for a in new)), key=lambda s: s.number))
        line = Line(item.text, item.label, tuple(sorted(_source_of(a).number for a in item.articles)), item.fact_id)
        return replace(card, lines=(*card.lines, line), sources=sources), set(new)

    for item in items:
        candidate, new = add(current, item)
        if candidate.size > budget and (current.lines or current.body or current.fields):
            pages.append(current)
            current = Card(title=first.title, date=first.date)
            candidate, new = add(current, item)
        current = candidate
        listed |= new
    pages.append(current)
    return pages


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
        return Card(title=title, body="z", sources=(_source_of("a3"), _source_of("a17")))
    if kind == "big":
        return Card(title=title, body="w" * 950)  # already over budget: the first item moves on
    return Card(title=title)


@pytest.mark.parametrize("seed", range(60))
def test_planned_pages_are_the_cards_paginate_builds(seed: int) -> None:
    rng = random.Random(seed)
    first = _random_first(rng)
    articles = [f"a{n}" for n in range(rng.choice([1, 3, 30]))]  # few articles: many repeats on a page
    items = [
        Item(
            text="t" * rng.choice([rng.randrange(5, 220), rng.randrange(200, 1200)]),
            label=rng.choice([None, "6 stycznia 2022", "2022 · 4 lata temu"]),
            articles=tuple(dict.fromkeys(rng.choice(articles) for _ in range(rng.choice([1, 1, 2, 3])))),
            fact_id=rng.choice([None, f"{n:010x}"]),
        )
        for n in range(rng.randrange(0, 120))
    ]
    sizes = {a: source_size(_source_of(a)) for a in articles}
    plan = plan_pages(first, [item_size(i) for i in items], [i.articles for i in items], sizes)
    lazy = PagedItems(first, len(items), items.__getitem__, plan, _source_of)
    eager = _reference_pages(first, items)
    assert paginate(first, items, _source_of) == eager
    assert len(lazy) == len(eager)
    assert list(lazy) == eager
    assert lazy[-1] == eager[-1] and lazy[1:3] == tuple(eager[1:3])

    def label(page: int, pages: int) -> str:
        return f"Strona {page}/{pages}"

    extra = [Card(title="Liczby", body="b")] * rng.randrange(0, 3)
    numbered = Pages([lazy[:1], extra, lazy[1:]], label)
    assert list(numbered) == list(number_pages([eager[0], *extra, *eager[1:]], label))
    assert [(c.page, c.pages) for c in numbered][-1] == (
        (len(numbered), len(numbered)) if len(numbered) > 1 else (1, 1)
    )


def test_a_long_reply_builds_only_the_page_asked_for() -> None:
    built: list[int] = []
    items = [Item(text="t" * 250, label="2022", articles=(f"a{n % 7}",), fact_id=f"{n:010x}") for n in range(500)]

    def item_at(index: int) -> Item:
        built.append(index)
        return items[index]

    first = Card(title="Oś czasu")
    sizes = {f"a{n}": source_size(_source_of(f"a{n}")) for n in range(7)}
    plan = plan_pages(first, [item_size(i) for i in items], [i.articles for i in items], sizes)
    pages = Pages([PagedItems(first, len(items), item_at, plan, _source_of)], lambda p, n: f"{p}/{n}")
    assert len(pages) > 50 and not built
    third = pages[2]
    assert built == list(range(plan.starts[2], plan.starts[3]))
    assert third.footer == f"3/{len(pages)}" and third.size <= CARD_BUDGET


@pytest.mark.parametrize(
    "request_text",
    [
        "/timeline",
        "/timeline 2022",
        "/timeline csto",
        "/csto",
        "/protesty",
        "/search kazachstan",
        "/onthisday 01-06",
        "/sources",
        "/card 1",
    ],
)
def test_every_page_of_a_reply_in_order_once(bundled: Briefing, request_text: str) -> None:
    reply = bundled.ask(request_text)
    cards = list(reply.cards)
    assert len(cards) == len(reply.cards)
    if len(cards) > 1:
        assert [(c.page, c.pages) for c in cards] == [(n, len(cards)) for n in range(1, len(cards) + 1)]
    shown = [(line.label, line.text) for card in cards for line in card.lines]
    knowledge = bundled.knowledge
    found = set(knowledge.search("kazachstan"))
    events = {
        "/timeline": knowledge.events,
        "/timeline 2022": [e for e in knowledge.events if e.value.start.year == 2022],
        "/timeline csto": [e for e in knowledge.events if "csto" in e.topics],
        "/search kazachstan": [e for e in knowledge.events if found & set(e.facts)],
    }.get(request_text)
    if events is not None:
        assert shown == [
            (format_date(e.value, "pl"), replies.event_item(e, "pl", None, knowledge.varying_quantities).text)
            for e in events
        ]
    listed = [source.number for card in cards for source in card.sources]
    assert len(listed) == len(set(listed))
    for card in cards:
        assert card.size <= CARD_BUDGET or len(card.lines) <= 1


def test_a_search_asked_again_pages_the_same(bundled: Briefing, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replies, "RECENT_PLANS", 2)  # plans of recent searches are kept: few here
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
        return Briefing.load(
            BUNDLED_CONTENT, tmp_path / name, WARSAW, "pl", fixed_clock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
        )

    cold, warm = fresh("cold"), fresh("warm")
    replies.warm_up(warm.knowledge)  # every fact's line cost worked out in advance
    for request in ("/timeline", "/search kazachstan", "/csto", "/onthisday 01-06", "/timeline 2022-01"):
        for language in ("pl", "en"):
            assert list(warm.ask(request, language).cards) == list(cold.ask(request, language).cards), request


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("kontyngent wojsk Organizacji Układu o Bezpieczeństwie Zbiorowym", 38, "kontyngent wojsk Organizacji Układu…"),
        ("protesty w Ałmaty i w innych miastach", 24, "protesty w Ałmaty…"),
        ("a b c d e f", 4, "a…"),  # nothing but short words: the plain cut, not an empty one
    ],
)
def test_a_cut_line_never_ends_on_a_dangling_preposition(text: str, limit: int, expected: str) -> None:
    """The /csto card's key event once ended "…Organizacji Układu o…"."""
    assert shorten(text, limit) == expected
