"""Explain mode for content authors: each sentence with the dates and figures the bot read in it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.content.loader import Article, load_content
from bot.extraction.facts import corrected
from bot.i18n.messages import format_date
from bot.language.dates import find_dates
from bot.language.figures import Quantity, QuantityMatcher, find_figures
from bot.language.sentences import split_sentences


def explain_article(content_dir: Path, path: Path, out: TextIO) -> int:
    """Print what the bot understands in one article; 1 when the file has problems."""
    content = load_content(content_dir)
    target = path.resolve()
    problems = [p for p in content.problems if p.path.resolve() == target]
    for problem in problems + [p for p in content.warnings if p.path.resolve() == target]:
        print(problem, file=out)
    article = next((a for a in content.articles if a.path.resolve() == target), None)
    if article is None:
        if not problems:
            print(f"{path}:1: not an article of {content_dir}/articles (or not a .md file there)", file=out)
        return 1
    describe(article, content.quantities, path, out)
    return 0


def describe(
    article: Article, quantities: Sequence[Quantity], path: Path, out: TextIO, found_only: bool = False
) -> None:
    """Print one parsed article's sentences with the dates and figures read in each; with
    ``found_only``, only the sentences that hold some (an inbox listing)."""
    matchers = tuple(QuantityMatcher.of(q) for q in quantities)
    labels = {q.key: q.label for q in quantities}
    print(
        f"{path}: {article.id}, published {article.published} ({article.published_precision}), "
        f"language {article.language}",
        file=out,
    )
    for sentence in split_sentences(article.body):
        text, printed = corrected(sentence.text, article.errata)
        mentions = find_dates(text, article.published, article.published_precision == "day")
        figures = find_figures(text, matchers, [(m.start, m.end) for m in mentions])
        if found_only and not mentions and not figures:
            continue
        line = article.body_line + sentence.line - 1
        print(f"\n{path}:{line}: {sentence.text}", file=out)
        if printed:
            print(f"    erratum: {printed!r} corrected, read as: {text}", file=out)
        for mention in mentions:
            value = mention.value
            end = f"..{value.end}" if value.end else ""
            print(
                f"    date   {mention.text!r} → {value.start}{end} ({value.precision}, {mention.kind}: "
                f"{format_date(value, 'pl')})",
                file=out,
            )
        for figure in figures:
            quantity = (
                f"quantity {figure.quantity} ({labels[figure.quantity]})"
                if figure.quantity
                else "no quantity (add words to quantities.toml)"
            )
            qualifier = f"{figure.qualifier} " if figure.qualifier else ""
            unit = f" {figure.unit}" if figure.unit else ""
            counted = f", counts {figure.counted}" if figure.counted else ""
            print(f"    figure {figure.text!r} → {qualifier}{figure.value}{unit}{counted}; {quantity}", file=out)
        if not mentions and not figures:
            print("    (no dates, no figures)", file=out)
    if article.language != "pl":
        print("\nnote: dates and figures are read from Polish text only; this article gets its curated facts", file=out)
