"""Briefing cards: the platform-neutral shape of every reply, and paging to a phone screen.

The core builds cards; renderers (``bot/render``) turn them into plain text, Telegram HTML or
Discord embeds, and own escaping and each platform's limits.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from typing import overload

from bot.core.dates import DateValue

#: Characters of content a card may hold: about one phone screen.
CARD_BUDGET = 900
#: A single line of a list is shortened past this, at a word, with "…".
LINE_LIMIT = 220
#: Source titles are shown up to this length.
TITLE_LIMIT = 70


@dataclass(frozen=True, slots=True)
class SourceRef:
    """An article a card cites, numbered within the card."""

    number: int
    article_id: str
    title: str
    outlet: str
    published: str  # already formatted in the reply's language
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Line:
    """One entry of a card: text with an optional label (a date) and its sources."""

    text: str
    label: str | None = None
    sources: tuple[int, ...] = ()  # numbers of the card's SourceRefs
    fact_id: str | None = None


@dataclass(frozen=True, slots=True)
class CardField:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    body: str | None = None  # a paragraph under the title
    lines: tuple[Line, ...] = ()
    fields: tuple[CardField, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    date: DateValue | None = None
    footer: str | None = None  # where the rest is, or a hint
    page: int = 1
    pages: int = 1

    @property
    def size(self) -> int:
        """An estimate of the rendered length, used to keep cards to a screen."""
        return (
            2 * len(self.title) + len(self.body or "") + len(self.footer or "")
            + sum(line_size(line.text, line.label, len(line.sources), line.fact_id) for line in self.lines)
            + sum(len(f.name) + len(f.value) + 3 for f in self.fields)
            + sum(source_size(s) for s in self.sources)
        )


def line_size(text: str, label: str | None, sources: int, fact_id: str | None) -> int:
    """What one line adds to ``Card.size``."""
    return len(text) + len(label or "") + 6 + 4 * sources + (len(fact_id) + 6 if fact_id else 0)


def source_size(source: SourceRef) -> int:
    """What one cited source adds to ``Card.size`` (its number aside, which costs nothing)."""
    return len(source.outlet) + len(source.published) + min(len(source.title), TITLE_LIMIT) + len(source.url or "") + 8


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command returns: one card or several pages, and any chat setting it changes.

    ``cards`` is a tuple, or ``Pages`` for long replies: a sequence that knows how many pages
    there are and builds a page only when it is asked for.
    """

    cards: Sequence[Card]
    language: str | None = None  # set by /lang: the chat's new language


@dataclass(frozen=True, slots=True)
class Item:
    """A line before paging: its sources are article ids, numbered per page."""

    text: str
    label: str | None = None
    articles: tuple[str, ...] = ()
    fact_id: str | None = None


def item_size(item: Item) -> int:
    """What a line made of ``item`` adds to a card's size (the sources it cites aside)."""
    return line_size(item.text, item.label, len(item.articles), item.fact_id)


def shorten(text: str, limit: int = LINE_LIMIT) -> str:
    """Cut at a word before ``limit`` and mark the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–— ")
    return cut + "…"


def cut_at_sentence(sentences: Sequence[str], budget: int) -> tuple[str, bool]:
    """As many whole sentences as fit in ``budget`` (at least one, shortened if need be)."""
    taken: list[str] = []
    used = 0
    for sentence in sentences:
        if taken and used + len(sentence) + 1 > budget:
            return " ".join(taken), True
        taken.append(sentence if taken or len(sentence) <= budget else shorten(sentence, budget))
        used += len(taken[-1]) + 1
    return " ".join(taken), False


def paginate(
    first: Card,
    items: Sequence[Item],
    source_of: Callable[[str, int], SourceRef],
    budget: int = CARD_BUDGET,
) -> list[Card]:
    """Spread ``items`` over cards of at most ``budget`` characters (not yet numbered).

    The first card keeps ``first``'s body, fields and sources; later cards carry the title and
    the items only. Each card numbers its own sources from 1.
    """
    pages: list[Card] = []
    current = first
    numbers = {source.article_id: source.number for source in first.sources}

    def with_item(card: Card, item: Item) -> tuple[Card, dict[str, int]]:
        local = dict(numbers)
        sources = list(card.sources)
        for article_id in item.articles:
            if article_id not in local:
                local[article_id] = len(local) + 1
                sources.append(source_of(article_id, local[article_id]))
        line = Line(item.text, item.label, tuple(local[a] for a in item.articles), item.fact_id)
        return replace(card, lines=(*card.lines, line), sources=tuple(sources)), local

    for item in items:
        candidate, local = with_item(current, item)
        if candidate.size > budget and (current.lines or current.body or current.fields):
            pages.append(current)
            current = Card(title=first.title, date=first.date)
            numbers = {}
            candidate, local = with_item(current, item)
        current, numbers = candidate, local
    pages.append(current)
    return pages


def number_pages(cards: Sequence[Card], label: Callable[[int, int], str]) -> tuple[Card, ...]:
    """Cards as numbered pages, the page label after each footer; a single card stays as it is."""
    if len(cards) < 2:
        return tuple(cards)
    return tuple(
        replace(card, page=n, pages=len(cards), footer=_join(card.footer, label(n, len(cards))))
        for n, card in enumerate(cards, start=1)
    )


def _join(*parts: str | None) -> str | None:
    text = " · ".join(p for p in parts if p)
    return text or None


# --- long replies: pages planned from sizes, built when shown -----------------------------------

def plan_pages(first: Card, costs: Sequence[int], articles: Sequence[str], source_sizes: Mapping[str, int],
               budget: int = CARD_BUDGET) -> list[int]:
    """Where each page starts when ``paginate`` spreads items over cards: the same greedy split,
    computed from sizes instead of built cards, so that a reply of 50,000 facts knows its page
    count without building 10,000 cards. ``costs[i]`` is what item i adds to a card that does
    not cite its one article yet (its ``item_size`` plus the article's ``source_size``); on a
    card that does, the source is not counted again. A tight loop: it runs over every item.
    """
    starts = [0]
    used = first.size
    cited = {source.article_id for source in first.sources}
    blank = 2 * len(first.title)  # later pages: the title only
    skip = 0
    if not (first.lines or first.body or first.fields) and costs:
        # paginate puts the first item on a card without lines, body or fields, whatever its size
        used += costs[0] - (source_sizes[articles[0]] if articles[0] in cited else 0)
        cited.add(articles[0])
        skip = 1
    index = skip - 1
    for cost, article in zip(islice(costs, skip, None), islice(articles, skip, None)):
        index += 1
        used += cost
        if article in cited:
            used -= source_sizes[article]
        if used <= budget:
            cited.add(article)
            continue
        starts.append(index)  # it does not fit: it starts the next page
        cited = {article}
        used = blank + cost
    return starts


class _BuiltOnDemand(Sequence[Card]):
    """Cards made only when asked for: a subclass says how many (``__len__``) and makes the one
    at a position (``_card``); indexing, negative indexes and slices are handled here."""

    @abstractmethod
    def _card(self, position: int) -> Card: ...

    @overload
    def __getitem__(self, index: int) -> Card: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Card, ...]: ...
    def __getitem__(self, index: int | slice) -> Card | tuple[Card, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        return self._card(range(len(self))[index])  # negative indexes, and IndexError past the end


class PagedItems(_BuiltOnDemand):
    """Items over cards, page by page exactly as ``paginate`` splits them, but a page's items and
    card are built only when that page is asked for (a reply shows one page at a time)."""

    def __init__(self, first: Card, count: int, item_at: Callable[[int], Item], starts: Sequence[int],
                 source_of: Callable[[str, int], SourceRef], budget: int = CARD_BUDGET) -> None:
        self._first, self._count, self._item_at = first, count, item_at
        self._starts, self._source_of, self._budget = starts, source_of, budget

    def __len__(self) -> int:
        return len(self._starts)

    def _card(self, page: int) -> Card:
        low = self._starts[page]
        high = self._starts[page + 1] if page + 1 < len(self._starts) else self._count
        card = self._first if page == 0 else Card(title=self._first.title, date=self._first.date)
        built = paginate(card, [self._item_at(i) for i in range(low, high)], self._source_of, self._budget)
        if len(built) != 1:
            raise AssertionError(f"page {page + 1} was planned as one card and built as {len(built)}")
        return built[0]


class Pages(_BuiltOnDemand):
    """Parts of a reply (sequences of cards) as one run of numbered pages, each numbered when it
    is asked for; a reply of one card stays as it is (as ``number_pages``)."""

    def __init__(self, parts: Sequence[Sequence[Card]], label: Callable[[int, int], str]) -> None:
        self._parts = [part for part in parts if len(part)]
        self._label = label
        self._ends: list[int] = []
        total = 0
        for part in self._parts:
            total += len(part)
            self._ends.append(total)

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def _card(self, position: int) -> Card:
        start = 0
        for part, end in zip(self._parts, self._ends):
            if position < end:
                card = part[position - start]
                break
            start = end
        total = len(self)
        if total < 2:
            return card
        return replace(card, page=position + 1, pages=total,
                       footer=_join(card.footer, self._label(position + 1, total)))

    def __iter__(self) -> Iterator[Card]:
        return (self[i] for i in range(len(self)))


class Skip(_BuiltOnDemand):
    """A sequence of cards without its first ``count``, without building the ones skipped."""

    def __init__(self, cards: Sequence[Card], count: int) -> None:
        self._cards, self._count = cards, count

    def __len__(self) -> int:
        return max(0, len(self._cards) - self._count)

    def _card(self, position: int) -> Card:
        return self._cards[self._count + position]
