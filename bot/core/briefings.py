"""The cards behind each command: timeline, sources, article and topic briefings, on this day."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from operator import itemgetter
from typing import TYPE_CHECKING, TypeVar

from bot.core import lemmas
from bot.core.cards import (
    CARD_BUDGET,
    LINE_LIMIT,
    Card,
    CardField,
    Item,
    Line,
    Pages,
    PagedItems,
    Reply,
    Skip,
    SourceRef,
    cut_at_sentence,
    item_size,
    plan_pages,
    shorten,
    source_size,
)
from bot.core.content import Article, Topic
from bot.core.dates import DateValue, parse_month_day, parse_period, period
from bot.core.facts import Fact
from bot.core.figures import FigureGroup
from bot.core.i18n import (
    LANGUAGES,
    format_date,
    format_month_day,
    format_outlet,
    format_published,
    plural,
    t,
    years_ago,
)
from bot.core.knowledge import Knowledge
from bot.core.references import ListFlag
from bot.core.sentences import split_sentences

if TYPE_CHECKING:
    from bot.core.commands import Request

T = TypeVar("T")

#: Page plans of this many recent searches are kept: a plan is a pass over every fact found
#: (a millisecond or two for a common word at 100,000 facts), and a search is asked again for
#: each page turned on Telegram, or by the next user; a plan is a list of page starts.
RECENT_PLANS = 256
_RECENT_LOCK = threading.Lock()

#: Room for a topic summary or an article lead on a card's first page.
LEAD_BUDGET = 420
#: Example requests shown by /start.
EXAMPLES = ("/timeline 2022-01", "/onthisday 01-06", "/search Tokajew", "/sources")


# --- small helpers ------------------------------------------------------------------------------

def notice(text: str, title: str = "briefing-bot") -> Reply:
    """A one-card reply with a short message: errors, usage lines, confirmations."""
    return Reply((Card(title=title, body=text),))


def source_maker(knowledge: Knowledge, language: str) -> Callable[[str, int], SourceRef]:
    """Numbered source references to articles, as cards cite them."""

    def make(article_id: str, number: int) -> SourceRef:
        article = knowledge.articles[article_id]
        return SourceRef(
            number=number,
            article_id=article.id,
            title=article.title,
            outlet=format_outlet(article.outlet, language),
            published=format_published(article.published, article.published_precision, language,
                                       article.published_inferred),
            url=article.url,
        )

    return make


def _source_sizes(knowledge: Knowledge, language: str) -> dict[str, int]:
    """What citing each article adds to a card's size, for every article, once per language."""
    def compute() -> dict[str, int]:
        make = source_maker(knowledge, language)
        return {article_id: source_size(make(article_id, 1)) for article_id in knowledge.articles}

    return knowledge.memo(("briefings.source_sizes", language), compute)


def _pick(values: Sequence[T], positions: Sequence[int]) -> Sequence[T]:
    """``[values[p] for p in positions]``, in C: this runs over every fact of a long reply."""
    if len(positions) > 1:
        return itemgetter(*positions)(values)  # type: ignore[no-any-return]
    return [values[p] for p in positions]


def _line_costs(knowledge: Knowledge, positions: Sequence[int], language: str) -> list[int]:
    """What each fact's line (date label) adds to a card that does not cite its article yet: its
    ``item_size`` and its article's ``source_size``; kept per fact and language once known."""
    known: list[int] = knowledge.memo(("briefings.line_costs", language), lambda: [0] * len(knowledge.facts))
    costs = list(_pick(known, positions))
    if 0 in costs:  # not known yet (no line is empty)
        varying = knowledge.varying_quantities
        sources = _source_sizes(knowledge, language)
        labels: dict[DateValue, str] = knowledge.memo(("briefings.date_labels", language), dict)  # facts share dates
        for index, position in enumerate(positions):
            if not costs[index]:
                fact = knowledge.facts[position]
                label = labels.get(fact.value)
                if label is None:
                    label = labels[fact.value] = format_date(fact.value, language)
                costs[index] = known[position] = (item_size(_fact_item(fact, language, label, varying))
                                                  + sources[fact.article])
    return costs


def warm_up(knowledge: Knowledge, languages: Sequence[str] = LANGUAGES) -> None:
    """Work out the line cost of every fact in each language, which a reply otherwise works out
    for the facts it finds that no reply has shown yet (a few microseconds a fact: tens of
    milliseconds for a common word's first search at 100,000 facts). For a start-up thread."""
    for language in languages:
        _line_costs(knowledge, range(len(knowledge.facts)), language)


def _page_label(language: str) -> Callable[[int, int], str]:
    return lambda page, pages: t(language, "page", page=page, pages=pages)


def fact_text(fact: Fact, language: str, limit: int = LINE_LIMIT) -> str:
    """A fact's text for a card line, saying what the source printed where an erratum applies."""
    printed = f" ({t(language, 'facts.printed', printed=fact.printed)})" if fact.printed else ""
    return shorten(fact.text, limit - len(printed)) + printed


def _fact_item(fact: Fact, language: str, label: str | None, varying: dict[str, str]) -> Item:
    """A fact as a card line; one whose figures the sources disagree on points to /figures."""
    text = fact_text(fact, language)
    if fact.figures:
        topics = sorted({varying[f.quantity] for f in fact.figures if f.quantity in varying})
        if topics:
            text += f" ({t(language, 'figures.hint', topic=topics[0]).strip()})"
    return Item(
        text=text,
        label=label or format_date(fact.value, language),
        articles=(fact.article,),
        fact_id=fact.id,
    )


def _fact_cards(knowledge: Knowledge, first: Card, positions: Sequence[int], language: str,
                suffix: Callable[[Fact], str] | None = None, plan_as: Hashable | None = None,
                recent: bool = False) -> PagedItems:
    """Facts (by position in ``knowledge.facts``) as card lines over cards of a screen, labelled
    with their date and ``suffix``; the first card says where the full quotes are.

    A reply shows one page at a time, so only the shown page is built; the page count comes from
    each line's size, kept per fact and language. ``plan_as`` names a list that never changes
    (a topic's timeline): its page plan is then worked out once; with ``recent``, it is kept
    among the last ``RECENT_PLANS`` only (lists named by what users type, such as searches).
    """
    facts = knowledge.facts
    varying = knowledge.varying_quantities
    hint = t(language, "facts.quotes")
    first = replace(first, footer=f"{first.footer} · {hint}" if first.footer else hint)

    def item_at(index: int) -> Item:
        fact = facts[positions[index]]
        label = format_date(fact.value, language) + suffix(fact) if suffix else None
        return _fact_item(fact, language, label, varying)

    def plan() -> list[int]:
        costs = _line_costs(knowledge, positions, language)
        if suffix:
            costs = [cost + len(suffix(facts[p])) for cost, p in zip(costs, positions)]
        articles = _pick(knowledge.memo(("briefings.fact_articles",), lambda: [f.article for f in facts]), positions)
        return plan_pages(first, costs, articles, _source_sizes(knowledge, language))

    if plan_as is None:
        starts = plan()
    else:  # the same list under another first card pages differently: the card is in the key
        key = ("briefings.fact_pages", plan_as, language, first.title, first.size,
               tuple(s.article_id for s in first.sources), bool(first.body or first.fields or first.lines))
        starts = _recent_plan(knowledge, key, plan) if recent else knowledge.memo(key, plan)
    return PagedItems(first, len(positions), item_at, starts, source_maker(knowledge, language))


def _recent_plan(knowledge: Knowledge, key: Hashable, plan: Callable[[], list[int]]) -> list[int]:
    """A page plan kept among the most recently asked ones."""
    plans: OrderedDict[Hashable, list[int]] = knowledge.memo(("briefings.recent_plans",), OrderedDict)
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


def _fact_pages(knowledge: Knowledge, first: Card, positions: Sequence[int], language: str,
                suffix: Callable[[Fact], str] | None = None, plan_as: Hashable | None = None,
                recent: bool = False) -> Reply:
    return Reply(_numbered([_fact_cards(knowledge, first, positions, language, suffix, plan_as, recent)], language))


def _numbered(parts: Sequence[Sequence[Card]], language: str) -> Pages:
    return Pages(parts, _page_label(language))


# --- commands -----------------------------------------------------------------------------------

def start(knowledge: Knowledge, arguments: str, request: Request) -> Reply:
    language = request.language
    bounds = knowledge.period
    years = f"{bounds[0].year}–{bounds[1].year}" if bounds else "–"
    if bounds and bounds[0].year == bounds[1].year:
        years = str(bounds[0].year)
    articles = plural(language, len(knowledge.articles), ("artykuł", "artykuły", "artykułów")
                      if language == "pl" else ("article", "articles"))
    facts = plural(language, len(knowledge.facts), ("datowany fakt", "datowane fakty", "datowanych faktów")
                   if language == "pl" else ("dated fact", "dated facts"))
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


def timeline(knowledge: Knowledge, arguments: str, request: Request) -> Reply:
    language = request.language
    positions: Sequence[int]
    plan_as: Hashable | None = None
    if not arguments:
        positions, what, plan_as = range(len(knowledge.facts)), None, ("timeline",)
    else:
        wanted = parse_period(arguments)
        topic = None if wanted else knowledge.find_topic(arguments)
        if wanted is None and topic is None:
            topics = ", ".join(tp.id for tp in knowledge.topics.values()) or "–"
            return notice(t(language, "timeline.bad", arg=shorten(arguments, 60), topics=topics))
        if wanted is not None:
            positions, what = knowledge.timeline_positions(wanted), format_date(wanted, language)
        else:
            assert topic is not None
            positions, what, plan_as = knowledge.topic_positions(topic.id), topic.title, ("topic", topic.id)
    title = t(language, "timeline.title_for", what=what) if what else t(language, "timeline.title")
    if not positions:
        return notice(t(language, "timeline.empty", what=what or "–"), title=title)
    first = Card(title=title, date=knowledge.facts[positions[0]].value)
    return _fact_pages(knowledge, first, positions, language, plan_as=plan_as)


def sources(knowledge: Knowledge, arguments: str, request: Request) -> Reply:
    language = request.language
    if not arguments:
        return Reply(_numbered([_article_list(knowledge, language)], language))
    fact = knowledge.by_id.get(arguments.lower())
    if fact is None:
        found = knowledge.find_article(arguments)
        if isinstance(found.found, Article):
            return article_card(knowledge, found.found.id, request)
        return notice(t(language, "sources.unknown_fact", arg=shorten(arguments, 60)))
    article = knowledge.articles[fact.article]
    when = format_date(fact.value, language)
    if fact.mention:
        when += f" („{fact.mention}”)" if language == "pl" else f" (\"{fact.mention}\")"
    else:
        when += f" — {t(language, 'sources.curated')}"
    fields = (
        CardField(t(language, "sources.date"), when),
        *([CardField(t(language, "sources.corrected"), f"{fact.text} ({t(language, 'facts.printed', printed=fact.printed)})")]
          if fact.printed else []),
        CardField(t(language, "sources.article"), f"{article.title} [1] — /card {article.id}"),
        CardField(t(language, "sources.where"),
                  t(language, "sources.where_value", path=f"articles/{article.path.name}", line=fact.line)),
    )
    body, _ = cut_at_sentence([f"„{fact.quote}”"], 700)
    card = Card(
        title=t(language, "sources.fact_title", id=fact.id),
        body=body,
        fields=fields,
        sources=(source_maker(knowledge, language)(article.id, 1),),
        date=fact.value,
    )
    return Reply((card,))


def _article_list(knowledge: Knowledge, language: str) -> PagedItems:
    """Every article, in publication order, over cards; the page plan is worked out once."""
    articles = knowledge.memo(("briefings.articles",), lambda: list(knowledge.articles.values()))
    first = Card(title=t(language, "sources.title"))

    def item_at(index: int) -> Item:
        article = articles[index]
        return Item(text=f"{article.title} — /card {article.id}",
                    label=format_published(article.published, article.published_precision, language,
                                           article.published_inferred),
                    articles=(article.id,))

    sources = _source_sizes(knowledge, language)
    starts = knowledge.memo(("briefings.article_pages", language), lambda: plan_pages(
        first, [item_size(item_at(i)) + sources[a.id] for i, a in enumerate(articles)], [a.id for a in articles],
        sources))
    return PagedItems(first, len(articles), item_at, starts, source_maker(knowledge, language))


def article_card(knowledge: Knowledge, arguments: str, request: Request) -> Reply:
    language = request.language
    ids = ", ".join(knowledge.articles) or "–"
    if not arguments:
        return notice(t(language, "card.missing", ids=ids))
    lookup = knowledge.find_article(arguments)
    if not isinstance(lookup.found, Article):
        if lookup.candidates:
            return notice(t(language, "card.ambiguous", arg=shorten(arguments, 60), ids=", ".join(lookup.candidates)))
        return notice(t(language, "card.unknown", arg=shorten(arguments, 60), ids=ids))
    article = lookup.found
    lead, _ = cut_at_sentence([s.text for s in split_sentences(article.body)], LEAD_BUDGET)
    fields = [CardField(t(language, "card.outlet"), format_outlet(article.outlet, language)),
              CardField(t(language, "card.published"),
                        format_published(article.published, article.published_precision, language,
                                         article.published_inferred, explained=True))]
    if article.author:
        fields.append(CardField(t(language, "card.author"), article.author))
    if article.topics:
        names = [f"/{knowledge.topics[i].command}" for i in article.topics if i in knowledge.topics]
        fields.append(CardField(t(language, "card.topics"), ", ".join(names)))
    first = Card(
        title=article.title,
        body=lead,
        fields=tuple(fields),
        sources=(source_maker(knowledge, language)(article.id, 1),),
        date=DateValue(article.published),
    )
    return _fact_pages(knowledge, first, knowledge.positions(knowledge.of_article(article.id)), language)


def on_this_day(knowledge: Knowledge, arguments: str, request: Request) -> Reply:
    language = request.language
    if arguments:
        parsed = parse_month_day(arguments)
        if parsed is None:
            return notice(t(language, "onthisday.bad", arg=shorten(arguments, 60)))
        month, day = parsed
    else:
        month, day = request.today.month, request.today.day
    label = format_month_day(month, day, language)
    title = t(language, "onthisday.title", day=label)
    facts = knowledge.on_this_day(month, day, before=request.today)
    if not facts:
        empty = t(language, "onthisday.empty", day=label)
        nearest = knowledge.nearest_month_day(month, day, before=request.today)
        if nearest is not None:
            empty += " " + t(language, "onthisday.nearest", day=format_month_day(*nearest, language),
                             command=f"/onthisday {nearest[0]:02d}-{nearest[1]:02d}")
        return notice(empty, title=title)
    ago: dict[int, str] = {}

    def suffix(fact: Fact) -> str:  # after the date; the same few years for every fact
        years = request.today.year - fact.value.start.year
        if years not in ago:
            ago[years] = f" · {years_ago(language, years)}"
        return ago[years]

    return _fact_pages(knowledge, Card(title=title), knowledge.positions(facts), language, suffix)


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


def search(knowledge: Knowledge, arguments: str, request: Request) -> Reply:
    """Dated facts with every word of the query in some form, and the articles whose title or text
    has them (those without a dated sentence on them too)."""
    language = request.language
    if not arguments:
        return notice(t(language, "search.missing"))
    query = shorten(arguments, 60)
    positions = knowledge.search_positions(arguments)
    articles = knowledge.search_articles(arguments)
    title = t(language, "search.title", query=query)
    if not positions and not articles:
        hint = f" {t(language, 'search.polish')}" if _looks_english(arguments) else ""
        return notice(t(language, "search.empty", query=query) + hint, title=title)
    if not positions:
        lines = tuple(Line(text=f"{shorten(a.title, 90)} — /card {a.id}",
                           label=format_published(a.published, a.published_precision, language, a.published_inferred))
                      for a in articles[:SEARCH_ARTICLES])
        more = len(articles) - len(lines)
        return Reply((Card(title=title, body=t(language, "search.only_articles", count=len(articles)), lines=lines,
                           footer=t(language, "search.more", count=more) if more else None),))
    named = " ".join(f"/card {a.id}" for a in articles[:SEARCH_FIELD])
    if len(articles) > SEARCH_FIELD:
        named += f" (+{len(articles) - SEARCH_FIELD})"
    first = Card(title=title, body=t(language, "search.count", count=len(positions)),
                 fields=(CardField(t(language, "search.articles", count=len(articles)), named),) if articles else ())
    # Telegram asks again for every page turned: the plan of a search asked lately is kept.
    return _fact_pages(knowledge, first, positions, language, plan_as=("search", tuple(lemmas.words(arguments))),
                       recent=True)


def topic_card(knowledge: Knowledge, arguments: str, request: Request, *, topic_id: str) -> Reply:
    language = request.language
    topic: Topic = knowledge.topics[topic_id]
    positions = knowledge.topic_positions(topic.id)
    articles = knowledge.topic_articles(topic)
    summary, _ = cut_at_sentence([s.text for s in split_sentences(topic.summary)], LEAD_BUDGET)
    fields = [
        CardField(t(language, "topic.facts"), str(len(positions))),
        CardField(t(language, "topic.articles"), str(len(articles))),
    ]
    bounds = knowledge.topic_period(topic.id)
    if bounds:
        fields.append(CardField(t(language, "topic.period"), format_date(period(*bounds), language)))
    make = source_maker(knowledge, language)
    sources = [make(a.id, n) for n, a in enumerate(
        [knowledge.articles[i] for i in topic.sources if i in knowledge.articles], start=1)]
    first = Card(
        title=topic.title,
        body=summary,
        fields=tuple(fields),
        sources=tuple(sources),
        footer=t(language, "topic.more", topic=topic.id),
    )
    # Where the sources give different figures, that comes right after the summary.
    groups = [g for g in knowledge.figure_groups(topic.id) if g.varies]
    flags = knowledge.list_flags(topic.id)
    differ = _figure_cards(knowledge, groups, t(language, "figures.differ_title", what=topic.title), language, flags)
    pages = _fact_cards(knowledge, first, positions, language, plan_as=("topic", topic.id))
    return Reply(_numbered([(pages[0],), differ, Skip(pages, 1)], language))


def _figure_field(knowledge: Knowledge, group: FigureGroup, language: str, numbers: dict[str, int],
                  sources: list[SourceRef], room: int) -> CardField:
    """One quantity's figures side by side: value, source number, as-of date.

    As many as fit in ``room`` (a card of their own); the rest are counted, "… (+N)": a large
    corpus has thousands of figures of one quantity, and a card is one screen.
    """
    make = source_maker(knowledge, language)
    label = group.quantity.label if language == "pl" else group.quantity.label_en
    name = f"{label} — {t(language, f'figures.verdict.{group.verdict}')}"
    used = len(name) + 3
    planned: list[tuple[str, str, bool]] = []  # (text, article, whether it is cited anew)
    cited = dict(numbers)
    for entry in group.entries:
        new = entry.article not in cited
        if new:
            cited[entry.article] = len(cited) + 1
        text = t(language, "figures.entry", text=entry.figure.text, n=cited[entry.article],
                 date=format_date(entry.as_of, language))
        used += len(text) + 2 + (source_size(make(entry.article, cited[entry.article])) if new else 0)
        planned.append((text, entry.article, new))
        if used > room:
            break
    if used > room and len(planned) > 1:  # drop entries until "… (+N)" fits too
        while len(planned) > 1:
            text, article, new = planned.pop()
            used -= len(text) + 2 + (source_size(make(article, cited[article])) if new else 0)
            if used + len(f"… (+{group.count - len(planned)})") + 2 <= room:
                break
    parts = []
    for text, article, new in planned:
        if new:
            numbers[article] = len(numbers) + 1
            sources.append(make(article, numbers[article]))
        parts.append(text)
    if len(planned) < group.count:
        parts.append(f"… (+{group.count - len(planned)})")
    return CardField(name, "; ".join(parts))


def figures(knowledge: Knowledge, arguments: str, request: Request) -> Reply:
    """/figures [topic]: every quantity's figures, source by source, with their dates."""
    language = request.language
    topic = knowledge.find_topic(arguments) if arguments else None
    if arguments and topic is None:
        topics = ", ".join(tp.id for tp in knowledge.topics.values()) or "–"
        return notice(t(language, "figures.bad", arg=shorten(arguments, 60), topics=topics))
    groups = knowledge.figure_groups(topic.id if topic else None)
    title = t(language, "figures.title_for", what=topic.title) if topic else t(language, "figures.title")
    if not groups:
        return notice(t(language, "figures.empty"), title=title)
    return Reply(_numbered([_figure_cards(knowledge, groups, title, language)], language))


def _flag_field(knowledge: Knowledge, flag: ListFlag, language: str, numbers: dict[str, int],
                sources: list[SourceRef]) -> CardField:
    """A list in an article that names states the topic's reference list does not."""
    if flag.article not in numbers:
        numbers[flag.article] = len(numbers) + 1
        sources.append(source_maker(knowledge, language)(flag.article, numbers[flag.article]))
    return CardField(t(language, "lists.title", name=flag.reference.name),
                     t(language, "lists.flag", n=numbers[flag.article], wrong=", ".join(flag.wrong),
                       source=flag.reference.source))


def _figure_cards(knowledge: Knowledge, groups: list[FigureGroup], title: str, language: str,
                  flags: Sequence[ListFlag] = ()) -> list[Card]:
    """Figure groups (and flagged lists) as fields on cards of a screen each."""
    entries: list[FigureGroup | ListFlag] = [*groups, *flags]
    if not entries:
        return []

    def field_of(entry: FigureGroup | ListFlag, numbers: dict[str, int], sources: list[SourceRef]) -> CardField:
        if isinstance(entry, FigureGroup):
            return _figure_field(knowledge, entry, language, numbers, sources, CARD_BUDGET - 2 * len(title))
        return _flag_field(knowledge, entry, language, numbers, sources)

    cards: list[Card] = []
    current = Card(title=title)
    for entry in entries:
        numbers = {source.article_id: source.number for source in current.sources}
        sources = list(current.sources)
        field = field_of(entry, numbers, sources)
        candidate = replace(current, fields=(*current.fields, field), sources=tuple(sources))
        if current.fields and candidate.size > CARD_BUDGET:
            cards.append(current)  # this entry starts the next card, its sources numbered from 1
            numbers, sources = {}, []
            field = field_of(entry, numbers, sources)
            candidate = Card(title=title, fields=(field,), sources=tuple(sources))
        current = candidate
    cards.append(current)
    return cards


def digest_elsewhere(knowledge: Knowledge, arguments: str, request: Request) -> Reply:
    """/digest needs a chat and its admins: the chat adapters answer it, this says where."""
    return notice(t(request.language, "digest.not_here"))


def language(knowledge: Knowledge, arguments: str, request: Request) -> Reply:
    wanted = arguments.strip().lower()
    if wanted not in LANGUAGES:
        return notice(t(request.language, "lang.bad"))
    return Reply((Card(title="briefing-bot", body=t(wanted, "lang.set")),), language=wanted)  # type: ignore[arg-type]
