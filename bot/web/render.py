"""How the pages are written: the Jinja2 environment (autoescaped: content is never trusted as
markup), the page's language (``?lang=``, Polish by default), the words of the pages and the error
pages.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.i18n.messages import Language, format_date, format_outlet, supported, t

#: The words of the pages that the chat replies do not use: ``web.<key>`` in the catalogue.
WEB_WORDS = (
    "home",
    "latest",
    "events",
    "from",
    "to",
    "all",
    "show",
    "no_events",
    "not_found",
    "no_page",
    "bad_request",
    "accepted",
    "too_many_values",
    "fact",
    "quote",
    "precision",
    "day",
    "month",
    "year",
    "range",
    "as_written",
    "article_id",
    "source_link",
    "errata",
    "printed",
    "correction",
    "on_this_day",
    "nearest",
    "chart_alt",
    "chart_full",
    "chart_too_large",
)

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
    found = {key: t(language, f"web.{key}") for key in WEB_WORDS}
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
