"""Extraction quality: the bot's dates and figures against the hand-made gold standard, and
dateparser's ``search_dates`` on the same sentences as the reference peer.

    python -m bench.extraction [--content DIR --gold DIR]

prints one line per category: precision, recall and F1 for the bot and for dateparser, for the
bundled articles and for the gold set of sentences written for it (``tests/gold/extra``), or for
the one set given. For figures, precision counts every number the bot reads as a figure that the
gold does not list (the gold lists every figure), and the figures it got wrong are named.
"""

from __future__ import annotations

import argparse
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from bot.content.loader import Article, load_content
from bot.extraction.facts import corrected
from bot.language.dates import find_dates
from bot.language.figures import QuantityMatcher, find_figures
from bot.language.lemmas import fold
from bot.language.sentences import split_sentences

REPO = Path(__file__).resolve().parent.parent
#: The bundled content and its gold, and the sentences written for the gold standard.
SETS = {
    "bundled articles": (REPO / "content", REPO / "tests" / "gold"),
    "own sentences (tests/gold/extra)": (
        REPO / "tests" / "gold" / "extra" / "content",
        REPO / "tests" / "gold" / "extra",
    ),
}
DATE_CATEGORIES = ("full", "no_year", "month", "year", "weekday", "range")
CATEGORIES = (*DATE_CATEGORIES, "dates", "figures")
_KIND_TO_CATEGORY = {
    "full": "full",
    "no_year": "no_year",
    "month": "month",
    "year": "year",
    "weekday": "weekday",
    "relative": "weekday",
    "range": "range",
}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    ours: dict[str, Score] = field(default_factory=lambda: {c: Score() for c in CATEGORIES})
    peer: dict[str, Score] = field(default_factory=lambda: {c: Score() for c in CATEGORIES})
    #: Figures read that the gold does not list (or lists otherwise), and gold figures missed.
    wrong_figures: list[str] = field(default_factory=list)
    missed_figures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GoldDate:
    text: str
    start: date
    precision: str
    end: date | None
    category: str


def _norm(text: str) -> str:
    return fold(" ".join(text.split()))


def load_gold(folder: Path, article_id: str) -> tuple[list[GoldDate], list[dict[str, object]]]:
    data = tomllib.loads((folder / f"{article_id}.toml").read_text(encoding="utf-8"))
    dates = [GoldDate(d["text"], d["date"], d["precision"], d.get("end"), d["category"]) for d in data["dates"]]
    return dates, list(data["figures"])


def _sentences(article: Article) -> list[str]:
    return [corrected(s.text, article.errata)[0] for s in split_sentences(article.body)]


def _match_dates(
    predicted: list[tuple[str, date, date | None, str]], gold: list[GoldDate], score: dict[str, Score]
) -> None:
    """Predicted (text, start, end, category): a hit needs overlapping text and the same dates."""
    unmatched = list(gold)
    for text, start, end, category in predicted:
        hit = next(
            (
                g
                for g in unmatched
                if (_norm(g.text) in _norm(text) or _norm(text) in _norm(g.text))
                and g.start == start
                and (g.end is None or end is None or g.end == end)
            ),
            None,
        )
        if hit is None:
            score[category].fp += 1
            score["dates"].fp += 1
        else:
            unmatched.remove(hit)
            score[hit.category].tp += 1
            score["dates"].tp += 1
    for missed in unmatched:
        score[missed.category].fn += 1
        score["dates"].fn += 1


def _peer_category(text: str) -> str:
    """dateparser says nothing of what kind of expression it found; guess it from the text."""
    folded = fold(text)
    if re.search(r"\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2} \w+ \d{4}", folded):
        return "full"
    if re.search(r"\d{1,2} \w+", folded):
        return "no_year"
    if re.search(r"poniedzial|wtor|srod|czwart|piat|sobot|niedziel|wczoraj|jutro|dzis", folded):
        return "weekday"
    if re.search(r"\d{4}", folded):
        return "year"
    return "month"


def _peer_dates(sentence: str, published: date, gold: list[GoldDate]) -> list[tuple[str, date, date | None, str]]:
    from dateparser.search import search_dates

    found = (
        search_dates(
            sentence,
            languages=["pl"],
            settings={"RELATIVE_BASE": datetime.combine(published, datetime.min.time()), "PREFER_DATES_FROM": "past"},
        )
        or []
    )
    results = []
    for text, moment in found:
        value = moment.date()
        # Give the peer credit for the precision it cannot express: a month is right when its
        # year and month are, a year when its year is, a range when it finds the start.
        for g in gold:
            if (_norm(g.text) in _norm(text) or _norm(text) in _norm(g.text)) and (
                (g.precision == "month" and (value.year, value.month) == (g.start.year, g.start.month))
                or (g.precision == "year" and value.year == g.start.year)
            ):
                value = g.start
        results.append((text, value, None, _peer_category(text)))
    return results


def _match_figures(
    predicted: list[tuple[str, float, str | None, str | None]],
    gold: list[dict[str, object]],
    score: Score,
    report: Report | None = None,
) -> None:
    unmatched = list(gold)
    for text, value, qualifier, quantity in predicted:
        hit = next(
            (
                g
                for g in unmatched
                if (_norm(str(g["text"])) in _norm(text) or _norm(text) in _norm(str(g["text"])))
                and g["value"] == value
                and g.get("qualifier") == qualifier
                and g.get("quantity") == quantity
            ),
            None,
        )
        if hit is None:
            score.fp += 1
            if report is not None:
                report.wrong_figures.append(f"{text!r} = {value} {qualifier or ''} {quantity or ''}".rstrip())
        else:
            unmatched.remove(hit)
            score.tp += 1
    score.fn += len(unmatched)
    if report is not None:
        report.missed_figures += [repr(g["text"]) for g in unmatched]


def evaluate(
    content_dir: Path = REPO / "content", gold_dir: Path = REPO / "tests" / "gold", with_peer: bool = True
) -> Report:
    content = load_content(content_dir)
    quantities = tuple(QuantityMatcher.of(q) for q in content.quantities)
    report = Report()
    for article in content.articles:
        gold_dates, gold_figures = load_gold(gold_dir, article.id)
        ours: list[tuple[str, date, date | None, str]] = []
        peer: list[tuple[str, date, date | None, str]] = []
        figures: list[tuple[str, float, str | None, str | None]] = []
        for sentence in _sentences(article):
            mentions = find_dates(sentence, article.published, article.published_precision == "day")
            ours += [(m.text, m.value.start, m.value.end, _KIND_TO_CATEGORY[m.kind]) for m in mentions]
            figures += [
                (f.text, f.value, f.qualifier, f.quantity)
                for f in find_figures(sentence, quantities, [(m.start, m.end) for m in mentions])
            ]
            if with_peer:
                peer += _peer_dates(sentence, article.published, gold_dates)
        _match_dates(ours, gold_dates, report.ours)
        _match_figures(figures, gold_figures, report.ours["figures"], report)
        if with_peer:
            _match_dates(peer, gold_dates, report.peer)
            report.peer["figures"].fn += len(gold_figures)  # dateparser finds no figures
    return report


def _print(report: Report) -> None:
    print(f"{'category':<10} {'bot P':>6} {'R':>6} {'F1':>6}   {'dateparser P':>12} {'R':>6} {'F1':>6}   gold")
    for category in CATEGORIES:
        ours, peer = report.ours[category], report.peer[category]
        gold = ours.tp + ours.fn
        # dateparser reads no figures: no precision to speak of.
        peer_scores = (
            f"{peer.precision:12.2f} {peer.recall:6.2f} {peer.f1:6.2f}"
            if category != "figures"
            else f"{'–':>12} {'–':>6} {'–':>6}"
        )
        print(f"{category:<10} {ours.precision:6.2f} {ours.recall:6.2f} {ours.f1:6.2f}   {peer_scores}   {gold}")
    counts = Counter({c: report.ours[c].fp for c in CATEGORIES if report.ours[c].fp})
    if counts:
        print("bot false positives:", dict(counts))
    if report.wrong_figures:
        print("figures read wrong or not in the gold:", "; ".join(report.wrong_figures))
    if report.missed_figures:
        print("gold figures missed:", "; ".join(report.missed_figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", type=Path, help="a content folder (with --gold): score this set only")
    parser.add_argument("--gold", type=Path, help="the gold folder for --content")
    args = parser.parse_args()
    if (args.content is None) != (args.gold is None):
        parser.error("give --content and --gold together")
    sets = {str(args.content): (args.content, args.gold)} if args.content else SETS
    for index, (name, (content, gold)) in enumerate(sets.items()):
        print(("\n" if index else "") + f"{name}:")
        _print(evaluate(content, gold))


if __name__ == "__main__":
    main()
