"""Every index query of ``Knowledge`` against a brute-force filter over the same random facts.

Random facts have dates of every precision (days, 29 Februaries, months, years, ranges), topics
and Polish words in several inflections; each query is compared, in order, with a plain scan.
"""

from __future__ import annotations

import calendar
import random
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.content.loader import Article, Reference, Topic
from bot.content.references import MIN_LIST, ListFlag, _name_runs, _names, _names_in, check_lists, fold_text
from bot.extraction.facts import Fact
from bot.knowledge.indexes import Knowledge
from bot.language import lemmas
from bot.language.dates import DateValue, day, month, period, year
from bot.language.figures import (
    KEPT_ENTRIES,
    Figure,
    Quantity,
    SourcedFigure,
    _verdict_of_pairs,
    compatible,
    group_figures,
)
from bot.language.sentences import split_sentences
from tests.knowledge.test_knowledge import in_period

TOPICS = ("csto", "protesty", "wojna", "gaz")
WORDS = (
    "Kazachstan",
    "Kazachstanu",
    "Kazachstanie",
    "Tokajew",
    "Tokajewa",
    "Tokajewem",
    "protest",
    "protesty",
    "protestów",
    "wojsko",
    "wojska",
    "żołnierzy",
    "żołnierze",
    "Ałmaty",
    "zatrzymała",
    "zatrzymano",
    "osób",
    "ODKB",
    "Rosja",
    "Rosji",
    "sankcje",
    "sankcji",
    "stan",
    "wyjątkowy",
    "wyjątkowego",
    "w",
    "i",
    "na",
    "ceny",
    "gazu",
    "paliw",
    "Aktau",
    "Aktobe",
    "Akmola",
)
#: Typed searches: whole words, other inflections, prefixes, short words and words not there.
SEARCHES = (
    *WORDS,
    "kazachstanem",
    "tokaj",
    "Żołnierz",
    "zolnierzy",
    "prote",
    "akt",
    "wojn",
    "xyzzy",
    "ODKB Rosji",
    "Tokajew protesty",
    "stan wyjątkowy",
    "w Ałmaty",
    "",
    "…",
)
SEEDS = range(6)


def random_value(rng: random.Random) -> DateValue:
    start = date(1999, 1, 1) + timedelta(days=rng.randrange(9000))
    kind = rng.choice(["day", "day", "leap", "month", "year", "range", "range", "long"])
    if kind == "leap":
        return day(date(rng.choice([2000, 2004, 2008, 2012, 2016, 2020]), 2, 29))
    if kind == "month":
        return month(start.year, start.month)
    if kind == "year":
        return year(start.year)
    if kind == "range":
        return period(start, start + timedelta(days=rng.randrange(1, 40)))
    if kind == "long":  # "od 1 maja 2019" in an article of years later; "w latach 2019–2021"
        if rng.random() < 0.5:
            return period(start, start + timedelta(days=rng.randrange(40, 2000)))
        return DateValue(date(start.year, 1, 1), "range", date(start.year + rng.randrange(1, 5), 12, 31))
    return day(start)


def random_facts(rng: random.Random, count: int) -> list[Fact]:
    facts = []
    for n in range(count):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 8)))
        topics = tuple(sorted(rng.sample(TOPICS, rng.randrange(0, 3))))
        facts.append(
            Fact(
                id=f"f{n:05d}",
                value=random_value(rng),
                text=text,
                quote=text,
                article=f"a{rng.randrange(40):02d}",
                topics=topics,
                origin="extracted",
                line=rng.randrange(1, 60),
                keys=tuple(sorted(lemmas.key_set(text))),
            )
        )
    return facts


@pytest.fixture(scope="module", params=SEEDS)
def world(request: pytest.FixtureRequest) -> tuple[random.Random, list[Fact], Knowledge]:
    rng = random.Random(request.param)
    facts = random_facts(rng, 600)
    shuffled = list(facts)
    rng.shuffle(shuffled)  # the knowledge sorts them
    return rng, facts, Knowledge.build([], [], shuffled)


def ids(facts: list[Fact]) -> list[str]:
    return [f.id for f in facts]


def test_facts_are_in_date_order_longest_first(world: tuple[random.Random, list[Fact], Knowledge]) -> None:
    _, facts, knowledge = world
    expected = sorted(facts, key=lambda f: (f.value.start, -f.value.last_day.toordinal(), f.article, f.line, f.id))
    assert ids(knowledge.facts) == ids(expected)
    assert knowledge.positions(expected[::7]) == list(range(0, len(expected), 7))


def test_timeline_by_period_and_topic(world: tuple[random.Random, list[Fact], Knowledge]) -> None:
    rng, _, knowledge = world
    for _ in range(150):
        wanted = random_value(rng)
        if rng.random() < 0.2:  # long ranges too, across years
            wanted = period(wanted.start, wanted.start + timedelta(days=rng.randrange(1, 3000)))
        topic = rng.choice([None, None, *TOPICS, "none"])
        expected = [f for f in knowledge.facts if in_period(f.value, wanted) and (topic is None or topic in f.topics)]
        assert ids(knowledge.timeline(wanted, topic)) == ids(expected), (wanted, topic)
        assert [knowledge.facts[i] for i in knowledge.timeline_positions(wanted, topic)] == expected
    for topic in (*TOPICS, "none"):
        expected = [f for f in knowledge.facts if topic in f.topics]
        assert ids(knowledge.timeline(topic=topic)) == ids(expected)
        assert ids([knowledge.facts[i] for i in knowledge.topic_positions(topic)]) == ids(expected)
    assert ids(knowledge.timeline()) == ids(knowledge.facts)


@pytest.mark.parametrize("today_year", [2023, 2024, 2000, 2100])
def test_on_this_day_every_day_of_the_year(world: tuple[random.Random, list[Fact], Knowledge], today_year: int) -> None:
    _, _, knowledge = world
    for month_number in range(1, 13):
        for day_number in range(1, calendar.monthrange(2000, month_number)[1] + 1):
            # "before" is the day itself in its year, or 1 March in a common year for 29 February
            days_in_month = calendar.monthrange(today_year, month_number)[1]
            before = date(today_year, month_number, min(day_number, days_in_month))
            wanted = {(month_number, day_number)}
            if (month_number, day_number) == (2, 28) and not calendar.isleap(today_year):
                wanted.add((2, 29))  # 29 February is remembered on the 28th in common years
            expected = sorted(
                (
                    f
                    for f in knowledge.facts
                    if f.value.precision == "day"
                    and (f.value.start.month, f.value.start.day) in wanted
                    and f.value.start < before
                ),
                key=lambda f: f.value.start,
            )
            found = knowledge.on_this_day(month_number, day_number, before)
            assert ids(found) == ids(expected), (month_number, day_number, before)


def test_29_february_counts_on_28_february_only_in_common_years(
    world: tuple[random.Random, list[Fact], Knowledge],
) -> None:
    _, facts, knowledge = world
    leap = {f.id for f in facts if f.value.precision == "day" and (f.value.start.month, f.value.start.day) == (2, 29)}
    assert leap, "the random facts include 29 Februaries"
    assert leap <= set(ids(knowledge.on_this_day(2, 28, date(2023, 2, 28))))
    assert not leap & set(ids(knowledge.on_this_day(2, 28, date(2024, 2, 28))))
    assert leap == set(ids(knowledge.on_this_day(2, 29, date(2024, 2, 29))))


def test_of_article(world: tuple[random.Random, list[Fact], Knowledge]) -> None:
    _, _, knowledge = world
    for article in [f"a{n:02d}" for n in range(42)]:
        assert ids(knowledge.of_article(article)) == ids([f for f in knowledge.facts if f.article == article])


def test_search_against_every_fact_and_the_whole_vocabulary(world: tuple[random.Random, list[Fact], Knowledge]) -> None:
    rng, _, knowledge = world
    vocabulary = {key for f in knowledge.facts for key in f.keys}
    queries = [*SEARCHES, *(" ".join(rng.sample(WORDS, 2)) for _ in range(30))]
    for query in queries:
        terms = lemmas.words(query)
        wanted = [lemmas.matches(term, vocabulary) for term in terms]
        expected = [f for f in knowledge.facts if terms and all(set(f.keys) & keys for keys in wanted)]
        assert ids(knowledge.search(query)) == ids(expected), query
        assert [knowledge.facts[i] for i in knowledge.search_positions(query)] == expected
        for term in terms:
            assert knowledge.matching_keys(term) == lemmas.matches(term, vocabulary), term


def test_topic_period_and_articles(world: tuple[random.Random, list[Fact], Knowledge]) -> None:
    _, _, knowledge = world
    for topic in TOPICS:
        of_topic = [f for f in knowledge.facts if topic in f.topics]
        covered = knowledge.topic_period(topic)
        assert covered is not None
        assert (covered.start, covered.last_day) == (
            min(f.value.start for f in of_topic),
            max(f.value.last_day for f in of_topic),
        )
        coarsest_last = min((f.value for f in of_topic if f.value.last_day == covered.last_day), key=lambda v: v.start)
        assert covered.last in (coarsest_last.last, covered)  # its end as precise as the fact ending it
    assert knowledge.topic_period("none") is None
    assert knowledge.period == (
        min(f.value.start for f in knowledge.facts),
        max(f.value.last_day for f in knowledge.facts),
    )


# --- figure groups ----------------------------------------------------------------------------------

QUALIFIERS = (None, None, "ponad", "około", "co najmniej", "prawie", "mniej niż")


def random_figures(rng: random.Random, count: int, keys: tuple[str, ...]) -> list[SourcedFigure]:
    figures = []
    for n in range(count):
        value = rng.choice([rng.randrange(1, 30), rng.randrange(1, 30) * 100, 0.5 * rng.randrange(1, 9)])
        figure = Figure(value, rng.choice(QUALIFIERS), None, rng.choice([*keys, None]), str(value), None, 0, 1)
        as_of = day(date(2022, 1, 1) + timedelta(days=rng.randrange(6)))
        if rng.random() < 0.2:
            as_of = period(as_of.start, as_of.start + timedelta(days=rng.randrange(1, 4)))
        figures.append(
            SourcedFigure(figure, f"a{rng.randrange(5)}", "…", n, as_of, tuple(rng.sample(TOPICS, rng.randrange(0, 2))))
        )
    return figures


def verdict_by_definition(entries: tuple[SourcedFigure, ...], cumulative: bool) -> str:
    """The rule as the README states it, over every ordered pair."""
    if len(entries) == 1:
        return "single"
    clash = [(a, b) for i, a in enumerate(entries) for b in entries[i + 1 :] if not compatible(a.figure, b.figure)]
    if any(a.as_of.last_day == b.as_of.last_day or (cumulative and b.figure.value < a.figure.value) for a, b in clash):
        return "differ"
    return "dates" if clash else "agree"


@pytest.mark.parametrize("seed", range(40))
def test_figure_verdicts_against_every_pair(seed: int) -> None:
    rng = random.Random(seed)
    quantities = (
        Quantity("detained", "zatrzymani", "detained", ("zatrzymać",), (), "protesty", cumulative=True),
        Quantity("troops", "żołnierze", "troops", ("żołnierz",), (), "csto"),
        Quantity("none", "nic", "nothing", ("nic",), (), None),
    )
    # Every fourth seed has more figures than a group keeps.
    count = rng.randrange(1, 14) if seed % 4 else rng.randrange(2 * KEPT_ENTRIES, 4 * KEPT_ENTRIES)
    figures = random_figures(rng, count, ("detained", "troops"))
    groups = group_figures(figures, quantities)
    assert [g.quantity.key for g in groups] == [
        q.key for q in quantities if any(f.figure.quantity == q.key for f in figures)
    ]
    for group in groups:
        mine = sorted(
            (f for f in figures if f.figure.quantity == group.quantity.key),
            key=lambda f: (f.as_of.last_day, f.article, f.line),
        )
        assert group.entries == tuple(mine[:KEPT_ENTRIES])
        assert group.count == len(mine)
        assert group.verdict == verdict_by_definition(tuple(mine), group.quantity.cumulative)
        if len(mine) > 1:
            assert group.verdict == _verdict_of_pairs(mine, group.quantity.cumulative)
        assert group.varies == (len({(e.figure.value, e.figure.qualifier) for e in mine}) > 1)
        assert group.topics == {topic for f in mine for topic in f.topics}
    knowledge = Knowledge.build([], [], [], figures, quantities)
    for topic in (*TOPICS, "none"):
        expected = [
            g
            for g in groups
            if g.quantity.topic == topic
            or any(topic in f.topics for f in figures if f.figure.quantity == g.quantity.key)
        ]
        assert knowledge.figure_groups(topic) == expected
    assert knowledge.figure_groups() == groups


# --- reference lists ------------------------------------------------------------------------------

STATES = (
    "Armenia",
    "Armenii",
    "Białoruś",
    "Białorusi",
    "Kazachstan",
    "Kazachstanu",
    "Kirgistan",
    "Kirgizja",
    "Kirgizję",
    "Rosja",
    "Rosji",
    "Tadżykistan",
    "Uzbekistan",
    "Uzbekistanu",
    "Turkmenia",
    "Turkmenistan",
    "Polska",
    "Gruzja",
)


def random_body(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randrange(1, 8)):
        names = rng.sample(STATES, rng.randrange(0, 6))
        joined = rng.choice([", ", " i ", " oraz ", " – ", " a także "]).join(names)
        topic = rng.choice(["ODKB", "Organizacji Układu o Bezpieczeństwie Zbiorowym", "CSTO", "sojuszu", "Óbuda"])
        sentences.append(
            rng.choice(
                [
                    f"W skład {topic} wchodzą {joined}.",
                    f"Państwa {joined} nie należą do {topic}.",
                    f"Dziś {joined} rozmawiały.\nO {topic} nie mówiono.",
                ]
            )
        )
    return " ".join(sentences)


def lists_by_definition(topic: Topic, articles: list[Article]) -> list[ListFlag]:
    """Every sentence of every article that mentions the topic, every run of names in it."""
    flags = []
    aliases = [lemmas.fold(alias) for alias in topic.aliases]
    for reference in topic.references:
        stems = _names(reference)
        for article in articles:
            paragraphs = re.split(r"(?<=[.!?…\"”»])[ \t]*\n|\n[ \t]*\n", article.body)
            for sentence in split_sentences(article.body):
                if not any(re.search(rf"\b{re.escape(alias)}", lemmas.fold(sentence.text)) for alias in aliases):
                    continue
                paragraph = next(
                    p for p in paragraphs if sentence.raw.split()[0] in p and sentence.text in " ".join(p.split())
                )
                for run in _name_runs(sentence.text, stems):
                    named = {name for _, name in run}
                    wrong = tuple(dict.fromkeys(spelling for spelling, name in run if name not in reference.members))
                    missing: tuple[str, ...] = ()
                    if len(named & set(reference.members)) > len(reference.members) / 2:
                        mentioned = {name for _, (_, name) in _names_in(paragraph, stems)}
                        missing = tuple(m for m in reference.members if m not in named | mentioned)
                    if len(named) >= MIN_LIST and (wrong or missing):
                        flags.append(
                            ListFlag(
                                reference,
                                article.id,
                                article.body_line + sentence.line - 1,
                                sentence.text,
                                wrong,
                                missing,
                            )
                        )
    return flags


@pytest.mark.parametrize("seed", range(30))
def test_reference_lists_against_every_sentence(seed: int) -> None:
    rng = random.Random(seed)
    members = ("Armenia", "Białoruś", "Kazachstan", "Kirgistan", "Rosja", "Tadżykistan")
    references = (
        Reference(
            "ODKB 2022",
            members,
            ("Uzbekistan", "Turkmenistan"),
            (("Kirgizja", "Kirgistan"), ("Turkmenia", "Turkmenistan")),
            "Karta ODKB",
        ),
        Reference("sąsiedzi", ("Rosja", "Kazachstan"), ("Polska",), (), "mapa"),
    )
    topic = Topic(
        "csto",
        "csto",
        "ODKB",
        ("ODKB", "CSTO", "Organizacja Układu o Bezpieczeństwie Zbiorowym"),
        "…",
        "…",
        (),
        Path("topics/csto.toml"),
        "0",
        references[: rng.randrange(1, 3)],
    )
    articles = [
        Article(
            f"a{n}",
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
            random_body(rng),
            rng.randrange(1, 9),
            Path(f"articles/a{n}.md"),
            "0",
        )
        for n in range(12)
    ]
    expected = lists_by_definition(topic, articles)
    assert check_lists(topic, articles) == expected
    if seed == 0:
        assert expected, "the random articles hold flagged lists"
        assert any(flag.missing for flag in expected), "and lists that leave out members"


def test_fold_text_is_fold() -> None:
    rng = random.Random(5)
    alphabet = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźżAĄĆĘŁŃÓŚŹŻ „”–—…éüïçÅæß İ ǅ ﬁ ²½ \u0301\u0327 x̌\n"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
        assert fold_text(text) == lemmas.fold(text), text
