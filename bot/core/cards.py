"""Briefing cards: the platform-neutral shape of every reply, and paging to a phone screen.

The core builds cards; renderers (``bot/render``) turn them into plain text, Telegram HTML or
Discord embeds, and own escaping and each platform's limits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

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
            + sum(len(line.text) + len(line.label or "") + 6 + 4 * len(line.sources)
                  + (len(line.fact_id) + 6 if line.fact_id else 0) for line in self.lines)
            + sum(len(f.name) + len(f.value) + 3 for f in self.fields)
            + sum(len(s.outlet) + len(s.published) + min(len(s.title), TITLE_LIMIT) + len(s.url or "") + 8
                  for s in self.sources)
        )


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command returns: one card or several pages, and any chat setting it changes."""

    cards: tuple[Card, ...]
    language: str | None = None  # set by /lang: the chat's new language


@dataclass(frozen=True, slots=True)
class Item:
    """A line before paging: its sources are article ids, numbered per page."""

    text: str
    label: str | None = None
    articles: tuple[str, ...] = ()
    fact_id: str | None = None


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
