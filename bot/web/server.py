"""The aiohttp server of the web side: health, metrics and the pages (``pages.py``), read-only,
bounded requests.

Only GET and HEAD are answered (anything else: 405), request bodies are refused beyond a kilobyte,
request lines and headers are kept short, a query of more than a few parameters is a 400, and any
other path is the HTML 404 page in the request's language.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.base.errors import BriefingError
from bot.briefings.service import Briefing
from bot.export.charts import Charts
from bot.web.health import PlatformStates, readiness
from bot.web.metrics import PrometheusMetrics
from bot.web.pages import BRIEFING, CHARTS, add_pages
from bot.web.render import error_page, language_of, words

log = logging.getLogger(__name__)

#: The largest request body, request line and header the server reads, in bytes.
MAX_BODY = 1024
MAX_LINE = 2048
#: The most query parameters a request may carry: the pages take four (from, to, topic, lang).
MAX_PARAMETERS = 8
METHODS = frozenset({"GET", "HEAD"})

STATES: web.AppKey[PlatformStates] = web.AppKey("states", PlatformStates)
METRICS: web.AppKey[PrometheusMetrics] = web.AppKey("metrics", PrometheusMetrics)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def read_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in METHODS:
        raise web.HTTPMethodNotAllowed(request.method, sorted(METHODS))
    return await handler(request)


@web.middleware
async def pages_for_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A query of too many parameters, and a path no route takes, get the HTML error page in the
    request's language, not aiohttp's plain text."""
    if len(request.query) > MAX_PARAMETERS:
        return error_page(request, 400, words(language_of(request))["too_many_values"])
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return error_page(request, 404, f"{words(language_of(request))['no_page']} {request.path}")


async def healthz(request: web.Request) -> web.Response:
    """Alive: the event loop answers."""
    return web.Response(text="ok")


async def readyz(request: web.Request) -> web.Response:
    """200 with each check when every one passes; 503 naming each that fails, and why."""
    checks = readiness(request.app[BRIEFING], request.app[STATES])
    ready = all(check.ok for check in checks)
    body = {"ready": ready, "checks": {c.name: "ok" if c.ok else c.reason for c in checks}}
    return web.json_response(body, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    response = web.Response(body=request.app[METRICS].exposition())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def create_app(
    briefing: Briefing, states: PlatformStates, collectors: PrometheusMetrics, charts: Charts | None = None
) -> web.Application:
    app = web.Application(middlewares=[read_only, pages_for_errors], client_max_size=MAX_BODY)
    app[BRIEFING], app[STATES], app[METRICS] = briefing, states, collectors
    app[CHARTS] = charts if charts is not None else Charts()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    add_pages(app)
    return app


async def start_web(
    briefing: Briefing,
    states: PlatformStates,
    collectors: PrometheusMetrics,
    host: str,
    port: int,
    charts: Charts | None = None,
) -> web.AppRunner:
    """Serve the web side on ``host:port`` (port 0: one the system picks) until the runner is
    cleaned up; the caller does that. A port that cannot be listened on raises ``BriefingError``."""
    runner = web.AppRunner(
        create_app(briefing, states, collectors, charts),
        access_log=None,
        max_line_size=MAX_LINE,
        max_field_size=MAX_LINE,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        raise BriefingError(f"cannot serve the web side on {host}:{port}: {error.strerror or error}") from None
    log.warning("health and metrics on http://%s:%d/", host, bound_port(runner) or port)
    return runner


def bound_port(runner: web.AppRunner) -> int | None:
    """The port the runner listens on (the one picked for port 0)."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return None
