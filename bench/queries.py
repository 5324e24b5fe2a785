"""Query latency: the bot's answers from its in-memory indexes against plain TinyDB queries.

    python -m bench.queries [--sizes 10000 100000] [--work DIR] [--runs 300] [--plain-runs 5]
                            [--index-sizes 250000]

For each size (facts; the corpus has ~24 facts an article), a corpus from ``bench/corpus.py``
is built once into ``--work`` (kept for the next run). Then each query is asked in process:
on the bot's side the whole ``Briefing.ask`` (parsing, index lookup, the first page's cards)
plus rendering the first page as Telegram HTML, i.e. what a user waits for; on the plain side
the same question as a TinyDB user without indexes would ask it of the same store. Each query
cycles through a list of arguments (months, days, words, fact ids), the same on both sides,
and each distinct request is asked once before timing (warm-up: first-use costs such as the
lemmatiser, the search-key index and a topic's page plan are reported as "first", not timed).

Prints one line per query and size: p50 and p99 of the bot, of plain TinyDB, and plain / bot
(of the p50s). "/search new word" asks words never searched before, each once (the bot keeps the
page plans of recent searches); "/search new, warmed" the same after ``replies.warm_up``; and per
size the cost of building the indexes: ``Knowledge.build`` and its
``warm_up`` (what is otherwise built on first use). ``--index-sizes`` only measures those.
"""

from __future__ import annotations

import argparse
import calendar
import gc
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tinydb import Query, TinyDB
from tinydb.queries import QueryLike

from bench.corpus import write_corpus
from bot.base.storage import PickleStorage
from bot.briefings import replies
from bot.briefings.service import Briefing
from bot.knowledge.indexes import Knowledge
from bot.language import lemmas
from bot.platforms.telegram.render import render_html
from bot.store.fact_store import SHARDS, FactStore, StoreView

FACTS_PER_ARTICLE = 24.3  # what bench/corpus.py yields, measured
TODAY = datetime(2026, 1, 6, 12, tzinfo=UTC)  # fixed, so that /onthisday is reproducible
TOPIC = "csto"
SEARCH_WORDS = ("Tokajew", "ODKB", "sankcje", "Aktobe")


@dataclass(frozen=True, slots=True)
class Case:
    name: str  # as printed
    requests: list[str]  # cycled through
    plain: Callable[[str], Any]  # the same request as plain TinyDB queries
    fresh: bool = False  # each request asked once, none before: nothing the bot keeps helps it


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# --- the plain TinyDB side ------------------------------------------------------------------------


def _start(doc: dict[str, Any]) -> date:
    return date.fromisoformat(doc["date"])  # stored as in ``facts --json``: YYYY-MM-DD


def _last_day(doc: dict[str, Any]) -> date:
    start = _start(doc)
    precision = doc["precision"]
    if precision == "day":
        return start
    if precision == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if precision == "year":
        return start.replace(month=12, day=31)
    return date.fromisoformat(doc["end"])


def _date_order(doc: dict[str, Any]) -> tuple[date, int, str, int, str]:
    """The bot's fact order: start, longer periods first, article, line, id."""
    return _start(doc), -_last_day(doc).toordinal(), doc["article"], doc["line"], doc["id"]


class Plain:
    """The questions as a competent TinyDB user would ask them of the same store, with no index:
    a query per shard, the results filtered and sorted as the bot does. A fresh TinyDB per
    query, so that each re-reads its files (TinyDB's default storage does; its per-table query
    cache would otherwise answer a repeated query from memory)."""

    def __init__(self, data_dir: Path, today: date) -> None:
        store = FactStore(data_dir)
        self.paths = store.shard_paths()
        self.keys_paths = [p for p in (store.path(i, "keys") for i in range(SHARDS)) if p.is_file()]
        self.today = today

    def search(self, condition: QueryLike, table: str = "facts") -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for path in self.paths:
            with TinyDB(path, storage=PickleStorage, access_mode="r") as db:
                found += db.table(table).search(condition)
        return found

    def timeline_month(self, request: str) -> list[dict[str, Any]]:
        year, month = (int(part) for part in request.split()[1].split("-"))
        start = date(year, month, 1)
        last = start.replace(day=calendar.monthrange(year, month)[1])
        span = (last - start).days
        high = last.isoformat()

        def belongs(doc: dict[str, Any]) -> bool:  # overlapping, and days or no longer than the month
            end = _last_day(doc)
            if end < start:
                return False
            days = doc["precision"] == "day" or (
                doc["precision"] == "range"
                and (_start(doc).month, _start(doc).day, end.month, end.day) != (1, 1, 12, 31)
            )
            return days or (end - _start(doc)).days <= span

        docs = self.search(Query().date.test(lambda d: d <= high))
        return sorted((d for d in docs if belongs(d)), key=_date_order)

    def timeline_topic(self, request: str) -> list[dict[str, Any]]:
        return sorted(self.search(Query().topics.any([request.split()[1]])), key=_date_order)

    def on_this_day(self, request: str) -> list[dict[str, Any]]:
        month, day = (int(part) for part in request.split()[1].split("-"))
        wanted = {(month, day)}
        if (month, day) == (2, 28) and not calendar.isleap(self.today.year):
            wanted.add((2, 29))
        days = {f"-{m:02d}-{d:02d}" for m, d in wanted}
        today = self.today.isoformat()
        docs = self.search((Query().precision == "day") & Query().date.test(lambda d: d[-6:] in days and d < today))
        return sorted(docs, key=lambda d: d["date"])

    def search_words(self, request: str) -> list[dict[str, Any]]:
        """Every word in some form: its folded form, its lemma, or a key with its stem (as
        ``lemmas.matches``), tested on each fact's keys in the keys files, then those facts."""
        condition: QueryLike | None = None
        for term in lemmas.words(request.split(maxsplit=1)[1]):
            folded, base = lemmas.fold(term), lemmas.lemma(term)
            prefix = lemmas.stem(folded) if len(folded) >= 4 else None

            def matches(keys: list[str], folded: str = folded, base: str = base, prefix: str | None = prefix) -> bool:
                return any(
                    k == folded
                    or k == base
                    or (prefix is not None and k.startswith(prefix) and len(k) - len(prefix) <= 4)
                    for k in keys
                )

            test = Query().keys.test(matches)
            condition = test if condition is None else condition & test
        assert condition is not None
        ids: list[str] = []
        for path in self.keys_paths:
            with TinyDB(path, storage=PickleStorage, access_mode="r") as db:
                ids += [d["id"] for d in db.table("keys").search(condition)]
        return sorted(self.search(Query().id.one_of(set(ids))), key=_date_order)  # a set: one_of tests `in`

    def topic_card(self, request: str) -> tuple[int, int, date, date, list[dict[str, Any]]]:
        """The topic's facts, their count, articles and period: what the card's first page
        shows besides the curated summary (figure comparisons left out: the plain side does less)."""
        docs = sorted(self.search(Query().topics.any([request.lstrip("/")])), key=_date_order)
        return (len(docs), len({d["article"] for d in docs}), _start(docs[0]), max(_last_day(d) for d in docs), docs)

    def source_of(self, request: str) -> dict[str, Any] | None:
        """One fact by id: shard after shard until it is found (its shard is chosen by the hash
        of its article's id, which the fact id does not tell)."""
        wanted = request.split()[1]
        for path in self.paths:
            with TinyDB(path, storage=PickleStorage, access_mode="r") as db:
                found = db.table("facts").get(Query().id == wanted)
            if found is not None:
                return dict(found)
        return None

    def article_list(self, request: str) -> list[dict[str, Any]]:
        docs = self.search(Query().id.exists(), table="articles")
        return sorted(docs, key=lambda d: (d["parsed"].published, d["id"]))


# --- measuring --------------------------------------------------------------------------------------


def load(work: Path, facts: int) -> tuple[Briefing, Path, float]:
    """The corpus of about ``facts`` facts, built once into ``work``; and the load time."""
    articles = round(facts / FACTS_PER_ARTICLE)
    content, data = work / f"corpus-{articles}", work / f"data-{articles}"
    if not (content / "articles").is_dir():
        write_corpus(articles, content)
    started = time.perf_counter()
    briefing = Briefing.load(content, data, ZoneInfo("Europe/Warsaw"), clock=lambda: TODAY)
    loaded = time.perf_counter() - started
    briefing.warm_up().join()  # as the bot does at start (bot/app.py), in the background
    return briefing, data, loaded


def index_build(briefing: Briefing) -> tuple[float, float, float]:
    """Seconds for ``Knowledge.build`` over the loaded facts, and for ``warm_up``: the indexes it
    builds on first use, deriving every view (search keys and figures read from the store's files
    included), and then with the views that the warm-up of ``load`` saved (as a restart finds
    them). With the cycle collector off, as ``Briefing.load`` runs it."""
    content, sync = briefing.content, briefing.sync
    view = briefing.knowledge.deferred
    assert isinstance(view, StoreView)
    times = []
    for deferred in (replace(view, generations=()), view):  # no views match the generations ()
        gc.collect()
        gc.disable()
        started = time.perf_counter()
        knowledge = Knowledge.build(
            content.articles, content.topics, sync.facts, (), content.quantities, deferred=deferred
        )
        times.append(time.perf_counter() - started)
        started = time.perf_counter()
        knowledge.warm_up()
        times.append(time.perf_counter() - started)
        gc.enable()
    return times[0], times[1], times[3]


def cases(briefing: Briefing, plain: Plain, new_words: list[str]) -> list[Case]:
    knowledge = briefing.knowledge
    years = sorted({f.value.start.year for f in knowledge.facts})
    middle = years[len(years) // 2]
    months = [f"/timeline {y}-{m:02d}" for y in (middle - 1, middle) for m in range(1, 13)]
    first_day = date(2001, 1, 1)
    days = [f"/onthisday {(first_day + timedelta(days=n)):%m-%d}" for n in range(0, 365, 7)] + ["/onthisday 02-28"]
    step = max(1, len(knowledge.facts) // 97)
    ids = [f"/sources {f.id}" for f in knowledge.facts[::step]]
    return [
        Case("/timeline YYYY-MM", months, plain.timeline_month),
        Case(f"/timeline {TOPIC}", [f"/timeline {TOPIC}"], plain.timeline_topic),
        Case("/onthisday MM-DD", days, plain.on_this_day),
        Case("/search word", [f"/search {w}" for w in SEARCH_WORDS], plain.search_words),
        Case("/search new word", [f"/search {w}" for w in new_words], plain.search_words, fresh=True),
        Case(f"/{TOPIC} (topic card)", [f"/{TOPIC}"], plain.topic_card),
        Case("/sources <fact id>", ids, plain.source_of),
        Case("/sources (articles)", ["/sources"], plain.article_list),
    ]


def fresh_words(briefing: Briefing, limit: int = 300) -> list[str]:
    """Words of the facts that find 0.5-10% of them (as the words of ``SEARCH_WORDS`` do), not
    searched yet: the bot keeps the page plans of recent searches, and these have none."""
    knowledge = briefing.knowledge
    low, high = len(knowledge.facts) // 200, len(knowledge.facts) // 10
    taken = {tuple(lemmas.words(w)) for w in SEARCH_WORDS}
    found: list[str] = []
    for fact in knowledge.facts[::7]:
        for word in lemmas.words(fact.text):
            if (word,) not in taken and word.isalpha():
                taken.add((word,))
                if low <= len(knowledge.search_positions(word)) <= high:  # finds facts, plans no pages
                    found.append(word)
                    if len(found) == limit:
                        return found
    return found


def time_bot(briefing: Briefing, case: Case, runs: int) -> tuple[float, list[float]]:
    """Milliseconds of the first call of each request, and of ``runs`` calls after that; of a
    fresh case, each request once (the first calls are the samples)."""

    def once(text: str) -> float:
        started = time.perf_counter()
        reply = briefing.ask(text)
        render_html(reply.cards[0])
        return (time.perf_counter() - started) * 1000

    if case.fresh:
        samples = [once(text) for text in case.requests]
        return max(samples), samples
    first = max(once(text) for text in case.requests)  # warm-up: every distinct request once
    return first, [once(case.requests[n % len(case.requests)]) for n in range(runs)]


def time_plain(case: Case, runs: int) -> list[float]:
    samples = []
    for n in range(runs):
        started = time.perf_counter()
        case.plain(case.requests[n % len(case.requests)])
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="facts")
    parser.add_argument("--work", type=Path, default=None, help="keep corpora and stores here (default: temporary)")
    parser.add_argument("--runs", type=int, default=300, help="timed calls per query on the bot's side")
    parser.add_argument("--plain-runs", type=int, default=5, help="timed calls per query on the plain side")
    parser.add_argument("--index-sizes", type=int, nargs="*", default=[], help="facts; index build only")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    # Latencies of a millisecond see the scheduler: say how busy the machine was.
    print(
        f"queries: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start, "
        f"{args.runs} timed calls a query (bot), {args.plain_runs} (plain)"
    )
    for size in args.index_sizes:
        briefing, _, loaded = load(work, size)
        built, keys, saved = index_build(briefing)
        print(
            f"index build {len(briefing.knowledge.facts):>7} facts  Knowledge.build {built * 1000:7.1f} ms  "
            f"warm_up {keys * 1000:7.1f} ms, with saved views {saved * 1000:6.1f} ms  (whole load {loaded:.1f} s)"
        )
    for size in args.sizes:
        briefing, data, loaded = load(work, size)
        facts = len(briefing.knowledge.facts)
        built, keys, saved = index_build(briefing)
        print(
            f"index build {facts:>7} facts  Knowledge.build {built * 1000:7.1f} ms  "
            f"warm_up {keys * 1000:7.1f} ms, with saved views {saved * 1000:6.1f} ms  (whole load {loaded:.1f} s)"
        )
        plain = Plain(data, briefing.today())
        words = fresh_words(briefing)
        for case in [
            *cases(briefing, plain, words[::2]),
            "warm line costs",
            Case("/search new, warmed", [f"/search {w}" for w in words[1::2]], plain.search_words, fresh=True),
        ]:
            if isinstance(case, str):
                # The bot's start-up thread does not do this yet (replies.warm_up is new): it works
                # out every fact's line cost, which a search otherwise does for facts never shown.
                started = time.perf_counter()
                replies.warm_up(briefing.knowledge)
                print(
                    f"{facts:>7} facts  replies.warm_up (every line cost, pl and en) "
                    f"{(time.perf_counter() - started) * 1000:.0f} ms"
                )
                continue
            first, bot = time_bot(briefing, case, args.runs)
            raw = time_plain(case, args.plain_runs)
            bot50, bot99 = statistics.median(bot), percentile(bot, 0.99)
            plain50, plain99 = statistics.median(raw), percentile(raw, 0.99)
            print(
                f"{facts:>7} facts  {case.name:<22} bot p50 {bot50:6.2f} ms  p99 {bot99:6.2f} ms  "
                f"(first {first:7.1f} ms)  plain p50 {plain50:8.1f} ms  p99 {plain99:8.1f} ms  "
                f"plain/bot {plain50 / bot50:7.0f}x"
            )


if __name__ == "__main__":
    main()
