"""Figures from Polish text, the quantities they count, and sources set side by side."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.base.errors import Problem
from bot.briefings.service import Briefing
from bot.content.loader import Article, Reference, Topic, load_content
from bot.content.references import check_lists
from bot.language.dates import DateValue, day
from bot.language.figures import (
    QUANTITIES_FILE,
    Figure,
    Quantity,
    QuantityMatcher,
    SourcedFigure,
    compatible,
    find_figures,
    group_figures,
    parse_quantities,
)
from tests.conftest import BUNDLED_CONTENT


def load_quantities(content_dir: Path) -> tuple[tuple[Quantity, ...], list[Problem]]:
    """The quantities of ``content/quantities.toml`` (none when the file is missing), without the
    content loader's other checks."""
    path = content_dir / QUANTITIES_FILE
    if not path.is_file():
        return (), []
    try:
        raw = path.read_bytes()
    except OSError as error:
        return (), [Problem(path, 1, f"cannot be read: {error.strerror or type(error).__name__}")]
    return parse_quantities(path, raw)


QUANTITIES = tuple(QuantityMatcher.of(q) for q in load_quantities(BUNDLED_CONTENT)[0])


def date_spans(sentence: str) -> list[tuple[int, int]]:
    """What the extractor skips: the sentence's date expressions ("siedmiu dni" is a period)."""
    from bot.language.dates import find_dates

    return [(m.start, m.end) for m in find_dates(sentence, date(2022, 1, 9))]


@pytest.mark.parametrize(
    ("sentence", "text", "value", "qualifier", "unit", "quantity"),
    [
        (
            "Policja zatrzymała w ciągu ostatnich siedmiu dni ponad 5 tysięcy osób.",
            "ponad 5 tysięcy osób",
            5000,
            "ponad",
            None,
            "detained",
        ),
        ("Siły porządkowe zatrzymały 5 135 osób, w tym obcokrajowców.", "5 135 osób", 5135, None, None, "detained"),
        (
            "Do kraju przybył ponad dwutysięczny kontyngent wojsk ODKB.",
            "ponad dwutysięczny kontyngent",
            2000,
            "ponad",
            None,
            "csto_troops",
        ),
        (
            "Kazachstan przeznaczy dodatkowe 918 mln dolarów na obronność.",
            "918 mln dolarów",
            918_000_000,
            None,
            "USD",
            "defence_spending",
        ),
        ("Licząca 7,6 tys. km granica jest najdłuższa.", "7,6 tys. km", 7600, None, "km", "border_length"),
        (
            "W zamieszkach straciło życie 16 funkcjonariuszy, a ponad 1300 zostało rannych.",
            "16 funkcjonariuszy",
            16,
            None,
            None,
            "officers_killed",
        ),
        (
            "Aresztowano ponad 3000 osób, 400- poddano hospitalizacji.",
            "ponad 3000 osób",
            3000,
            "ponad",
            None,
            "detained",
        ),
        ("Wojsko liczy około 2,5 tys. żołnierzy.", "około 2,5 tys. żołnierzy", 2500, "około", None, None),
        ("W stolicy stoi prawie 40 proc. wojsk.", "prawie 40 proc.", 40, "prawie", "%", None),
        ("Walczą co najmniej dwa ochotnicze bataliony.", "co najmniej dwa ochotnicze", 2, "co najmniej", None, None),
    ],
)
def test_figures_with_qualifier_value_unit_and_quantity(
    sentence: str, text: str, value: float, qualifier: str | None, unit: str | None, quantity: str | None
) -> None:
    figure = find_figures(sentence, QUANTITIES, date_spans(sentence))[0]
    assert (figure.text, figure.value, figure.qualifier, figure.unit, figure.quantity) == (
        text,
        value,
        qualifier,
        unit,
        quantity,
    )
    assert sentence[figure.start : figure.end] == figure.text


def test_the_second_figure_of_a_sentence_gets_its_own_clause() -> None:
    figures = find_figures("W zamieszkach straciło życie 16 funkcjonariuszy, a ponad 1300 zostało rannych.", QUANTITIES)
    assert [(f.value, f.quantity) for f in figures] == [(16, "officers_killed"), (1300, "officers_injured")]


@pytest.mark.parametrize(
    "sentence",
    [
        "Jest 2-im pod względem zasobów gazu.",  # an ordinal
        "Kazachstan, jeden z najbliższych sojuszników Rosji.",
        "Protesty wybuchły 2 stycznia 2022 r.",  # dates are not figures (when their spans are skipped)
    ],
)
def test_not_figures(sentence: str) -> None:
    assert find_figures(sentence, QUANTITIES, date_spans(sentence)) == []


def _sourced(value: int, qualifier: str | None, when: DateValue, article: str = "a") -> SourcedFigure:
    figure = Figure(value, qualifier, None, "q", str(value), None, 0, 1)
    return SourcedFigure(figure, article, "zdanie", 1, when, ())


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((3000, "ponad"), (5135, None), True),
        ((2000, "ponad"), (2600, "ponad"), True),
        ((16, None), (18, None), False),
        ((1000, "około"), (1080, None), True),
        ((1000, "około"), (1200, None), False),
        ((50, "prawie"), (51, None), False),
        ((100, "mniej niż"), (99, None), True),
    ],
)
def test_compatible_figures(a: tuple[int, str | None], b: tuple[int, str | None], expected: bool) -> None:
    first = Figure(a[0], a[1], None, None, "", None, 0, 0)
    second = Figure(b[0], b[1], None, None, "", None, 0, 0)
    assert compatible(first, second) is expected and compatible(second, first) is expected


def test_verdicts_dates_are_not_contradictions_unless_a_total_shrinks() -> None:
    counts = Quantity("q", "q", "q", ("x",), (), None, cumulative=True)
    levels = Quantity("q", "q", "q", ("x",), (), None, cumulative=False)
    rising = [_sourced(748, None, day(date(2022, 1, 7))), _sourced(1300, "ponad", day(date(2022, 1, 9)), "b")]
    shrinking = [_sourced(18, None, day(date(2022, 1, 7))), _sourced(16, None, day(date(2022, 1, 9)), "b")]
    same_day = [_sourced(18, None, day(date(2022, 1, 9))), _sourced(16, None, day(date(2022, 1, 9)), "b")]
    assert group_figures(rising, (counts,))[0].verdict == "dates"
    assert group_figures(shrinking, (counts,))[0].verdict == "differ"
    assert group_figures(shrinking, (levels,))[0].verdict == "dates"
    assert group_figures(same_day, (levels,))[0].verdict == "differ"
    assert group_figures(rising[:1], (counts,))[0].verdict == "single"


def test_the_seed_disagreements_side_by_side(bundled: Briefing) -> None:
    groups = {g.quantity.key: g for g in bundled.knowledge.figure_groups()}
    values = {key: sorted((e.figure.value, e.article) for e in group.entries) for key, group in groups.items()}
    assert values["csto_troops"] == [
        (2000, "kazachstan-blizej-nato"),
        (2000, "odmowa-udzialu-w-wojnie"),
        (2600, "odkb-w-kazachstanie"),
    ]
    assert values["detained"] == [
        (3000, "zamieszki-w-kazachstanie"),
        (5000, "odkb-w-kazachstanie"),
        (5135, "odkb-w-kazachstanie"),
    ]
    assert values["officers_killed"] == [(16, "odkb-w-kazachstanie"), (18, "zamieszki-w-kazachstanie")]
    # 18 dead on 7 January and 16 on 9 January cannot both be right: a total does not shrink.
    assert groups["officers_killed"].verdict == "differ"
    assert groups["officers_injured"].verdict == "dates"


def test_figures_command_and_topic_card_show_them(bundled: Briefing) -> None:
    reply = bundled.ask("/figures protesty")
    fields = {f.name: f.value for card in reply.cards for f in card.fields}
    assert "zabici funkcjonariusze — źródła się różnią" in fields
    killed = fields["zabici funkcjonariusze — źródła się różnią"]
    assert "18 [" in killed and "16 funkcjonariuszy [" in killed and "stan na 7 stycznia 2022" in killed
    assert "nie znam tematu" in (bundled.ask("/figures pogoda").cards[0].body or "").lower()
    csto = bundled.ask("/csto")
    differ = {f.name: f.value for card in csto.cards for f in card.notes}["Źródła podają różne liczby"]
    assert "żołnierze ODKB w Kazachstanie" in differ and "/figures csto" in differ  # the figures are on /figures


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "pl",
            "[1] wymienia też Turkmenię, a pomija Tadżykistan; [2] wymienia też Uzbekistan (lista wzorcowa: Karta ODKB",
        ),
        (
            "en",
            "[1] also names Turkmenia but leaves out Tadżykistan; [2] also names Uzbekistan "
            "(reference list: Karta ODKB",
        ),
    ],
)
def test_a_reference_list_is_compared_once_for_every_source(bundled: Briefing, language: str, expected: str) -> None:
    csto = bundled.ask("/csto", language=language)
    fields = [f for card in csto.cards for f in card.notes if f.name == "Państwa członkowskie ODKB w 2022 r."]
    assert len(fields) == 1  # one field for the reference list, naming its source once
    assert fields[0].value.startswith(expected) and fields[0].value.count("Karta ODKB") == 1
    cited = {s.number: s.article_id for card in csto.cards for s in card.sources}  # listed once in the reply
    assert {cited[1], cited[2]} == {"zamieszki-w-kazachstanie", "odkb-w-kazachstanie"}  # [1] and [2] as /sources


def test_reference_lists_flag_non_members_and_members_left_out() -> None:
    content = load_content(BUNDLED_CONTENT)
    csto = next(t for t in content.topics if t.id == "csto")
    flags = {f.article: (f.wrong, f.missing) for f in check_lists(csto, list(content.articles))}
    # Gazeta.pl lists the states Kazakhstan called on, so not Kazakhstan itself, named beside it.
    assert flags == {
        "odkb-w-kazachstanie": (("Uzbekistan",), ()),
        "zamieszki-w-kazachstanie": (("Turkmenia",), ("Tadżykistan",)),
    }


MEMBERS = ("Armenia", "Białoruś", "Kazachstan", "Kirgistan", "Rosja", "Tadżykistan")


@pytest.mark.parametrize(
    ("body", "wrong", "missing"),
    [
        # a whole list (more than half the members) that misses one
        ("Do ODKB należą Rosja, Białoruś, Armenia, Kirgizja i Kazachstan.", (), ("Tadżykistan",)),
        ("Do ODKB należą Rosja, Białoruś, Turkmenii, Armenia, Kirgizja, Kazachstan.", ("Turkmenia",), ("Tadżykistan",)),
        # the state left out is named beside the list, in its paragraph: the list is of the others
        (
            "Kazachstan poprosił o pomoc. Prezydent wezwał państwa ODKB: Rosję, Białoruś, Armenię, Kirgizję i "
            "Tadżykistan.",
            (),
            (),
        ),
        # ... but a paragraph before does not count (a line ending a sentence ends a paragraph)
        (
            "Kazachstan poprosił o pomoc.\nPrezydent wezwał państwa ODKB: Rosję, Białoruś, Armenię, Kirgizję i "
            "Tadżykistan.",
            (),
            ("Kazachstan",),
        ),
        (
            "Kazachstan poprosił o pomoc w\nnocy. Prezydent wezwał państwa ODKB: Rosję, Białoruś, Armenię, Kirgizję i "
            "Tadżykistan.",
            (),
            (),
        ),  # a hard-wrapped line does not
        # states named in passing are no list; a short list names what it names, not all the members
        ("Wojska ODKB z Rosji i Białorusi przybyły do Kazachstanu.", (), ()),
        ("W ćwiczeniach ODKB biorą udział Rosja, Białoruś i Uzbekistan.", ("Uzbekistan",), ()),
        ("W ćwiczeniach ODKB biorą udział Rosja, Białoruś i Armenia.", (), ()),
    ],
)
def test_lists_missing_members(body: str, wrong: tuple[str, ...], missing: tuple[str, ...]) -> None:
    reference = Reference(
        "członkowie ODKB",
        MEMBERS,
        ("Uzbekistan", "Turkmenistan"),
        (("Kirgizja", "Kirgistan"), ("Turkmenia", "Turkmenistan")),
        "Karta ODKB",
    )
    topic = Topic("csto", "csto", "ODKB", ("ODKB",), "…", "…", (), Path("topics/csto.toml"), "0", (reference,))
    article = Article(
        "a",
        "t",
        "o",
        date(2022, 1, 1),
        "day",
        None,
        None,
        None,
        "pl",
        (),
        None,
        (),
        (),
        body,
        1,
        Path("articles/a.md"),
        "0",
    )
    flags = check_lists(topic, [article])
    assert [(f.wrong, f.missing) for f in flags] == ([(wrong, missing)] if wrong or missing else [])


def test_errata_correct_the_fact_and_keep_the_quote(bundled: Briefing) -> None:
    fact = next(f for f in bundled.knowledge.facts if f.quote.startswith("06.01.2021"))
    assert fact.value == day(date(2022, 1, 6))
    assert fact.text.startswith("06.01.2022 r.") and fact.printed == "06.01.2021 r."
    card = bundled.ask(f"/sources {fact.id}").cards[0]
    assert card.body == f"„{fact.quote}”"
    assert dict((f.name, f.value) for f in card.fields)["Po korekcie"].endswith("(w źródle: 06.01.2021 r.)")


def test_an_erratum_whose_quote_is_not_in_the_text_is_reported(content_dir: Path) -> None:
    article = content_dir / "articles" / "zamieszki-w-kazachstanie.md"
    text = article.read_text(encoding="utf-8").replace('quote = "05.01.2021 r."', 'quote = "05.01.2020 r."')
    article.write_text(text, encoding="utf-8")
    problems = [p for p in load_content(content_dir).problems if p.path == article]
    line = next(
        n
        for n, row in enumerate(text.split("\n"), 1)
        if row.strip() == "[[errata]]" and "05.01.2020" in text.split("\n")[n]
    )
    assert [p.line for p in problems] == [line]
    assert "is not in the article's text" in problems[0].message


@pytest.mark.parametrize("language", ["pl", "en"])
def test_a_group_keeps_more_figures_than_a_card_can_show(bundled: Briefing, language: str) -> None:
    """A group keeps only its first KEPT_ENTRIES figures; a card shows the same as with all of them."""
    from dataclasses import replace

    from bot.briefings.cards import CARD_BUDGET
    from bot.briefings.replies import _figure_field
    from bot.language.figures import KEPT_ENTRIES

    articles = list(bundled.knowledge.articles)
    quantity = Quantity("troops", "żołnierze", "troops", ("żołnierz",), (), "csto")
    # The shortest entries a card can get: one-digit figures of one source, as of a year.
    figures = [
        SourcedFigure(
            Figure(n % 10, None, None, "troops", str(n % 10), None, 0, 1),
            articles[n % 2],
            "…",
            n,
            DateValue(date(1995, 1, 1), "year"),
            (),
        )
        for n in range(3 * KEPT_ENTRIES)
    ]
    (group,) = group_figures(figures, (quantity,))
    assert len(group.entries) == KEPT_ENTRIES and group.count == 3 * KEPT_ENTRIES
    whole = replace(group, entries=tuple(sorted(figures, key=lambda f: (f.as_of.last_day, f.article, f.line))))
    fields = [_figure_field(bundled.knowledge, g, language, {}, [], CARD_BUDGET) for g in (group, whole)]
    assert fields[0] == fields[1]
    shown = fields[0].value.count(";")  # "; " between entries, the last before "… (+N)"
    assert fields[0].value.endswith(f"… (+{3 * KEPT_ENTRIES - shown})") and shown < KEPT_ENTRIES


# --- counts and amounts only (issue 15, section 4) --------------------------------------------
@pytest.mark.parametrize(
    "sentence",
    [
        "Godzina policyjna obowiązuje od 23 do 7 rano.",
        "Godzina policyjna od 22 do 6 obejmuje Ałmaty.",
        "Samolot wylądował o 9:40 czasu lokalnego.",
        "Spotkanie zaplanowano na godz. 18 w ratuszu.",
        "Na lotnisku wylądowały samoloty Ił-76 i An-124.",
        "Na 25. forum nie mówiono o protestach.",
        "Od 2014 Rosja okupuje Krym.",
        "W roku 2021 nic się nie działo.",
        "Ałmaty, 07.01.2022 09:15 – do miasta przyleciały samoloty.",
        "Żołnierze przylecieli 6 i 7 stycznia.",
    ],
)
def test_times_models_ordinals_years_and_days_are_no_figures(sentence: str) -> None:
    assert find_figures(sentence, QUANTITIES, date_spans(sentence)) == []


@pytest.mark.parametrize(
    ("sentence", "text", "value", "qualifier", "unit", "quantity"),
    [
        (
            "Do kraju przybył ponad 2-tysięczny kontyngent wojsk ODKB.",
            "ponad 2-tysięczny kontyngent",
            2000,
            "ponad",
            None,
            "csto_troops",
        ),
        ("Białoruś wysłała 150-osobowy oddział.", "150-osobowy oddział", 150, None, None, None),
        ("Ceny wzrosły o 10-procentową stawkę.", "10-procentową stawkę", 10, None, "%", None),
        ("Rosja wysłała dwa samoloty An-124.", "dwa samoloty", 2, None, None, None),
        ("Zatrzymano do 2000 osób.", "2000 osób", 2000, None, None, "detained"),
        ("Na 25. forum przyjechało 300 osób.", "300 osób", 300, None, None, None),
    ],
)
def test_counts_beside_numbers_that_are_not(
    sentence: str, text: str, value: int, qualifier: str | None, unit: str | None, quantity: str | None
) -> None:
    [figure] = find_figures(sentence, QUANTITIES, date_spans(sentence))
    assert (figure.text, figure.value, figure.qualifier, figure.unit, figure.quantity) == (
        text,
        value,
        qualifier,
        unit,
        quantity,
    )
