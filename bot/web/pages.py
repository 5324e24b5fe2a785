"""The read-only HTML pages: home, timeline, a topic, an event, and the timeline as TimelineJS JSON.

Rendered on the server with Jinja2 (autoescaped: content is never trusted as markup), Polish unless
``?lang=en`` or ``?lang=ru`` asks otherwise, in the bot's own catalogue words where it has them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.briefings.service import Briefing
from bot.export.selection import ExportError, Selection, select
from bot.export.timelinejs import timeline as timelinejs
from bot.i18n.messages import Language, format_date, format_outlet, supported, t
from bot.knowledge.events import Event

#: The briefing the health checks use too: the pages show what the running bot knows.
BRIEFING: web.AppKey[Briefing] = web.AppKey("briefing", Briefing)

#: How many of the latest events the home page lists.
LATEST = 10

#: The words of the pages that the chat catalogue lacks.
WORDS: Mapping[str, Mapping[Language, str]] = {
    "home": {"pl": "Strona główna", "en": "Home", "ru": "Главная"},
    "latest": {"pl": "Najnowsze wydarzenia", "en": "Latest events", "ru": "Последние события"},
    "events": {"pl": "Wydarzenia", "en": "Events", "ru": "События"},
    "from": {"pl": "Od", "en": "From", "ru": "С"},
    "to": {"pl": "Do", "en": "To", "ru": "По"},
    "all": {"pl": "wszystkie", "en": "all", "ru": "все"},
    "show": {"pl": "Pokaż", "en": "Show", "ru": "Показать"},
    "no_events": {"pl": "Brak wydarzeń.", "en": "No events.", "ru": "Событий нет."},
    "not_found": {"pl": "Nie znaleziono", "en": "Not found", "ru": "Не найдено"},
    "bad_request": {"pl": "Błędne zapytanie", "en": "Bad request", "ru": "Неверный запрос"},
    "accepted": {
        "pl": "from i to przyjmują RRRR-MM-DD, topic — identyfikator tematu:",
        "en": "from and to take YYYY-MM-DD, topic a topic's id:",
        "ru": "from и to принимают ГГГГ-ММ-ДД, topic — идентификатор темы:",
    },
}

#: Words taken from the chat catalogue.
CATALOGUE = {
    "timeline": "timeline.title",
    "period": "topic.period",
    "sources": "sources.title",
    "topics": "card.topics",
    "article": "sources.article",
    "outlet": "card.outlet",
}


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def words(language: Language) -> dict[str, str]:
    found = {key: by_language[language] for key, by_language in WORDS.items()}
    found.update({key: t(language, msgid) for key, msgid in CATALOGUE.items()})
    return found


def language_of(request: web.Request) -> Language:
    return supported(request.query.get("lang", ""))


def render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    language = language_of(request)

    def href(path: str, **query: str) -> str:
        """A link within the site that keeps the page's language."""
        wanted = {k: v for k, v in query.items() if v}
        if language != "pl":
            wanted["lang"] = language
        return f"{path}?{urlencode(wanted)}" if wanted else path

    text = (
        environment()
        .get_template(template)
        .render(
            lang=language,
            w=words(language),
            href=href,
            when=lambda event: format_date(event.value, language),
            outlet=lambda name: format_outlet(name, language),
            **values,
        )
    )
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def briefing(request: web.Request) -> Briefing:
    return request.app[BRIEFING]


def not_found(request: web.Request, what: str) -> web.Response:
    return render(request, "error.html", status=404, title=words(language_of(request))["not_found"], message=what)


def selection_of(request: web.Request) -> Selection | web.Response:
    """The events ``?from=``, ``?to=`` and ``?topic=`` ask for, or a 400 page saying what is accepted."""
    knowledge = briefing(request).knowledge
    query = request.query
    try:
        first, last = (date.fromisoformat(query[k]) if query.get(k) else None for k in ("from", "to"))
        return select(knowledge, query.get("topic") or None, first, last)
    except (ValueError, ExportError) as error:
        language = language_of(request)
        message = f"{error}. {words(language)['accepted']} {', '.join(knowledge.topics) or '—'}"
        return render(request, "error.html", status=400, title=words(language)["bad_request"], message=message)


def events_by_id(briefing: Briefing) -> dict[str, Event]:
    knowledge = briefing.knowledge
    return knowledge.memo(("web.events_by_id",), lambda: {event.id: event for event in knowledge.events})


async def home(request: web.Request) -> web.Response:
    knowledge = briefing(request).knowledge
    latest = list(reversed(knowledge.events[-LATEST:]))
    return render(request, "home.html", topics=list(knowledge.topics.values()), events=latest)


async def timeline(request: web.Request) -> web.Response:
    found = selection_of(request)
    if isinstance(found, web.Response):
        return found
    query = request.query
    return render(
        request,
        "timeline.html",
        selection=found,
        topics=list(found.knowledge.topics.values()),
        chosen={
            "from": query.get("from", ""),
            "to": query.get("to", ""),
            "topic": found.topic.id if found.topic else "",
        },
    )


async def timeline_json(request: web.Request) -> web.Response:
    found = selection_of(request)
    if isinstance(found, web.Response):
        return found
    return web.json_response(timelinejs(found))


async def topic(request: web.Request) -> web.Response:
    knowledge = briefing(request).knowledge
    found = knowledge.topics.get(request.match_info["id"])
    if found is None:
        return not_found(request, request.match_info["id"])
    covered = knowledge.topic_period(found.id)
    period = format_date(covered, language_of(request)) if covered else ""
    return render(request, "topic.html", topic=found, period=period, selection=select(knowledge, found.id))


async def event(request: web.Request) -> web.Response:
    found = events_by_id(briefing(request)).get(request.match_info["id"])
    if found is None:
        return not_found(request, request.match_info["id"])
    knowledge = briefing(request).knowledge
    quotes = [(fact, knowledge.articles.get(fact.article)) for fact in found.facts]
    topics = [knowledge.topics[i] for i in found.topics if i in knowledge.topics]
    return render(request, "event.html", event=found, quotes=quotes, topics=topics)


def add_pages(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/timeline", timeline)
    app.router.add_get("/timeline.json", timeline_json)
    app.router.add_get("/topic/{id}", topic)
    app.router.add_get("/event/{id}", event)
