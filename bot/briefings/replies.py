"""The cards behind each command: timeline, sources, article and topic briefings, on this day."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from operator import itemgetter
from typing import TypeVar

from bot.briefings import pictures
from bot.briefings.cards import (
    CARD_BUDGET,
    Card,
    CardField,
    Item,
    Line,
    PagedItems,
    PagePlan,
    Pages,
    Reply,
    SourceRef,
    cut_at_sentence,
    item_size,
    paginate,
    plan_pages,
    shorten,
    source_size,
)
from bot.briefings.request import Request
from bot.content.loader import Article, Reference, Topic
from bot.content.references import ListFlag
from bot.extraction.facts import Fact
from bot.i18n.messages import (
    LANGUAGES,
    Language,
    accusative,
    format_date,
    format_month_day,
    format_outlet,
    format_published,
    join,
    t,
    tn,
    years_ago,
)
from bot.knowledge.events import Event
from bot.knowledge.indexes import Knowledge
from bot.language import lemmas
from bot.language.dates import DateValue
from bot.language.figures import FigureGroup
from bot.language.sentences import split_sentences

T = TypeVar("T")

#: Page plans of this many recent searches are kept: a plan is a pass over every fact found
#: (a millisecond or two for a common word at 100,000 facts), and a search is asked again for
#: each page turned on Telegram, or by the next user; a plan is a list of page starts.
RECENT_PLANS = 256
_RECENT_LOCK = threading.Lock()

#: Room kept on every page of a list for its page label ("Strona 12/30").
PAGE_LABEL = 24
#: A quote in a list of quotes is shortened past this (``/sources <id>`` shows it whole).
QUOTE_LIMIT = 300
#: Room for a topic summary or an article lead on a card's first page.
LEAD_BUDGET = 240
#: Example requests shown by /start.
EXAMPLES = ("/timeline 2022-01", "/onthisday 01-06", "/search Tokajew", "/sources")


# --- small helpers ------------------------------------------------------------------------------


def notice(text: str, title: str = "briefing-bot") -> Reply:
    """A one-card reply with a short message: errors, usage lines, confirmations."""
    return Reply((Card(title=title, body=text),))


def source_maker(knowledge: Knowledge, language: str) -> Callable[[str], SourceRef]:
    """Source references to articles, numbered as ``/sources`` numbers them, as cards cite them."""
    numbers = knowledge.article_numbers

    def make(article_id: str) -> SourceRef:
        article = knowledge.articles[article_id]
        published = format_published(
            article.published, article.published_precision, language, article.published_inferred
        )
        return SourceRef(
            number=numbers[article_id],
            article_id=article.id,
            title=article.title,
            outlet=format_outlet(article.outlet, language),
            published=published,
            url=article.url,
        )

    return make


def _source_sizes(knowledge: Knowledge, language: str) -> dict[str, int]:
    """What citing each article adds to a card's size, for every article, once per language."""

    def compute() -> dict[str, int]:
        make = source_maker(knowledge, language)
        return {article_id: source_size(make(article_id)) for article_id in knowledge.articles}

    return knowledge.memo(("briefings.source_sizes", language), compute)


def _pick(values: Sequence[T], positions: Sequence[int]) -> Sequence[T]:
    """``[values[p] for p in positions]``, in C: this runs over every fact of a long reply."""
    if len(positions) > 1:
        return itemgetter(*positions)(values)  # type: ignore[no-any-return]
    return [values[p] for p in positions]


def _line_costs(knowledge: Knowledge, positions: Sequence[int], language: str) -> list[int]:
    """What each event's line (date label and headline) adds to a card, its sources aside; kept
    per event and language once known."""
    known: list[int] = knowledge.memo(("briefings.line_costs", language), lambda: [0] * len(knowledge.events))
    costs = list(_pick(known, positions))
    if 0 in costs:  # not known yet (no line is empty)
        varying = knowledge.varying_quantities
        labels: dict[DateValue, str] = knowledge.memo(("briefings.date_labels", language), dict)  # events share dates
        for index, position in enumerate(positions):
            if not costs[index]:
                event = knowledge.events[position]
                label = labels.get(event.value)
                if label is None:
                    label = labels[event.value] = format_date(event.value, language)
                costs[index] = known[position] = item_size(event_item(event, language, label, varying))
    return costs


def warm_up(knowledge: Knowledge, languages: Sequence[str] = LANGUAGES) -> None:
    """Work out the line cost of every event in each language, which a reply otherwise works out
    for the events it finds that no reply has shown yet (a few microseconds an event: tens of
    milliseconds for a common word's first search at 100,000 facts). For a start-up thread."""
    for language in languages:
        _line_costs(knowledge, range(len(knowledge.events)), language)


def _page_label(language: str) -> Callable[[int, int], str]:
    return lambda page, pages: t(language, "page", page=page, pages=pages)


def _fact_item(fact: Fact, language: str, label: str | None = None) -> Item:
    """A fact as a line of quotes: its sentence as the source printed it, and its id."""
    return Item(
        text=shorten(f"„{fact.quote}”", QUOTE_LIMIT),
        label=label or format_date(fact.value, language),
        articles=(fact.article,),
        fact_id=fact.id,
    )


def event_item(event: Event, language: str, label: str | None, varying: dict[str, str]) -> Item:
    """An event as a card line: its date, headline and sources; one whose sources give different
    figures points to /figures, and a date an erratum corrected says what the source printed."""
    text = event.headline
    printed = next((f.printed for f in event.facts if f.printed), None)
    if printed:
        text += f" ({t(language, 'facts.printed', printed=printed)})"
    topics = sorted({varying[f.quantity] for fact in event.facts for f in fact.figures if f.quantity in varying})
    if topics:
        text += f" ({t(language, 'figures.hint', topic=topics[0]).strip()})"
    return Item(text=text, label=label or format_date(event.value, language), articles=event.articles)


def _quotes_hint(knowledge: Knowledge, positions: Sequence[int], language: str) -> str:
    """Where a list's quotes are: /sources with the date of its first day-precise event."""
    for position in positions[:50]:
        value = knowledge.events[position].value
        if value.precision == "day":
            return t(language, "facts.quotes", example=value.start.isoformat())
    return t(language, "facts.quotes", example=knowledge.events[positions[0]].id)


def _event_cards(
    knowledge: Knowledge,
    first: Card,
    positions: Sequence[int],
    language: str,
    suffix: Callable[[Event], str] | None = None,
    plan_as: Hashable | None = None,
    recent: bool = False,
) -> PagedItems:
    """Events (by position in ``knowledge.events``) as card lines over cards of a screen, labelled
    with their date and ``suffix``; the first card says where the quotes are.

    A reply shows one page at a time, so only the shown page is built; the page count comes from
    each line's size, kept per event and language. ``plan_as`` names a list that never changes
    (a topic's timeline): its page plan is then worked out once; with ``recent``, it is kept
    among the last ``RECENT_PLANS`` only (lists named by what users type, such as searches).
    """
    events = knowledge.events
    varying = knowledge.varying_quantities
    hint = _quotes_hint(knowledge, positions, language) if positions else None
    first = replace(first, footer=" · ".join(p for p in (first.footer, hint) if p) or None)

    def item_at(index: int) -> Item:
        event = events[positions[index]]
        label = format_date(event.value, language) + suffix(event) if suffix else None
        return event_item(event, language, label, varying)

    def plan() -> PagePlan:
        costs = _line_costs(knowledge, positions, language)
        if suffix:
            costs = [cost + len(suffix(events[p])) for cost, p in zip(costs, positions)]
        articles = _pick(knowledge.memo(("briefings.event_articles",), lambda: [e.articles for e in events]), positions)
        return plan_pages(first, costs, articles, _source_sizes(knowledge, language), CARD_BUDGET - PAGE_LABEL)

    if plan_as is None:
        pages = plan()
    else:  # the same list under another first card pages differently: the card is in the key
        key = (
            "briefings.event_pages",
            plan_as,
            language,
            first.title,
            first.size,
            tuple(s.article_id for s in first.sources),
            bool(first.body or first.fields or first.lines),
        )
        pages = _recent_plan(knowledge, key, plan) if recent else knowledge.memo(key, plan)
    return PagedItems(first, len(positions), item_at, pages, source_maker(knowledge, language))


def _recent_plan(knowledge: Knowledge, key: Hashable, plan: Callable[[], PagePlan]) -> PagePlan:
    """A page plan kept among the most recently asked ones."""
    plans: OrderedDict[Hashable, PagePlan] = knowledge.memo(("briefings.recent_plans",), OrderedDict)
    with _RECENT_LOCK:  # commands run in worker threads
        if key in plans:
            plans.move_to_end(key)
            return plans[key]
    starts = plan()
    with _RECENT_LOCK:
        plans[key] = starts
        while len(plans) > RECENT_PLANS:
            plans.popitem(last=False)
    return starts


def _event_pages(
    knowledge: Knowledge,
    first: Card,
    positions: Sequence[int],
    language: str,
    suffix: Callable[[Event], str] | None = None,
    plan_as: Hashable | None = None,
    recent: bool = False,
) -> Reply:
    return Reply(_numbered([_event_cards(knowledge, first, positions, language, suffix, plan_as, recent)], language))


def _numbered(parts: Sequence[Sequence[Card]], language: str) -> Pages:
    return Pages(parts, _page_label(language))


# --- commands -----------------------------------------------------------------------------------


def start(knowledge: Knowledge, request: Request) -> Reply:
    language = request.language
    bounds = knowledge.period
    years = ""
    if bounds and bounds[0].year == bounds[1].year:
        years = t(language, "start.year", year=bounds[0].year)
    elif bounds:
        years = t(language, "start.years", first=bounds[0].year, last=bounds[1].year)
    articles = tn(language, "n.articles", len(knowledge.articles))
    facts = tn(language, "n.facts", len(knowledge.facts))
    topics = ", ".join(f"/{topic.command} ({topic.title})" for topic in knowledge.topics.values()) or "–"
    body = t(language, "start.body", articles=articles, facts=facts, period=years, topics=topics)
    lines = tuple(Line(text=example, label=t(language, "start.try")) for example in EXAMPLES)
    return Reply((Card(title=t(language, "start.title"), body=body, lines=lines, footer=t(language, "start.more")),))


def help_card(entries: Sequence[tuple[str, str]], language: str) -> Card:
    return Card(
        title=t(language, "help.title"),
        lines=tuple(Line(text=summary, label=usage) for usage, summary in entries),
        footer=t(language, "help.detail"),
    )


def help_detail(usage: str, summary: str, language: str, examples: Sequence[str] = ()) -> Reply:
    """One command: what it does, its usage line and requests to try."""
    lines = tuple(Line(text=example, label=t(language, "start.try")) for example in examples)
    return Reply((Card(title=usage.split()[0], body=f"{summary}\n{t(language, 'usage', usage=usage)}", lines=lines),))


def timeline(
    knowledge: Knowledge, request: Request, period: DateValue | Topic | None = None, chart: bool = False
) -> Reply:
    """/timeline: every event, a period's or a topic's; with ``chart``, their picture's caption."""
    language = request.language
    positions: Sequence[int]
    plan_as: Hashable | None = None
    if period is None:
        positions, what, plan_as = range(len(knowledge.events)), None, ("timeline",)
    elif isinstance(period, DateValue):
        positions = knowledge.event_positions(knowledge.timeline_positions(period))
        what = format_date(period, language)
    else:
        positions, what, plan_as = knowledge.topic_events(period.id), period.title, ("topic", period.id)
    if chart:  # the list's request is the one typed, without the flag typed last
        listed_as = " ".join(request.text.split()[:-1])
        return pictures.caption(knowledge, positions, period, what, listed_as, language)
    title = t(language, "timeline.title_for", what=what) if what else t(language, "timeline.title")
    if not positions:
        return notice(t(language, "timeline.empty", what=what or "–"), title=title)
    first = Card(title=title, date=knowledge.events[positions[0]].value)
    pages = _event_pages(knowledge, first, positions, language, plan_as=plan_as)
    return replace(pages, chart=pictures.offer(positions, period, language))


def sources(knowledge: Knowledge, request: Request, fact: Fact | Event | DateValue | Article | None = None) -> Reply:
    """/sources: the articles; of a fact, its source; of an event or a day, the quotes; of an
    article, its card."""
    language = request.language
    if fact is None:
        return Reply(_numbered([_article_list(knowledge, language)], language))
    if isinstance(fact, Event):
        return _quotes(knowledge, [fact], format_date(fact.value, language), language)
    if isinstance(fact, DateValue):
        found = [knowledge.events[p] for p in knowledge.event_positions(knowledge.timeline_positions(fact))]
        found = [e for e in found if e.value.precision == "day"]
        if found:
            return _quotes(knowledge, found, format_date(fact, language), language)
        return notice(t(language, "timeline.empty", what=format_date(fact, language)))
    if isinstance(fact, Article):
        return article_card(knowledge, request, fact)
    return _fact_source(knowledge, fact, language)


def _quotes(knowledge: Knowledge, events: Sequence[Event], what: str, language: str) -> Reply:
    """The quotes behind events: each fact's sentence, its source and its id."""
    items = [_fact_item(fact, language) for event in events for fact in event.facts]
    first = Card(title=t(language, "sources.quotes_title", what=what), footer=t(language, "sources.fact_hint"))
    return Reply(_numbered([paginate(first, items, source_maker(knowledge, language))], language))


def _fact_source(knowledge: Knowledge, fact: Fact, language: str) -> Reply:
    article = knowledge.articles[fact.article]
    number = knowledge.article_numbers[article.id]
    when = format_date(fact.value, language)
    if fact.mention:
        when += f" ({t(language, 'quoted', text=fact.mention)})"
    else:
        when += f" — {t(language, 'sources.curated')}"
    fields = (
        CardField(t(language, "sources.date"), when),
        *(
            [
                CardField(
                    t(language, "sources.corrected"),
                    f"{fact.text} ({t(language, 'facts.printed', printed=fact.printed)})",
                )
            ]
            if fact.printed
            else []
        ),
        CardField(t(language, "sources.article"), f"{article.title} [{number}] — /card {number}"),
        CardField(
            t(language, "sources.where"),
            t(language, "sources.where_value", path=f"articles/{article.path.name}", line=fact.line),
        ),
    )
    event = knowledge.event_of(fact)
    if len(event.facts) > 1:
        fields += (
            CardField(
                t(language, "sources.event"), tn(language, "sources.event_value", len(event.articles), id=event.id)
            ),
        )
    body, _ = cut_at_sentence([f"„{fact.quote}”"], 700)
    card = Card(
        title=t(language, "sources.fact_title", id=fact.id),
        body=body,
        fields=fields,
        sources=(source_maker(knowledge, language)(article.id),),
        date=fact.value,
    )
    return Reply((card,))


def _article_list(knowledge: Knowledge, language: str) -> PagedItems:
    """Every article, in publication order, over cards; the page plan is worked out once."""
    articles = knowledge.memo(("briefings.articles",), lambda: list(knowledge.articles.values()))
    first = Card(title=t(language, "sources.title"))

    def item_at(index: int) -> Item:
        article = articles[index]
        return Item(
            text=f"{article.title} — /card {index + 1}",
            label=format_published(
                article.published, article.published_precision, language, article.published_inferred
            ),
            articles=(article.id,),
        )

    sources = _source_sizes(knowledge, language)
    plan = knowledge.memo(
        ("briefings.article_pages", language),
        lambda: plan_pages(
            first, [item_size(item_at(i)) for i in range(len(articles))], [(a.id,) for a in articles], sources
        ),
    )
    return PagedItems(first, len(articles), item_at, plan, source_maker(knowledge, language))


def article_card(knowledge: Knowledge, request: Request, article: Article) -> Reply:
    """/card: an article's briefing, its lead and its dated facts."""
    language = request.language
    lead, _ = cut_at_sentence([s.text for s in split_sentences(article.body)], LEAD_BUDGET)
    fields = [
        CardField(t(language, "card.outlet"), format_outlet(article.outlet, language)),
        CardField(
            t(language, "card.published"),
            format_published(
                article.published, article.published_precision, language, article.published_inferred, explained=True
            ),
        ),
    ]
    if article.author:
        fields.append(CardField(t(language, "card.author"), article.author))
    if article.topics:
        names = [f"/{knowledge.topics[i].command}" for i in article.topics if i in knowledge.topics]
        fields.append(CardField(t(language, "card.topics"), ", ".join(names)))
    first = Card(
        title=article.title,
        body=lead,
        fields=tuple(fields),
        sources=(source_maker(knowledge, language)(article.id),),
        date=DateValue(article.published),
    )
    positions = knowledge.event_positions(knowledge.positions(knowledge.of_article(article.id)))
    return _event_pages(knowledge, first, positions, language)


def on_this_day(knowledge: Knowledge, request: Request, day: tuple[int, int] | None = None) -> Reply:
    """/onthisday: a day's (today's by default) events of earlier years, as (month, day)."""
    language = request.language
    month, day_of_month = day if day is not None else (request.today.month, request.today.day)
    label = format_month_day(month, day_of_month, language)
    title = t(language, "onthisday.title", day=label)
    facts = knowledge.on_this_day(month, day_of_month, before=request.today)
    if not facts:
        empty = t(language, "onthisday.empty", day=label)
        nearest = knowledge.nearest_month_day(month, day_of_month, before=request.today)
        if nearest is not None:
            empty += " " + t(
                language,
                "onthisday.nearest",
                day=format_month_day(*nearest, language),
                command=f"/onthisday {nearest[0]:02d}-{nearest[1]:02d}",
            )
        return notice(empty, title=title)
    ago: dict[int, str] = {}

    def suffix(event: Event) -> str:  # after the date; the same few years for every event
        years = request.today.year - event.value.start.year
        if years not in ago:
            ago[years] = f" · {years_ago(language, years)}"
        return ago[years]

    positions = knowledge.event_positions(knowledge.positions(facts))
    return _event_pages(knowledge, Card(title=title), positions, language, suffix)


#: Articles named by a search reply that found no dated facts, and beside the facts found; more
#: are counted.
SEARCH_ARTICLES = 5
SEARCH_FIELD = 3
#: What marks a word as English rather than Polish written without diacritics: letters Polish
#: does not use, and common English spellings and endings ("troops", "soldiers", "killing").
_ENGLISH = re.compile(r"[qvx]|th|oo|ee|sh|ck|ph|w$|(?<=[^aeiouy])s$|ing$|ed$|tion$|ly$")


def _looks_english(text: str) -> bool:
    words = lemmas.words(text.lower())
    return bool(words) and all(w.isascii() and _ENGLISH.search(w) for w in words)


def search(knowledge: Knowledge, request: Request, words: str) -> Reply:
    """Dated facts with every word of the query in some form, and the articles whose title or text
    has them (those without a dated sentence on them too)."""
    language = request.language
    query = shorten(words, 60)
    positions = knowledge.event_positions(knowledge.search_positions(words))
    articles = knowledge.search_articles(words)
    title = t(language, "search.title", query=query)
    if not positions and not articles:
        hint = f" {t(language, 'search.polish')}" if _looks_english(words) else ""
        return notice(t(language, "search.empty", query=query) + hint, title=title)
    if not positions:
        lines = tuple(
            Line(
                text=f"{shorten(a.title, 90)} — /card {a.id}",
                label=format_published(a.published, a.published_precision, language, a.published_inferred),
            )
            for a in articles[:SEARCH_ARTICLES]
        )
        more = len(articles) - len(lines)
        return Reply(
            (
                Card(
                    title=title,
                    body=t(language, "search.only_articles", count=len(articles)),
                    lines=lines,
                    footer=t(language, "search.more", count=more) if more else None,
                ),
            )
        )
    named = " ".join(f"/card {a.id}" for a in articles[:SEARCH_FIELD])
    if len(articles) > SEARCH_FIELD:
        named += f" (+{len(articles) - SEARCH_FIELD})"
    first = Card(
        title=title,
        body=t(language, "search.count", count=len(positions)),
        fields=(CardField(t(language, "search.articles", count=len(articles)), named),) if articles else (),
    )
    # Telegram asks again for every page turned: the plan of a search asked lately is kept.
    return _event_pages(
        knowledge, first, positions, language, plan_as=("search", tuple(lemmas.words(words))), recent=True
    )


#: A topic card shows at most this many of its topic's events: those most sources report.
KEY_EVENTS = 5
#: A key event's headline on a topic card is shortened past this (its timeline has it whole).
KEY_EVENT_LIMIT = 110
_PRECISION_RANK = {"day": 0, "range": 1, "month": 2, "year": 3}


def key_events(knowledge: Knowledge, positions: Sequence[int], count: int = KEY_EVENTS) -> list[int]:
    """The events a summary shows, in date order: those most articles report, then most facts,
    then the most precise; earlier first among equals."""
    events = knowledge.events
    ranked = sorted(
        positions,
        key=lambda p: (-len(events[p].articles), -len(events[p].facts), _PRECISION_RANK[events[p].value.precision], p),
    )
    return sorted(ranked[:count])


def topic_card(knowledge: Knowledge, request: Request, *, topic_id: str, chart: bool = False) -> Reply:
    """A topic's briefing: summary, period, key events, where the sources differ, sources; with
    ``chart``, the caption of its events' picture."""
    language = request.language
    topic: Topic = knowledge.topics[topic_id]
    positions = knowledge.topic_events(topic.id)
    if chart:
        return pictures.caption(knowledge, positions, topic, topic.title, f"/timeline {topic.id}", language)
    offered = pictures.offer(positions, topic, language)
    articles = knowledge.topic_articles(topic)
    summary, _ = cut_at_sentence([s.text for s in split_sentences(topic.summary)], LEAD_BUDGET)
    fields = [
        CardField(t(language, "topic.facts"), str(len(positions))),
        CardField(t(language, "topic.articles"), str(len(articles))),
    ]
    covered = knowledge.topic_period(topic.id)
    if covered:
        fields.append(CardField(t(language, "topic.period"), format_date(covered, language)))
    card = Card(title=topic.title, body=summary, fields=tuple(fields), footer=t(language, "topic.more", topic=topic.id))
    make = source_maker(knowledge, language)
    numbers: dict[str, int] = {}
    sources: list[SourceRef] = []
    lines: list[Line] = []
    for position in key_events(knowledge, positions):
        item = event_item(knowledge.events[position], language, None, {})  # the figures: see below
        for article in item.articles:
            if article not in numbers:
                sources.append(make(article))
                numbers[article] = sources[-1].number
        cited = tuple(sorted(numbers[a] for a in item.articles))
        lines.append(Line(shorten(item.text, KEY_EVENT_LIMIT), item.label, cited))
    # Where the sources differ: the quantities (their figures are on /figures) and the lists.
    differ: list[CardField] = []
    groups = [g for g in knowledge.figure_groups(topic.id) if g.varies]
    if groups:
        labels = [g.quantity.label_in(language) for g in groups]
        differ.append(
            CardField(
                t(language, "figures.differ_short"),
                t(language, "figures.differ_value", what=", ".join(labels), topic=topic.id),
            )
        )
    flags = knowledge.list_flags(topic.id)
    differ += [_flag_field(knowledge, same, language, numbers, sources) for same in by_reference(flags).values()]
    card = replace(card, lines=tuple(lines), notes=tuple(differ), sources=_by_number(sources))
    while len(card.lines) > 3 and card.size > CARD_BUDGET:
        card = replace(card, lines=card.lines[:-1])
    by_events = {n for line in card.lines for n in line.sources}
    by_lists = {numbers[flag.article] for flag in flags}
    whole = replace(card, sources=tuple(s for s in card.sources if s.number in by_events | by_lists))
    whole = _articles_shown(whole, len(articles), len(whole.sources), language)
    if whole.size <= CARD_BUDGET or not differ:
        return Reply((whole,), chart=offered)
    # Too much for one screen: where the sources differ goes on a page of its own.
    first = replace(card, notes=(), sources=tuple(s for s in card.sources if s.number in by_events))
    first = _articles_shown(first, len(articles), len(by_events | by_lists), language)
    second = Card(
        title=t(language, "figures.differ_title", what=topic.title),
        notes=tuple(differ),
        sources=tuple(s for s in card.sources if s.number in by_lists - by_events),
    )
    return Reply(_numbered([(first, second)], language), chart=offered)


def _articles_shown(card: Card, total: int, cited: int, language: str) -> Card:
    """The topic's article count says how many of them the card cites, when not all: a reader
    who counts the sources listed finds fewer than the topic has."""
    if cited >= total:
        return card
    label = t(language, "topic.articles")
    value = t(language, "topic.articles_cited", total=total, cited=cited)
    return replace(card, fields=tuple(replace(f, value=value) if f.name == label else f for f in card.fields))


def _figure_field(
    knowledge: Knowledge,
    group: FigureGroup,
    language: str,
    numbers: dict[str, int],
    sources: list[SourceRef],
    room: int,
) -> CardField:
    """One quantity's figures side by side: value, source number, as-of date.

    As many as fit in ``room`` (a card of their own); the rest are counted, "… (+N)": a large
    corpus has thousands of figures of one quantity, and a card is one screen. ``numbers`` holds
    the sources already listed (with their numbers); those this field cites first join
    ``sources``.
    """
    make = source_maker(knowledge, language)
    article_numbers = knowledge.article_numbers
    label = group.quantity.label_in(language)
    name = f"{label} — {t(language, f'figures.verdict.{group.verdict}')}"
    used = len(name) + 3
    planned: list[tuple[str, str, bool]] = []  # (text, article, whether it is cited anew)
    cited = set(numbers)
    for entry in group.entries:
        new = entry.article not in cited
        cited.add(entry.article)
        text = t(
            language,
            "figures.entry",
            text=entry.figure.text,
            n=article_numbers[entry.article],
            date=format_date(entry.as_of, language),
        )
        used += len(text) + 2 + (source_size(make(entry.article)) if new else 0)
        planned.append((text, entry.article, new))
        if used > room:
            break
    if used > room and len(planned) > 1:  # drop entries until "… (+N)" fits too
        while len(planned) > 1:
            text, article, new = planned.pop()
            used -= len(text) + 2 + (source_size(make(article)) if new else 0)
            if used + len(f"… (+{group.count - len(planned)})") + 2 <= room:
                break
    parts = []
    for text, article, new in planned:
        if new and article not in numbers:
            sources.append(make(article))
            numbers[article] = sources[-1].number
        parts.append(text)
    if len(planned) < group.count:
        parts.append(f"… (+{group.count - len(planned)})")
    return CardField(name, "; ".join(parts))


def figures(knowledge: Knowledge, request: Request, topic: Topic | None = None) -> Reply:
    """/figures [topic]: every quantity's figures, source by source, with their dates."""
    language = request.language
    groups = knowledge.figure_groups(topic.id if topic else None)
    title = t(language, "figures.title_for", what=topic.title) if topic else t(language, "figures.title")
    if not groups:
        return notice(t(language, "figures.empty"), title=title)
    return Reply(_numbered([_figure_cards(knowledge, groups, title, language)], language))


def _flag_field(
    knowledge: Knowledge, flags: Sequence[ListFlag], language: str, numbers: dict[str, int], sources: list[SourceRef]
) -> CardField:
    """The lists in articles that differ from one of the topic's reference lists: what each
    source names besides it and which members it leaves out, then the reference's own source."""
    by_article: dict[str, tuple[dict[str, None], set[str] | None]] = {}
    for flag in flags:  # an article with several lists: all they add, what every whole one misses
        wrong, missing = by_article.get(flag.article, ({}, None))
        wrong.update(dict.fromkeys(flag.wrong))
        if flag.missing or missing is not None:
            missing = set(flag.missing) if missing is None else missing & set(flag.missing)
        by_article[flag.article] = wrong, missing
    make = source_maker(knowledge, language)
    members = flags[0].reference.members
    parts = []
    for article, (wrong, missing) in by_article.items():
        if article not in numbers:
            sources.append(make(article))
            numbers[article] = sources[-1].number

        def names(found: Sequence[str]) -> str:
            return join(language, found)

        def accusatives(found: Sequence[str]) -> str:  # a Polish sentence takes them so
            return join(language, [accusative(n) for n in found])

        extra, left_out = list(wrong), [m for m in members if m in (missing or ())]
        n = numbers[article]
        if extra and left_out:
            parts.append(
                t(
                    language,
                    "lists.both",
                    n=n,
                    extra=names(extra),
                    missing=names(left_out),
                    extra_acc=accusatives(extra),
                    missing_acc=accusatives(left_out),
                )
            )
        elif extra:
            parts.append(t(language, "lists.extra", n=n, names=names(extra), names_acc=accusatives(extra)))
        elif left_out:
            parts.append(t(language, "lists.missing", n=n, names=names(left_out), names_acc=accusatives(left_out)))
    name = flags[0].reference.name
    value = f"{'; '.join(parts)} ({t(language, 'lists.reference', source=flags[0].reference.source)})"
    return CardField(name[:1].upper() + name[1:], value)


def by_reference(flags: Sequence[ListFlag]) -> dict[Reference, list[ListFlag]]:
    """Flags by the reference list they differ from: each reference is said once, for every source."""
    found: dict[Reference, list[ListFlag]] = {}
    for flag in flags:
        found.setdefault(flag.reference, []).append(flag)
    return found


def _by_number(sources: Sequence[SourceRef]) -> tuple[SourceRef, ...]:
    return tuple(sorted(sources, key=lambda source: source.number))


def _figure_cards(
    knowledge: Knowledge,
    groups: list[FigureGroup],
    title: str,
    language: str,
    flags: Sequence[ListFlag] = (),
    listed: dict[str, int] | None = None,
) -> list[Card]:
    """Figure groups (and flagged lists) as fields on cards of a screen each; a source is listed
    on the first card that cites it, unless ``listed`` (the reply's earlier cards) holds it."""
    entries: list[FigureGroup | list[ListFlag]] = [*groups, *by_reference(flags).values()]
    if not entries:
        return []
    numbers = dict(listed or {})

    def field_of(entry: FigureGroup | list[ListFlag], sources: list[SourceRef]) -> CardField:
        if isinstance(entry, FigureGroup):
            return _figure_field(knowledge, entry, language, numbers, sources, CARD_BUDGET - 2 * len(title))
        return _flag_field(knowledge, entry, language, numbers, sources)

    cards: list[Card] = []
    current = Card(title=title)
    for entry in entries:
        before = dict(numbers)
        sources = list(current.sources)
        field = field_of(entry, sources)
        candidate = replace(current, fields=(*current.fields, field), sources=_by_number(sources))
        if current.fields and candidate.size > CARD_BUDGET:
            cards.append(current)  # this entry starts the next card
            numbers.clear()
            numbers.update(before)
            sources = []
            field = field_of(entry, sources)
            candidate = Card(title=title, fields=(field,), sources=_by_number(sources))
        current = candidate
    cards.append(current)
    return cards


def digest_elsewhere(knowledge: Knowledge, request: Request, settings: str | None = None) -> Reply:
    """/digest needs a chat and its admins: the chat adapters answer it, this says where."""
    return notice(t(request.language, "digest.not_here"))


def language(knowledge: Knowledge, request: Request, language: Language) -> Reply:
    """/lang: the chat's reply language, which the adapter saves."""
    return Reply((Card(title="briefing-bot", body=t(language, "lang.set")),), language=language)
