"""The read-only pages: home, timeline (with its picture), a topic, an event, a fact, and the
timeline as TimelineJS JSON.

Rendered on the server (``render.py``), Polish unless ``?lang=en`` or ``?lang=ru`` asks otherwise.
The timeline's picture is drawn by the process's one ``Charts``, off the event loop and kept per
query until the content changes.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from aiohttp import web

from bot.briefings.cards import ChartQuery
from bot.briefings.service import Briefing
from bot.content.loader import Article, Erratum
from bot.export.charts import Charts
from bot.export.png import WIDTH, height_of, refusal
from bot.export.selection import ExportError, Selection, select
from bot.export.timelinejs import timeline as timelinejs
from bot.extraction.facts import Fact
from bot.i18n.messages import format_date, format_month_day, format_published, t, years_ago
from bot.language.dates import between
from bot.web.render import error_page, language_of, render, words

#: The briefing the health checks use too: the pages show what the running bot knows.
BRIEFING: web.AppKey[Briefing] = web.AppKey("briefing", Briefing)
#: The process's one cache of timeline pictures (the chat adapters' too, where they draw any).
CHARTS: web.AppKey[Charts] = web.AppKey("charts", Charts)

#: How many of the latest events the home page lists.
LATEST = 10


def briefing(request: web.Request) -> Briefing:
    return request.app[BRIEFING]


def filters_of(request: web.Request) -> tuple[ChartQuery, Selection] | web.Response:
    """The filters ``?from=``, ``?to=`` and ``?topic=`` ask for and the events they select, or a
    400 page saying what is accepted."""
    knowledge = briefing(request).knowledge
    query = request.query
    try:
        first, last = (date.fromisoformat(query[k]) if query.get(k) else None for k in ("from", "to"))
        found = select(knowledge, query.get("topic") or None, first, last)
    except (ValueError, ExportError) as error:
        accepted = f"{words(language_of(request))['accepted']} {', '.join(knowledge.topics) or '—'}"
        return error_page(request, 400, f"{error}. {accepted}")
    return ChartQuery(found.topic.id if found.topic else None, first, last, language_of(request)), found


async def home(request: web.Request) -> web.Response:
    """The topics, today's anniversaries (as ``/onthisday`` finds them) and the latest events."""
    served = briefing(request)
    knowledge = served.knowledge
    language = language_of(request)
    today = served.today()
    facts = knowledge.on_this_day(today.month, today.day, before=today)
    anniversaries = [knowledge.events[p] for p in knowledge.event_positions(knowledge.positions(facts))]
    nearest = None if anniversaries else knowledge.nearest_month_day(today.month, today.day, before=today)
    return render(
        request,
        "home.html",
        topics=list(knowledge.topics.values()),
        events=list(reversed(knowledge.events[-LATEST:])),
        anniversaries=anniversaries,
        on_this_day=t(language, "onthisday.title", day=format_month_day(today.month, today.day, language)),
        no_anniversaries=t(language, "onthisday.empty", day=format_month_day(today.month, today.day, language)),
        nearest=format_month_day(*nearest, language) if nearest else "",
        ago=lambda event: years_ago(language, today.year - event.value.start.year),
    )


async def timeline(request: web.Request) -> web.Response:
    found = filters_of(request)
    if isinstance(found, web.Response):
        return found
    query, selection = found
    chosen = {
        "from": query.first.isoformat() if query.first else "",
        "to": query.last.isoformat() if query.last else "",
        "topic": query.topic or "",
    }
    return render(
        request,
        "timeline.html",
        selection=selection,
        topics=list(selection.knowledge.topics.values()),
        chosen=chosen,
        chart=chart(request, selection, chosen),
    )


def chart(request: web.Request, selection: Selection, chosen: dict[str, str]) -> dict[str, object] | None:
    """The ``<img>`` of the selection's picture (its address, size and alt text), or None when there
    is none to show: no events, or more than one picture holds (then ``too_large`` says so)."""
    if not selection.events:
        return None
    if refusal(selection) is not None:
        return {"too_large": True}
    language = language_of(request)
    events = selection.events
    last = max((e.value for e in events), key=lambda v: (v.last_day, -v.start.toordinal()))
    period = format_date(between(events[0].value, last), language)
    topic = f" ({selection.topic.title})" if selection.topic else ""
    alt = words(language)["chart_alt"].format(topic=topic, period=period, count=len(events))
    wanted = urlencode({k: v for k, v in {**chosen, "lang": request.query.get("lang", "")}.items() if v})
    src = f"/timeline.png?{wanted}" if wanted else "/timeline.png"
    return {"src": src, "width": WIDTH, "height": height_of(selection), "alt": alt}


async def timeline_png(request: web.Request) -> web.Response:
    """The picture of the timeline's events, for the same filters; none for no events or too many."""
    found = filters_of(request)
    if isinstance(found, web.Response):
        return found
    query, selection = found
    refused = refusal(selection)
    if refused is not None:
        return error_page(request, 404, refused)
    picture = await request.app[CHARTS].png_async(selection.knowledge, query)
    return web.Response(body=picture, content_type="image/png")


async def timeline_json(request: web.Request) -> web.Response:
    found = filters_of(request)
    if isinstance(found, web.Response):
        return found
    return web.json_response(timelinejs(found[1]))


async def topic(request: web.Request) -> web.Response:
    knowledge = briefing(request).knowledge
    found = knowledge.topics.get(request.match_info["id"])
    if found is None:
        return error_page(request, 404, request.match_info["id"])
    covered = knowledge.topic_period(found.id)
    period = format_date(covered, language_of(request)) if covered else ""
    return render(request, "topic.html", topic=found, period=period, selection=select(knowledge, found.id))


async def event(request: web.Request) -> web.Response:
    knowledge = briefing(request).knowledge
    found = knowledge.event_by_id.get(request.match_info["id"])
    if found is None:
        return error_page(request, 404, request.match_info["id"])
    quotes = [(fact, knowledge.articles.get(fact.article)) for fact in found.facts]
    topics = [knowledge.topics[i] for i in found.topics if i in knowledge.topics]
    return render(request, "event.html", event=found, quotes=quotes, topics=topics)


def errata_of(fact: Fact, article: Article | None) -> list[Erratum]:
    """The article's errata that corrected this fact's sentence (what ``printed`` lists)."""
    if article is None or not fact.printed:
        return []
    printed = fact.printed.split("; ")
    return [erratum for erratum in article.errata if erratum.quote in printed]


async def fact(request: web.Request) -> web.Response:
    """A fact: its quote, date (with its precision), article, outlet, link, topics, event and errata."""
    knowledge = briefing(request).knowledge
    found = knowledge.by_id.get(request.match_info["id"])
    if found is None:
        return error_page(request, 404, request.match_info["id"])
    language = language_of(request)
    article = knowledge.articles.get(found.article)
    published = (
        format_published(article.published, article.published_precision, language, article.published_inferred, True)
        if article
        else ""
    )
    return render(
        request,
        "fact.html",
        fact=found,
        article=article,
        published=published,
        errata=errata_of(found, article),
        event=knowledge.event_of(found),
        topics=[knowledge.topics[i] for i in found.topics if i in knowledge.topics],
    )


def add_pages(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/timeline", timeline)
    app.router.add_get("/timeline.json", timeline_json)
    app.router.add_get("/timeline.png", timeline_png)
    app.router.add_get("/topic/{id}", topic)
    app.router.add_get("/event/{id}", event)
    app.router.add_get("/fact/{id}", fact)
