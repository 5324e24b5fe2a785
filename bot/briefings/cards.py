"""Briefing cards: the platform-neutral shape of every reply, and paging to a phone screen.

The core builds cards; renderers (``bot/platforms/*/render.py``) turn them into plain text, Telegram HTML or
Discord embeds, and own escaping and each platform's limits.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import overload

from bot.language.dates import DateValue

#: Characters of content a card may hold: about one phone screen (5–8 event lines and their
#: sources; see bench/README.md for the sizes of the bundled cards).
CARD_BUDGET = 1100
#: A single line of a list is shortened past this, at a word, with "…".
LINE_LIMIT = 220
#: Source titles are shown up to this length.
TITLE_LIMIT = 40


@dataclass(frozen=True, slots=True)
class SourceRef:
    """An article a card cites, with its number in ``/sources`` (the same in every reply)."""

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
    fields: tuple[CardField, ...] = ()  # shown before the lines: what the card is about
    sources: tuple[SourceRef, ...] = ()
    date: DateValue | None = None
    footer: str | None = None  # where the rest is, or a hint
    page: int = 1
    pages: int = 1
    notes: tuple[CardField, ...] = ()  # shown after the lines: what to know about them (sources differ)

    @property
    def size(self) -> int:
        """An estimate of the rendered length, used to keep cards to a screen."""
        return (
            2 * len(self.title)
            + len(self.body or "")
            + len(self.footer or "")
            + sum(line_size(line.text, line.label, len(line.sources), line.fact_id) for line in self.lines)
            + sum(len(f.name) + len(f.value) + 3 for f in (*self.fields, *self.notes))
            + sum(source_size(s) for s in self.sources)
        )


def line_size(text: str, label: str | None, sources: int, fact_id: str | None) -> int:
    """What one line adds to ``Card.size``."""
    return len(text) + len(label or "") + 6 + 4 * sources + (len(fact_id) + 6 if fact_id else 0)


def source_size(source: SourceRef) -> int:
    """What one cited source adds to ``Card.size`` (its number aside, which costs nothing; its
    link too, which chats show as the outlet's name, not as an address)."""
    return len(source.outlet) + len(source.published) + min(len(source.title), TITLE_LIMIT) + 8


#: Events one timeline picture holds at most: ``bot.export.png`` fits this many rows within
#: Telegram's photo limits (a test checks); a longer timeline is offered no picture.
CHART_EVENTS = 160


@dataclass(frozen=True, slots=True)
class ChartQuery:
    """Which events a timeline picture shows: a topic (id, command or alias) and a period, either
    end open, and in which language. The picture itself is drawn by ``bot.export.charts``."""

    topic: str | None = None
    first: date | None = None
    last: date | None = None
    language: str = "pl"  # of the picture's title, legend and axis


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command returns: one card or several pages, and any chat setting it changes.

    ``cards`` is a tuple, or ``Pages`` for long replies: a sequence that knows how many pages
    there are and builds a page only when it is asked for. ``chart`` is set when the reply's
    events can be shown as a picture too; with ``picture`` (``/timeline … chart``) the reply is
    that picture, and its one card is the picture's caption.
    """

    cards: Sequence[Card]
    language: str | None = None  # set by /lang: the chat's new language
    chart: ChartQuery | None = None
    picture: bool = False


@dataclass(frozen=True, slots=True)
class Item:
    """A line before paging: its sources are article ids, numbered when the line is built."""

    text: str
    label: str | None = None
    articles: tuple[str, ...] = ()
    fact_id: str | None = None


def item_size(item: Item) -> int:
    """What a line made of ``item`` adds to a card's size (the sources it cites aside)."""
    return line_size(item.text, item.label, len(item.articles), item.fact_id)


#: Polish prepositions and conjunctions a cut line should not end on ("…Organizacji Układu o…").
_DANGLING = re.compile(r"(?:\s+(?:w|we|o|z|ze|u|i|a|do|od|na|po|za|dla|oraz|lub|że))+$", re.IGNORECASE)


def shorten(text: str, limit: int = LINE_LIMIT) -> str:
    """Cut at a word before ``limit``, never after a dangling preposition, and mark the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–— ")
    return (_DANGLING.sub("", cut).rstrip(",;:–— ") or cut) + "…"


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
    first: Card, items: Sequence[Item], source_of: Callable[[str], SourceRef], budget: int = CARD_BUDGET
) -> list[Card]:
    """Spread ``items`` over cards of at most ``budget`` characters (not yet numbered).

    The first card keeps ``first``'s body, fields and sources; later cards carry the title and
    the items only. Sources keep their numbers on every page, and each is listed once: on the
    page that cites it first.
    """
    sizes = {a: source_size(source_of(a)) for item in items for a in item.articles}
    plan = plan_pages(first, [item_size(item) for item in items], [item.articles for item in items], sizes, budget)
    return list(PagedItems(first, len(items), items.__getitem__, plan, source_of))


def _join(*parts: str | None) -> str | None:
    text = " · ".join(p for p in parts if p)
    return text or None


# --- long replies: pages planned from sizes, built when shown -----------------------------------


@dataclass(frozen=True, slots=True)
class PagePlan:
    """Where each page of a long list starts, and which page lists each source it cites."""

    starts: list[int]
    listed_on: dict[str, int]


def plan_pages(
    first: Card,
    costs: Sequence[int],
    articles: Sequence[Sequence[str]],
    source_sizes: Mapping[str, int],
    budget: int = CARD_BUDGET,
) -> PagePlan:
    """Pages for items of these sizes, worked out from sizes instead of built cards, so that a
    reply of 50,000 facts knows its page count without building 10,000 cards. ``costs[i]`` is
    what item i's line adds to a card (``item_size``); a source it cites adds its
    ``source_sizes`` on the page that cites it first, where it is listed. Greedy: an item that
    does not fit starts the next page, unless its page has nothing yet. A tight loop: it runs
    over every item.
    """
    starts = [0]
    used = first.size
    listed: dict[str, int] = {source.article_id: 0 for source in first.sources}
    blank = 2 * len(first.title)  # later pages: the title only
    filled = bool(first.lines or first.body or first.fields)  # whether this page holds anything yet
    page = 0
    for index, (cost, cited) in enumerate(zip(costs, articles)):
        new = [a for a in cited if a not in listed]
        adds = cost + sum(source_sizes[a] for a in new)
        if filled and used + adds > budget:
            starts.append(index)
            page += 1
            used = blank
        for article in new:
            listed[article] = page
        used += adds
        filled = True
    return PagePlan(starts, listed)


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
    """Items over cards, page by page as ``plan_pages`` planned them, but a page's items and
    card are built only when that page is asked for (a reply shows one page at a time)."""

    def __init__(
        self,
        first: Card,
        count: int,
        item_at: Callable[[int], Item],
        plan: PagePlan,
        source_of: Callable[[str], SourceRef],
    ) -> None:
        self._first, self._count, self._item_at = first, count, item_at
        self._plan, self._source_of = plan, source_of

    def __len__(self) -> int:
        return len(self._plan.starts)

    def _card(self, page: int) -> Card:
        starts = self._plan.starts
        low = starts[page]
        high = starts[page + 1] if page + 1 < len(starts) else self._count
        card = self._first if page == 0 else Card(title=self._first.title, date=self._first.date)
        sources = list(card.sources)
        shown = {source.article_id: source.number for source in sources}
        lines = []
        for index in range(low, high):
            item = self._item_at(index)
            numbers = []
            for article in item.articles:
                if article not in shown:
                    source = self._source_of(article)
                    shown[article] = source.number
                    if self._plan.listed_on.get(article, page) == page:
                        sources.append(source)
                numbers.append(shown[article])
            lines.append(Line(item.text, item.label, tuple(sorted(numbers)), item.fact_id))
        sources.sort(key=lambda source: source.number)
        return replace(card, lines=(*card.lines, *lines), sources=tuple(sources))


class Pages(_BuiltOnDemand):
    """Parts of a reply (sequences of cards) as one run of numbered pages, each numbered when it
    is asked for; a reply of one card stays as it is."""

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
        return replace(
            card, page=position + 1, pages=total, footer=_join(card.footer, self._label(position + 1, total))
        )

    def __iter__(self) -> Iterator[Card]:
        return (self[i] for i in range(len(self)))
