"""Everything the bot knows, in memory, with the indexes that answer commands quickly."""

from __future__ import annotations

import bisect
import calendar
import hashlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cached_property
from operator import itemgetter
from typing import Any, Protocol, TypeVar

from bot.content.loader import Article, Topic
from bot.content.references import ListFlag, check_lists
from bot.extraction.facts import FACT_ORDER, Fact
from bot.knowledge.events import Event, build_events, event_id
from bot.language import lemmas
from bot.language.dates import DateValue, between
from bot.language.figures import FigureGroup, Quantity, SourcedFigure, group_figures

T = TypeVar("T")


class Deferred(Protocol):
    """What a fact store reads from disk on first use rather than at start-up."""

    def search_keys(self) -> Iterable[tuple[str, Sequence[str]]]: ...

    def figures(self) -> list[SourcedFigure]: ...

    def varying_quantities(self) -> set[str]: ...

    def saved_views(self) -> dict[str, Any] | None: ...

    def save_views(self, views: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class SavedViews:
    """What ``warm_up`` and the topic cards derive at a cost that grows with the store, saved
    with the fact store so that the next start on the same store does not derive it again for
    its first search or topic card."""

    #: ``facts`` as positions in ``given`` (so also how many facts the positions are of), for a
    #: ``given`` of this ``given_digest``: a restart gets its facts from the store in the same
    #: order, so sorting them is a lookup.
    order: array[int]
    given_digest: bytes
    search: dict[str, array[int]]  # ``_by_key``
    figure_groups: list[FigureGroup]
    list_flags: dict[str, list[ListFlag]]  # of every topic
    #: ``events`` as the positions in ``facts`` of each event's facts, one after the other (the
    #: leading fact first), where each event's facts start, and each event's headline.
    events: tuple[array[int], array[int], list[str]]
    #: ``_articles_by_key``: articles by the words of their title and text, and of their title.
    articles: tuple[dict[str, array[int]], dict[str, array[int]]]


def _digest(facts: Sequence[Fact]) -> bytes:
    """Of the facts' ids in their order."""
    return hashlib.blake2b("\n".join([f.id for f in facts]).encode(), digest_size=16).digest()


def _matching(term: str, vocabulary: Sequence[str] | set[str]) -> set[str]:
    """The keys of a vocabulary that a typed term matches (see ``lemmas.candidates``): a sorted
    list is bisected for each stem; a small set is tested whole."""
    exact, prefixes = lemmas.candidates(term)
    if isinstance(vocabulary, set):
        return lemmas.matches(term, vocabulary) & vocabulary
    found = set(exact)
    for prefix in prefixes:
        index = bisect.bisect_left(vocabulary, prefix)
        while index < len(vocabulary) and vocabulary[index].startswith(prefix):
            if len(vocabulary[index]) - len(prefix) <= 4:
                found.add(vocabulary[index])
            index += 1
    return found


@dataclass(frozen=True, slots=True)
class Lookup:
    """The answer to "which article/topic did the user mean": one, several, or none."""

    found: Article | Topic | None
    candidates: tuple[str, ...] = ()


@dataclass
class Knowledge:
    articles: dict[str, Article]
    topics: dict[str, Topic]
    #: The facts in the order given: ``facts`` sorts them on first use, as the indexes are built.
    given: Sequence[Fact] = field(repr=False)
    figures: list[SourcedFigure] = field(default_factory=list)
    quantities: tuple[Quantity, ...] = ()
    #: What a fact store reads on first use instead of at start-up (the search keys, which
    #: stored facts then lack, and the figures); None when facts and figures are given whole.
    deferred: Deferred | None = field(default=None, repr=False)
    _flags: dict[str, list[ListFlag]] = field(init=False, default_factory=dict)
    #: Views derived on first use (per topic, per language): see ``memo``.
    _memo: dict[Hashable, Any] = field(init=False, default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        articles: list[Article] | tuple[Article, ...],
        topics: list[Topic] | tuple[Topic, ...],
        facts: Sequence[Fact],
        figures: list[SourcedFigure] | tuple[SourcedFigure, ...] = (),
        quantities: tuple[Quantity, ...] = (),
        deferred: Deferred | None = None,
    ) -> Knowledge:
        ordered_articles = sorted(articles, key=lambda a: (a.published, a.id))
        return cls(
            {a.id: a for a in ordered_articles}, {t.id: t for t in topics}, facts, list(figures), quantities, deferred
        )

    # The indexes are built on first use, each in one pass over the facts: a start that reads
    # a large store pays only for those its first answer needs, and ``warm_up`` builds the rest
    # in the background. (cached_property locks: a query arriving mid-build waits for it.)

    @cached_property
    def facts(self) -> list[Fact]:
        """Every fact in date order (``FACT_ORDER``). Sorted on first use: a store gives its facts
        shard after shard, and sorting them need not delay the start; the order saved with the
        store by an earlier run is cheaper to apply."""
        if self._in_saved_order:
            assert self._saved is not None
            return list(itemgetter(*self._saved.order)(self.given))
        return sorted(self.given, key=FACT_ORDER)

    @cached_property
    def _in_saved_order(self) -> bool:
        """Whether the views saved with the store are of these very facts: then ``facts`` are in
        the order saved, and the views' positions in ``facts`` hold."""
        saved = self._saved
        return saved is not None and len(saved.order) > 1 and saved.given_digest == _digest(self.given)

    @cached_property
    def by_id(self) -> dict[str, Fact]:
        return {f.id: f for f in self.facts}

    @cached_property
    def _starts(self) -> list[date]:
        return [f.value.start for f in self.facts]

    @cached_property
    def _by_month_day(self) -> dict[tuple[int, int], list[Fact]]:
        found: defaultdict[tuple[int, int], list[Fact]] = defaultdict(list)
        for fact in self.facts:
            if fact.value.precision == "day":
                found[(fact.value.start.month, fact.value.start.day)].append(fact)
        return found

    @cached_property
    def _by_topic(self) -> dict[str, list[int]]:
        """Positions in ``facts`` by topic."""
        found: defaultdict[str, list[int]] = defaultdict(list)
        for index, fact in enumerate(self.facts):
            for topic in fact.topics:
                found[topic].append(index)
        return found

    @cached_property
    def _by_article(self) -> dict[str, list[Fact]]:
        found: defaultdict[str, list[Fact]] = defaultdict(list)
        for fact in self.facts:
            found[fact.article].append(fact)
        return found

    @cached_property
    def _saved(self) -> SavedViews | None:
        """The views saved with the store by an earlier run, when they are of these facts."""
        stored = self.deferred.saved_views() if self.deferred is not None else None
        try:  # saved as a dict: views of another version's layout are not taken for these
            views = SavedViews(**stored) if isinstance(stored, dict) else None
        except TypeError:
            return None
        return views if views is not None and len(views.order) == len(self.given) else None

    @cached_property
    def _by_key(self) -> Mapping[str, Sequence[int]]:
        """Positions in ``facts`` by search key.

        Built on the first search, not at start-up: with an entry for every word of every fact it
        is the costliest index; ``warm_up`` builds it in advance,
        and ``save_views`` saves it for the next start.
        """
        if self._saved is not None:
            return self._saved.search
        found: defaultdict[str, list[int]] = defaultdict(list)
        keyed: Iterable[Sequence[str]]
        if self.deferred is None:
            keyed = (fact.keys for fact in self.facts)
        else:
            stored = dict(self.deferred.search_keys())
            keyed = (stored.get(fact.id, ()) for fact in self.facts)
        # In date order, so that each key's positions come sorted.
        for index, keys in enumerate(keyed):
            for key in keys:
                found[key].append(index)
        return dict(found)

    def warm_up(self) -> None:
        """Build the indexes that are otherwise built on first use."""
        for name in (
            "facts",
            "by_id",
            "_position_by_id",
            "_starts",
            "_reaching",
            "_by_month_day",
            "_by_topic",
            "_by_article",
            "_by_key",
            "_figure_groups",
            "events",
            "_event_of",
            "_article_vocabulary",
        ):
            getattr(self, name)

    def save_views(self) -> None:
        """Save the costly views (built now if need be) with the fact store, for the next start;
        nothing when they were read from it or there is no store."""
        if self.deferred is None or self._saved is not None:
            return
        search = {key: array("I", positions) for key, positions in self._by_key.items()}
        flags = {topic: self.list_flags(topic) for topic in self.topics}
        given = {id(fact): index for index, fact in enumerate(self.given)}
        order = array("I", (given[id(fact)] for fact in self.facts))
        position = self._position_by_id
        members = array("I", (position[f.id] for event in self.events for f in event.facts))
        starts = array("I", [0])
        for event in self.events:
            starts.append(starts[-1] + len(event.facts))
        events = (members, starts, [event.headline for event in self.events])
        by_text, by_title = self._articles_by_key
        articles = (
            {key: array("I", found) for key, found in by_text.items()},
            {key: array("I", found) for key, found in by_title.items()},
        )
        views = SavedViews(order, _digest(self.given), search, self._figure_groups, flags, events, articles)
        self.deferred.save_views({f.name: getattr(views, f.name) for f in fields(views)})

    # --- facts ---------------------------------------------------------------------------------

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value derived from this knowledge, computed on first use and kept: knowledge does not
        change once built (new content builds a new one), so neither do views of it such as a
        topic's period or the page plan of its timeline. Keys start with the asker's name.

        Commands run in worker threads: two may compute the same value, and both then get the
        one kept (``setdefault`` is atomic), so a list that both fill in is the same list.
        """
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            return self._memo.setdefault(key, compute())  # type: ignore[no-any-return]

    def timeline(self, period: DateValue | None = None, topic: str | None = None) -> list[Fact]:
        """Facts in date order: of a period (see ``timeline_positions``) and/or of a topic."""
        if period is None:
            return [self.facts[i] for i in self._by_topic.get(topic, [])] if topic else list(self.facts)
        return [self.facts[i] for i in self.timeline_positions(period, topic)]

    def timeline_positions(self, period: DateValue, topic: str | None = None) -> list[int]:
        """``timeline(period, topic)`` as positions in ``facts``.

        A fact belongs to a period when its span overlaps the period ("2–9 stycznia 2022" is in
        1–4 January), unless it is coarser than the period: a fact dated only to a month or a
        year (or a range of them) is listed only in a period at least as long as it, since in
        a shorter one it would read as if it happened then ("2022" is not in 1–4 January, nor
        "styczeń 2022" on 6 January; both are in 2022, and "styczeń 2022" in 2022-01).
        """
        first, last = period.start, period.last_day
        span = (last - first).days
        facts = self.facts

        def belongs(value: DateValue) -> bool:  # given that it overlaps: not coarser than the period
            return (
                value.precision == "day"
                or value.bounds == ("day", "day")
                or (value.last_day - value.start).days <= span
            )

        # Facts starting within the period overlap it. Of those starting before, only facts of
        # several days can reach into it: each bucket of them is searched back as far as its
        # longest reaches (a coarse one no further than the period is long), so one fact spanning
        # decades does not make every timeline scan decades.
        low = bisect.bisect_left(self._starts, first)
        high = bisect.bisect_right(self._starts, last)
        day_number = first.toordinal()
        earlier: list[int] = []
        for reaching, starts, longest, days_precise in self._reaching:
            back = bisect.bisect_left(starts, day_number - (longest if days_precise else min(longest, span)))
            earlier += [
                i
                for i in reaching[back : bisect.bisect_left(starts, day_number, back)]
                if facts[i].value.last_day >= first and belongs(facts[i].value)
            ]
        earlier.sort()
        return [
            i
            for i in (*earlier, *range(low, high))
            if (topic is None or topic in facts[i].topics) and (i < low or belongs(facts[i].value))
        ]

    @cached_property
    def _reaching(self) -> list[tuple[list[int], list[int], int, bool]]:
        """The facts longer than a day, in buckets by how many days they last past their start
        (1, 2–3, 4–7, …) and whether they are ranges of days (or months and years): each
        bucket's positions in ``facts``, their starts (as ordinals), the most days one of them
        lasts past its start, and whether they are ranges of days."""
        buckets: dict[tuple[bool, int], tuple[list[int], list[int]]] = {}
        longest: defaultdict[tuple[bool, int], int] = defaultdict(int)
        for index, fact in enumerate(self.facts):
            days = (fact.value.last_day - fact.value.start).days
            if days:
                key = (fact.value.bounds == ("day", "day"), days.bit_length())
                positions, starts = buckets.setdefault(key, ([], []))
                positions.append(index)
                starts.append(fact.value.start.toordinal())
                longest[key] = max(longest[key], days)
        return [(positions, starts, longest[key], key[0]) for key, (positions, starts) in sorted(buckets.items())]

    def positions(self, facts: Sequence[Fact]) -> list[int]:
        """Where facts of this knowledge stand in ``facts`` (date order)."""
        return [self._position_by_id[f.id] for f in facts]

    @cached_property
    def _position_by_id(self) -> dict[str, int]:
        return {f.id: i for i, f in enumerate(self.facts)}

    def on_this_day(self, month: int, day: int, before: date) -> list[Fact]:
        """Day-precise facts of this month and day from years before ``before``'s date.

        On 28 February of a common year, facts of 29 February count too.
        """
        found = list(self._by_month_day.get((month, day), []))
        leap_day_elsewhere = (month, day) == (2, 28) and not calendar.isleap(before.year)
        if leap_day_elsewhere:
            found += self._by_month_day.get((2, 29), [])
        return sorted((f for f in found if f.value.start < before), key=lambda f: f.value.start)

    def nearest_month_day(self, month: int, day: int, before: date) -> tuple[int, int] | None:
        """The month and day nearest to this one (either way round the year; the later one of
        two as near) that ``on_this_day`` finds facts for, other than this one itself."""
        wanted = date(2000, month, day)  # a leap year: 29 February is a day like the others
        best: tuple[int, int, int] | None = None  # (distance, after-ness, day of year)
        for (m, d), facts in self._by_month_day.items():
            if (m, d) == (month, day) or facts[0].value.start >= before:  # each list is in date order
                continue
            ahead = (date(2000, m, d) - wanted).days % 366
            candidate = (min(ahead, 366 - ahead), 0 if ahead <= 183 else 1, m * 100 + d)
            best = candidate if best is None or candidate < best else best
        return None if best is None else divmod(best[2], 100)

    def topic_positions(self, topic_id: str) -> Sequence[int]:
        """``timeline(topic=...)`` as positions in ``facts``, not copied: read only."""
        return self._by_topic.get(topic_id, [])

    def topic_period(self, topic_id: str) -> DateValue | None:
        """The period a topic's facts cover, from the first to the last, each end as precise as
        its fact: "2–9 stycznia 2022", "21 lutego 2022 – czerwiec 2023", "2022"."""

        def compute() -> DateValue | None:
            positions = self._by_topic.get(topic_id)
            if not positions:
                return None
            # The last is the fact ending last; of those, the one starting first (the coarsest).
            last = max((self.facts[i].value for i in positions), key=lambda v: (v.last_day, -v.start.toordinal()))
            return between(self.facts[positions[0]].value, last)

        return self.memo(("topic_period", topic_id), compute)

    def of_article(self, article_id: str) -> list[Fact]:
        return list(self._by_article.get(article_id, []))

    def search(self, text: str) -> list[Fact]:
        """Facts that contain every word of ``text`` in some form, in date order."""
        return [self.facts[i] for i in self.search_positions(text)]

    def search_positions(self, text: str) -> list[int]:
        """``search(text)`` as positions in ``facts``."""
        terms = lemmas.words(text)
        if not terms:
            return []
        postings = [[self._by_key[k] for k in self.matching_keys(term) if k in self._by_key] for term in terms]
        if len(postings) == 1 and len(postings[0]) == 1:
            return list(postings[0][0])  # one word, one key: its list is the answer, in order
        hits: set[int] | None = None
        for lists in postings:
            found: set[int] = set()
            for positions in lists:
                found.update(positions)
            hits = found if hits is None else hits & found
            if not hits:
                return []
        return sorted(hits or ())

    @cached_property
    def _vocabulary(self) -> list[str]:
        """Every search key, sorted: the keys sharing a prefix are one slice of it."""
        return sorted(self._by_key)

    def matching_keys(self, term: str) -> set[str]:
        """The search keys a typed term matches: ``lemmas.matches`` over the whole vocabulary,
        found by bisecting the sorted keys for each stem instead of testing every key."""
        return _matching(term, self._vocabulary)

    # --- articles by their words ---------------------------------------------------------------

    @staticmethod
    def _word_keys(text: str) -> set[str]:
        """The folded forms and lemmas of a text's words, each distinct word lemmatised once."""
        forms = {word.lower() for word in lemmas.words(text)}
        return {lemmas.fold(w) for w in forms} | {lemmas.lemma(w) for w in forms}

    @cached_property
    def _articles_by_key(self) -> tuple[Mapping[str, Sequence[int]], Mapping[str, Sequence[int]]]:
        """Positions in ``articles`` (publication order) by the keys (``_word_keys``) of their
        title and text, and of their title alone: what a search finds beyond dated sentences.
        Built on the first search, or read from the saved views."""
        if self._saved is not None:
            return self._saved.articles
        found: defaultdict[str, list[int]] = defaultdict(list)
        titled: defaultdict[str, list[int]] = defaultdict(list)
        for index, article in enumerate(self.articles.values()):
            for key in self._word_keys(f"{article.title}\n{article.body}"):
                found[key].append(index)
            for key in self._word_keys(article.title):
                titled[key].append(index)
        return dict(found), dict(titled)

    @cached_property
    def _article_vocabulary(self) -> list[str]:
        return sorted(self._articles_by_key[0])

    def search_articles(self, text: str) -> list[Article]:
        """Articles whose title or text holds every word of ``text`` in some form; those with
        the words in their title first, then in publication order."""
        terms = lemmas.words(text)
        if not terms:
            return []
        index, title_index = self._articles_by_key
        hits: set[int] | None = None
        titled: set[int] | None = None
        for term in terms:
            keys = _matching(term, self._article_vocabulary)
            found = {p for key in keys for p in index.get(key, ())}
            in_title = {p for key in keys for p in title_index.get(key, ())}
            hits = found if hits is None else hits & found
            titled = in_title if titled is None else titled & in_title
            if not hits:
                return []
        articles = list(self.articles.values())
        return [articles[p] for p in sorted(hits or (), key=lambda p: (p not in (titled or ()), p))]

    # --- events ------------------------------------------------------------------------------

    @cached_property
    def events(self) -> list[Event]:
        """The facts merged into events (``bot.knowledge.events``), in date order. Merging is
        costly in a large store: a start on a store a bot has run on takes the saved events."""
        facts = self.facts
        if self._in_saved_order:
            assert self._saved is not None
            members, starts, headlines = self._saved.events
            events = []
            for index, headline in enumerate(headlines):
                found = tuple(facts[p] for p in members[starts[index] : starts[index + 1]])
                events.append(Event(event_id(found), found[0].value, found, headline))
            return events
        return build_events(facts, self.article_numbers)

    @cached_property
    def _event_of(self) -> array[int]:
        """For each position in ``facts``, the position of its event in ``events``."""
        where = {id(fact): index for index, event in enumerate(self.events) for fact in event.facts}
        return array("I", (where[id(fact)] for fact in self.facts))

    @cached_property
    def event_by_id(self) -> dict[str, Event]:
        return {event.id: event for event in self.events}

    def event_positions(self, fact_positions: Iterable[int]) -> list[int]:
        """The events (positions in ``events``, in date order) that hold these facts."""
        event_of = self._event_of
        return sorted({event_of[p] for p in fact_positions})

    def topic_events(self, topic_id: str) -> list[int]:
        """The events holding a topic's facts (positions in ``events``): read only."""
        return self.memo(("topic_events", topic_id), lambda: self.event_positions(self.topic_positions(topic_id)))

    def event_of(self, fact: Fact) -> Event:
        return self.events[self._event_of[self._position_by_id[fact.id]]]

    @cached_property
    def article_numbers(self) -> dict[str, int]:
        """Each article's number: its place in ``/sources`` (publication order), from 1. Every
        reply cites an article by this number, so ``/card 3`` is the [3] of any card."""
        return {article_id: number for number, article_id in enumerate(self.articles, start=1)}

    # --- figures -------------------------------------------------------------------------------

    @cached_property
    def _figure_groups(self) -> list[FigureGroup]:
        if self._saved is not None:
            return self._saved.figure_groups
        figures = self.deferred.figures() if self.deferred is not None else self.figures
        return group_figures(figures, self.quantities)

    def figure_groups(self, topic: str | None = None) -> list[FigureGroup]:
        """Each quantity's figures side by side; of a topic, when given."""
        if topic is None:
            return self._figure_groups
        return self.memo(
            ("figure_groups", topic),
            lambda: [g for g in self._figure_groups if g.quantity.topic == topic or topic in g.topics],
        )

    @cached_property
    def varying_quantities(self) -> dict[str, str]:
        """Quantities whose sources give different values, with the topic to look them up in.

        Timelines ask this for every page; a store answers it without reading its figures."""
        if self.deferred is not None:
            varying = self.deferred.varying_quantities()
            return {q.key: q.topic or "" for q in self.quantities if q.key in varying}
        return {g.quantity.key: g.quantity.topic or "" for g in self._figure_groups if g.varies}

    def list_flags(self, topic_id: str) -> list[ListFlag]:
        """Lists in the topic's articles that contradict the topic's reference lists."""
        if topic_id not in self._flags:
            saved = self._saved.list_flags if self._saved is not None else {}
            topic = self.topics[topic_id]
            if topic_id in saved:
                self._flags[topic_id] = saved[topic_id]
            else:
                self._flags[topic_id] = check_lists(topic, self.topic_articles(topic)) if topic.references else []
        return self._flags[topic_id]

    # --- articles and topics -------------------------------------------------------------------

    def find_article(self, query: str) -> Lookup:
        """An article by id, by its number in /sources, by a unique id prefix or title words."""
        query = query.strip()
        if query in self.articles:
            return Lookup(self.articles[query])
        ids = list(self.articles)
        # isdecimal, not isdigit: "²" and "①" are digits that int() refuses.
        if query.isdecimal() and 1 <= int(query) <= len(ids):
            return Lookup(self.articles[ids[int(query) - 1]])
        folded = lemmas.fold(query)
        prefixed = [i for i in ids if lemmas.fold(i).startswith(folded)]
        if len(prefixed) == 1:
            return Lookup(self.articles[prefixed[0]])
        titled = [i for i in ids if folded and folded in lemmas.fold(self.articles[i].title)]
        if len(titled) == 1:
            return Lookup(self.articles[titled[0]])
        return Lookup(None, tuple(prefixed or titled))

    def find_topic(self, query: str) -> Topic | None:
        """A topic by id, command or alias (case and diacritics ignored)."""
        folded = lemmas.fold(query.strip().lstrip("/"))
        for topic in self.topics.values():
            names = (topic.id, topic.command, *topic.aliases)
            if any(lemmas.fold(n) == folded for n in names):
                return topic
        return None

    def topic_articles(self, topic: Topic) -> list[Article]:
        """The articles behind a topic: its curated sources and those with facts of it."""

        def compute() -> list[Article]:
            ids = set(topic.sources) | {self.facts[i].article for i in self._by_topic.get(topic.id, [])}
            return [a for a in self.articles.values() if a.id in ids]

        return list(self.memo(("topic_articles", topic.id, topic.sources), compute))

    @cached_property
    def period(self) -> tuple[date, date] | None:
        if not self.facts:
            return None
        return self.facts[0].value.start, max(f.value.last_day for f in self.facts)
