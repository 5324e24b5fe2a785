"""How the pages are written: the Jinja2 environment (autoescaped: content is never trusted as
markup), the page's language (``?lang=``, Polish by default), the words of the pages and the error
pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.i18n.messages import Language, format_date, format_outlet, supported, t

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
    "no_page": {"pl": "Nie ma takiej strony:", "en": "There is no such page:", "ru": "Такой страницы нет:"},
    "bad_request": {"pl": "Błędne zapytanie", "en": "Bad request", "ru": "Неверный запрос"},
    "accepted": {
        "pl": "from i to przyjmują RRRR-MM-DD, topic — identyfikator tematu:",
        "en": "from and to take YYYY-MM-DD, topic a topic's id:",
        "ru": "from и to принимают ГГГГ-ММ-ДД, topic — идентификатор темы:",
    },
    "too_many_values": {
        "pl": "Za dużo parametrów zapytania; strony przyjmują from, to, topic i lang.",
        "en": "Too many query parameters; the pages take from, to, topic and lang.",
        "ru": "Слишком много параметров запроса; страницы принимают from, to, topic и lang.",
    },
    "fact": {"pl": "Fakt", "en": "Fact", "ru": "Факт"},
    "quote": {"pl": "Cytat", "en": "Quote", "ru": "Цитата"},
    "precision": {"pl": "dokładność", "en": "precision", "ru": "точность"},
    "day": {"pl": "dzień", "en": "a day", "ru": "день"},
    "month": {"pl": "miesiąc", "en": "a month", "ru": "месяц"},
    "year": {"pl": "rok", "en": "a year", "ru": "год"},
    "range": {"pl": "okres", "en": "a period", "ru": "период"},
    "as_written": {"pl": "odczytano z", "en": "read from", "ru": "прочитано из"},
    "article_id": {"pl": "identyfikator", "en": "id", "ru": "идентификатор"},
    "source_link": {"pl": "Tekst źródła", "en": "The source's text", "ru": "Текст источника"},
    "errata": {"pl": "Errata", "en": "Errata", "ru": "Исправления"},
    "printed": {"pl": "w źródle", "en": "as printed", "ru": "в источнике"},
    "correction": {"pl": "poprawka", "en": "correction", "ru": "исправление"},
    "on_this_day": {"pl": "W tym dniu", "en": "On this day", "ru": "В этот день"},
    "nearest": {
        "pl": "Najbliższy dzień z rocznicami:",
        "en": "The nearest day with anniversaries:",
        "ru": "Ближайший день с годовщинами:",
    },
    "chart_alt": {
        "pl": "Wykres osi czasu{topic}: {period}, liczba wydarzeń: {count}; każde wydarzenie na osi dat "
        "z nagłówkiem, dzień jako punkt, dłuższy okres jako pasek.",
        "en": "Timeline chart{topic}: {period}, events: {count}; each event on a date axis with its "
        "headline, a day as a point, a longer period as a bar.",
        "ru": "График хронологии{topic}: {period}, событий: {count}; каждое событие на оси дат с "
        "заголовком, день — точкой, более долгий период — полосой.",
    },
    "chart_full": {
        "pl": "Wykres w pełnym rozmiarze (PNG)",
        "en": "The chart at full size (PNG)",
        "ru": "График в полном размере (PNG)",
    },
    "chart_too_large": {
        "pl": "Za dużo wydarzeń na jeden wykres: zawęź okres lub wybierz temat.",
        "en": "Too many events for one chart: narrow the period or choose a topic.",
        "ru": "Слишком много событий для одного графика: сузьте период или выберите тему.",
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
    "published": "card.published",
    "date": "sources.date",
    "event": "sources.event",
    "corrected": "sources.corrected",
    "curated": "sources.curated",
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
            when=lambda item: format_date(item.value, language),
            outlet=lambda name: format_outlet(name, language),
            **values,
        )
    )
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    """The HTML page of a 400 or a 404, in the request's language, saying what went wrong."""
    title = words(language_of(request))["not_found" if status == 404 else "bad_request"]
    return render(request, "error.html", status=status, title=title, message=message)
