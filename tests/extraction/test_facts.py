"""Extracted facts: how many one sentence yields, how long their quotes are, and their ids."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from bot.content.loader import Article, Content, Erratum, load_content
from bot.extraction.facts import Fact, TopicMatcher, extract, fact_id
from bot.language.dates import DateValue, day
from tests.conftest import BUNDLED_CONTENT

MAX_DATES, MAX_QUOTE = 20, 1000  # dates read from one sentence; characters of a fact's quote and text


@pytest.fixture(scope="module")
def bundled() -> tuple[Content, TopicMatcher]:
    content = load_content(BUNDLED_CONTENT)
    return content, TopicMatcher(content.topics)


def extracted(bundled: tuple[Content, TopicMatcher], body: str, errata: tuple[Erratum, ...] = ()) -> list[Fact]:
    """The extracted facts of a bundled article given another body."""
    content, matcher = bundled
    article: Article = replace(content.articles[0], body=body, errata=errata)
    return [f for f in extract(article, matcher).facts if f.origin == "extracted"]


def is_cut_at_words(quote: str, sentence: str) -> bool:
    """Whether ``quote`` is whole words of ``sentence``, with "…" where it was cut."""
    inner = quote.removeprefix("…").removesuffix("…")
    return (
        f" {inner} " in f" {sentence} "
        and quote.startswith("…") != sentence.startswith(inner)
        and quote.endswith("…") != sentence.endswith(inner)
    )


def test_a_sentence_of_fifty_thousand_dates_yields_twenty_facts(bundled: tuple[Content, TopicMatcher]) -> None:
    """Each date made a fact, each carrying the whole sentence as its quote and text: 50,000
    dates in a sentence of 950 kB made `facts --json` print gigabytes."""
    sentence = "6 stycznia 2022 r. " * 50_000
    facts = extracted(bundled, sentence)
    assert len(facts) == MAX_DATES
    assert len({f.id for f in facts}) == MAX_DATES
    for fact in facts:
        assert fact.mention is not None and fact.mention in fact.quote
        assert len(fact.quote) <= MAX_QUOTE and fact.text == fact.quote
        assert is_cut_at_words(fact.quote, sentence.strip())


def test_a_long_sentence_is_quoted_around_its_date(bundled: tuple[Content, TopicMatcher]) -> None:
    words = " ".join(f"słowo{i}" for i in range(600))
    middle = f"Na początku {words} w czwartek 6 stycznia 2022 r. {words} na końcu."
    early = f"W czwartek 6 stycznia 2022 r. {words} na końcu."
    for sentence in (middle, early):
        (fact,) = extracted(bundled, sentence)
        assert fact.mention is not None and fact.mention.lower() == "w czwartek 6 stycznia 2022 r."
        assert fact.mention in fact.quote
        assert MAX_QUOTE - 20 <= len(fact.quote) <= MAX_QUOTE, len(fact.quote)  # the room is used, on either side
        assert is_cut_at_words(fact.quote, sentence) and fact.text == fact.quote
    (fact,) = extracted(bundled, early)
    assert fact.quote.startswith("W czwartek") and fact.quote.endswith("…")


def test_a_long_sentence_with_an_erratum_quotes_what_was_printed(bundled: tuple[Content, TopicMatcher]) -> None:
    words = " ".join(f"słowo{i}" for i in range(600))
    sentence = f"Na początku {words} dnia 06.01.2021 r. {words} na końcu."
    erratum = Erratum("06.01.2021 r.", "06.01.2022 r.", None)
    (fact,) = extracted(bundled, sentence, (erratum,))
    assert "06.01.2021 r." in fact.quote and is_cut_at_words(fact.quote, sentence)
    assert "06.01.2022 r." in fact.text and len(fact.text) <= MAX_QUOTE and len(fact.quote) <= MAX_QUOTE


def test_the_bundled_facts_keep_their_sentences_and_ids(bundled: tuple[Content, TopicMatcher]) -> None:
    """For sentences of usual length, a fact quotes its whole sentence and its id depends only on
    the article, the sentence and the date expression (README: ids survive rebuilds)."""
    content, matcher = bundled
    facts = [f for a in content.articles for f in extract(a, matcher).facts if f.origin == "extracted"]
    assert len(facts) == 12
    seen: Counter[tuple[str, str, str | None]] = Counter()
    for fact in facts:
        assert fact.mention is not None and fact.mention in fact.text
        occurrence = seen[fact.article, fact.quote, fact.mention]
        seen[fact.article, fact.quote, fact.mention] += 1
        assert fact.id == fact_id(fact.article, fact.quote, fact.mention, str(occurrence))
        assert not fact.quote.startswith("…") and not fact.quote.endswith("…")


def figures_of(bundled: tuple[Content, TopicMatcher], body: str) -> list[tuple[str, DateValue]]:
    """The figures of a bundled article (published Friday 7 January 2022) given another body."""
    content, matcher = bundled
    article = replace(next(a for a in content.articles if a.id == "zamieszki-w-kazachstanie"), body=body, errata=())
    assert article.published == date(2022, 1, 7) and article.published_precision == "day"
    return [(f.figure.text, f.as_of) for f in extract(article, matcher).figures]


def test_a_figure_in_a_sentence_without_a_date_is_as_of_the_article(bundled: tuple[Content, TopicMatcher]) -> None:
    assert figures_of(bundled, "Siły porządkowe zatrzymały 5 135 osób.") == [("5 135 osób", day(date(2022, 1, 7)))]


def test_a_figure_is_as_of_the_date_in_its_clause(bundled: tuple[Content, TopicMatcher]) -> None:
    body = "Protesty wybuchły 2 stycznia, a 6 stycznia przybył ponad 2-tysięczny kontyngent ODKB."
    assert figures_of(bundled, body) == [("ponad 2-tysięczny kontyngent", day(date(2022, 1, 6)))]


def test_a_byline_dates_the_article_but_is_no_fact(bundled: tuple[Content, TopicMatcher]) -> None:
    body = "Publikacja: 07.01.2022 09:15\n\nAłmaty, 06.01.2022\n\nProtesty wybuchły 2 stycznia 2022 r."
    assert [f.mention for f in extracted(bundled, body)] == ["2 stycznia 2022 r."]
    assert figures_of(bundled, body) == []
