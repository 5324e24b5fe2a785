"""Event merging against the hand-made gold: which facts are one happening.

    python -m bench.events [--corpus N]

Builds the facts of the bundled articles together with the articles written for the events gold
(`tests/gold/events/articles/`), merges them into events, and prints the precision and recall of
merges over pairs of facts (a pair is merged when both facts are in one event) against
`tests/gold/events.toml`, then each wrong or missed pair. With ``--corpus N`` it also times
merging the facts of a generated corpus of N articles (``bench/corpus.py``).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.corpus import write_corpus
from bot.briefings.service import Briefing
from bot.extraction.facts import Fact
from bot.knowledge.events import Event, build_events

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "tests" / "gold" / "events.toml"
EXTRA = REPO / "tests" / "gold" / "events" / "articles"


@dataclass(frozen=True)
class Score:
    true_pairs: set[frozenset[str]]
    found_pairs: set[frozenset[str]]

    @property
    def precision(self) -> float:
        return len(self.true_pairs & self.found_pairs) / len(self.found_pairs) if self.found_pairs else 1.0

    @property
    def recall(self) -> float:
        return len(self.true_pairs & self.found_pairs) / len(self.true_pairs) if self.true_pairs else 1.0


def corpus(into: Path) -> Path:
    """The bundled content with the gold's own articles added, in a folder under ``into``."""
    content = into / "content"
    shutil.copytree(REPO / "content", content)
    for article in EXTRA.glob("*.md"):
        shutil.copy(article, content / "articles" / article.name)
    return content


def fact_named(facts: Sequence[Fact], name: str) -> Fact:
    """The one fact "article-id: fragment" names (the fragment as the article prints it)."""
    article, fragment = (part.strip() for part in name.split(":", 1))
    found = [f for f in facts if f.article == article and (fragment in f.quote or fragment in f.text)]
    if len(found) != 1:
        raise ValueError(f"{GOLD.name}: {name!r} names {len(found)} facts, not one")
    return found[0]


def gold_groups(facts: Sequence[Fact], path: Path = GOLD) -> tuple[list[set[str]], list[set[str]]]:
    """The gold's events and its pairs that must stay apart, as sets of fact ids."""
    gold = tomllib.loads(path.read_text(encoding="utf-8"))

    def ids(entries: Iterable[dict[str, list[str]]]) -> list[set[str]]:
        return [{fact_named(facts, name).id for name in entry["facts"]} for entry in entries]

    return ids(gold.get("events", [])), ids(gold.get("apart", []))


def pairs(groups: Iterable[Iterable[str]]) -> set[frozenset[str]]:
    return {frozenset(pair) for group in groups for pair in combinations(sorted(group), 2)}


def score(events: Sequence[Event], gold: Sequence[set[str]]) -> Score:
    return Score(pairs(gold), pairs([f.id for f in event.facts] for event in events))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=int, default=0, metavar="N", help="also time a generated corpus")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        briefing = Briefing.load(corpus(Path(folder)), Path(folder) / "data", ZoneInfo("UTC"))
        knowledge = briefing.knowledge
        gold, apart = gold_groups(knowledge.facts)
        result = score(knowledge.events, gold)
        merged = sum(len(e.facts) > 1 for e in knowledge.events)
        print(f"facts {len(knowledge.facts)}  events {len(knowledge.events)}  merged events {merged}")
        print(
            f"merges: precision {result.precision:.2f}  recall {result.recall:.2f}  "
            f"(gold pairs {len(result.true_pairs)}, merged pairs {len(result.found_pairs)})"
        )
        by_id = knowledge.by_id
        for pair in sorted(result.found_pairs - result.true_pairs, key=sorted):
            print("  wrongly merged:", " + ".join(f"{by_id[i].article}:{by_id[i].line}" for i in sorted(pair)))
        for pair in sorted(result.true_pairs - result.found_pairs, key=sorted):
            print("  missed:", " + ".join(f"{by_id[i].article}:{by_id[i].line}" for i in sorted(pair)))
        kept = sum(not pairs([ids]) & result.found_pairs for ids in apart)
        print(f"pairs that must stay apart: {kept} of {len(apart)} apart")
    if args.corpus:
        with tempfile.TemporaryDirectory() as folder:
            content = Path(folder) / "content"
            write_corpus(args.corpus, content)
            briefing = Briefing.load(content, Path(folder) / "data", ZoneInfo("UTC"))
            facts = briefing.knowledge.facts
            started = time.perf_counter()
            events = build_events(facts, briefing.knowledge.article_numbers)
            took = time.perf_counter() - started
            print(f"corpus of {args.corpus} articles: {len(facts)} facts into {len(events)} events in {took:.2f} s")


if __name__ == "__main__":
    main()
