"""The bundled curated facts carry the date of their event, as their article's text gives it.

A curated fact dated with its article's publication date says that the event happened that day,
which the text does not say: the CSTO troops "wkroczyły" on 6 January 2022 (the paragraph's
date), not on 7 January, when the article was written.
"""

from __future__ import annotations

import pytest

from bot.briefings.service import RESERVED_COMMANDS
from bot.content.loader import Article, CuratedFact, load_content
from bot.extraction.facts import corrected
from bot.language import lemmas
from bot.language.dates import DateValue, find_dates
from bot.language.sentences import paragraphs
from tests.conftest import BUNDLED_CONTENT

ARTICLES = load_content(BUNDLED_CONTENT, reserved_commands=frozenset(RESERVED_COMMANDS)).articles
CURATED = [(article, fact) for article in ARTICLES for fact in article.facts]


def _mentions(article: Article, text: str) -> list[DateValue]:
    fixed, _ = corrected(" ".join(text.split()), article.errata)
    return [m.value for m in find_dates(fixed, article.published, article.published_precision == "day")]


def _source_paragraph(article: Article, fact: CuratedFact) -> str:
    """The paragraph of the body that the fact's text retells: the one sharing most of its words."""
    wanted = lemmas.key_set(fact.text)
    texts = [" ".join(lines) for _, lines in paragraphs(article.body)]
    return max(texts, key=lambda text: len(wanted & lemmas.key_set(text)))


def _within(inner: DateValue, outer: DateValue) -> bool:
    return outer.start <= inner.start and inner.last_day <= outer.last_day


def _published(article: Article) -> DateValue:
    start = article.published if article.published_precision == "day" else article.published.replace(day=1)
    return DateValue(start, article.published_precision)


@pytest.mark.parametrize(("article", "fact"), CURATED, ids=[f"{a.id}:{f.line}" for a, f in CURATED])
def test_curated_fact_is_dated_as_its_text_dates_it(article: Article, fact: CuratedFact) -> None:
    """A day needs the text's own word for it, in the fact's paragraph or text. A month or a
    year needs a date of the text within it, or is the coarser period the article was written
    in (the text gives no date: the fact says so by its precision), never just the publication
    date or month itself."""
    if fact.value.precision == "day":
        said = _mentions(article, fact.text) + _mentions(article, _source_paragraph(article, fact))
        assert fact.value in said, f"{fact.value} is not said in the paragraph of {fact.text!r}"
    else:
        said = _mentions(article, fact.text) + _mentions(article, article.body)
        published = _published(article)
        coarser = _within(published, fact.value) and fact.value != published
        assert coarser or any(_within(value, fact.value) for value in said), (
            f"{fact.value} is neither a period the text dates nor one holding the publication date"
        )


def test_the_audited_dates() -> None:
    """The four bundled curated facts, audited against their articles (issue 15)."""
    found = {(a.id, f.value.start.isoformat(), f.value.precision) for a, f in CURATED}
    assert found == {
        ("zamieszki-w-kazachstanie", "2022-01-06", "day"),  # "06.01.2021 r." corrected: not the 7th
        ("odkb-w-kazachstanie", "2022-01-01", "month"),  # no day: the protests' first week
        ("kazachstan-blizej-nato", "2022-07-01", "month"),  # the report is undated
        ("kazachstan-dystansuje-sie", "2023-01-01", "year"),  # undated, "od niedawna"
    }
