"""Fetching one page for ``content add``, or a feed for the poller: a timeout, a size limit, a few
redirects, an honest User-Agent, and every network error as one line (``FetchError``). A feed is
asked for conditionally (``If-None-Match``, ``If-Modified-Since``), and 304 is its answer too."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import IO

from bot.base.errors import BriefingError

TIMEOUT_SECONDS = 20.0
MAX_BYTES = 5_000_000  # what the content loader reads of an article, and more than any news page
MAX_REDIRECTS = 5
HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)
#: What feeds are served as; any other text or XML type is left to feedparser to judge.
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")
_CHUNK = 65_536


class FetchError(BriefingError):
    """A page could not be fetched: the message, one line, says why."""


@dataclass(frozen=True, slots=True)
class Page:
    """What a server answered: the body, the address it came from after redirects, and whether
    it is HTML (else plain text, decoded with ``charset``)."""

    body: bytes
    url: str
    is_html: bool
    charset: str | None


@dataclass(frozen=True, slots=True)
class FeedDocument:
    """A feed as the server answered: its bytes (none when ``not_modified``), its address after
    redirects, its type, and the validators to send back at the next poll."""

    body: bytes
    url: str
    content_type: str
    etag: str | None
    modified: str | None
    not_modified: bool = False


def user_agent() -> str:
    """``briefing-bot/<version> (+<the project's address>)``: who is asking, so that a site can
    tell the bot from a browser and reach its authors."""
    try:
        version = metadata.version("briefing-bot")
        urls = metadata.metadata("briefing-bot").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        version, urls = "0", []
    address = next((u.split(",", 1)[1].strip() for u in urls if "," in u), None)
    return f"briefing-bot/{version} (+{address})" if address else f"briefing-bot/{version} (content add)"


class _Redirects(urllib.request.HTTPRedirectHandler):
    """At most ``MAX_REDIRECTS`` redirects, and only to http(s) addresses."""

    max_redirections = MAX_REDIRECTS
    max_repeats = 2

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not newurl.lower().startswith(("http://", "https://")):
            raise FetchError(f"{req.full_url}: redirected to {newurl!r}, which is not a web address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        _Redirects(),
    ):
        opener.add_handler(handler)
    return opener


def fetch(url: str, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES) -> Page:
    """The page at ``url`` (http or https), read within ``timeout`` seconds in all."""
    answer = _get(url, {"Accept": "text/html, text/plain"}, timeout, max_bytes, _page_type)
    assert answer is not None  # no validators sent, so never 304
    body, address, kind, headers = answer
    return Page(body, address, kind in HTML_TYPES, headers.get_content_charset())


def fetch_feed(
    url: str,
    etag: str | None = None,
    modified: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_BYTES,
) -> FeedDocument:
    """The feed at ``url``, asked for only if it changed since the answer that gave ``etag`` and
    ``modified``; ``not_modified`` (and no body) when the server says 304."""
    headers = {"Accept": ", ".join((*FEED_TYPES[:3], "application/xml;q=0.9", "text/xml;q=0.9", "*/*;q=0.1"))}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    answer = _get(url, headers, timeout, max_bytes, _feed_type)
    if answer is None:
        return FeedDocument(b"", url, "", etag, modified, not_modified=True)
    body, address, kind, response = answer
    return FeedDocument(body, address, kind, response.get("ETag"), response.get("Last-Modified"))


def _page_type(url: str, kind: str) -> None:
    if kind not in HTML_TYPES + TEXT_TYPES:
        raise FetchError(f"{url}: not a web page or text but {kind}")


def _feed_type(url: str, kind: str) -> None:
    if not (kind in FEED_TYPES or kind.startswith("text/") or kind.endswith("+xml")):
        raise FetchError(f"{url}: not a feed but {kind}")


def _get(
    url: str,
    headers: dict[str, str],
    timeout: float,
    max_bytes: int,
    check_type: Callable[[str, str], None],
) -> tuple[bytes, str, str, http.client.HTTPMessage] | None:
    """The body, final address, content type and headers of a GET of ``url``; None for 304."""
    if not url.lower().startswith(("http://", "https://")):
        raise FetchError(f"{url}: not an http:// or https:// address")
    request = urllib.request.Request(url, headers={"User-Agent": user_agent(), **headers})
    deadline = time.monotonic() + timeout
    try:
        with _opener().open(request, timeout=timeout) as response:
            kind = response.headers.get_content_type()
            check_type(url, kind)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{url}: larger than {max_bytes // 1_000_000} MB ({int(declared):,} bytes); not read")
            chunks, size = [], 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"{url}: larger than {max_bytes // 1_000_000} MB; not read")
                if time.monotonic() > deadline:
                    raise FetchError(f"{url}: timed out after {timeout:g} s")
                chunks.append(chunk)
            return b"".join(chunks), response.geturl(), kind, response.headers
    except urllib.error.HTTPError as error:
        if error.code == 304 and ("If-None-Match" in headers or "If-Modified-Since" in headers):
            return None
        if error.code in (301, 302, 303, 307, 308):
            raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects, or a redirect loop") from None
        raise FetchError(f"{url}: the server answered {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise FetchError(f"{url}: {_reason(error.reason, timeout)}") from None
    except (TimeoutError, socket.timeout):
        raise FetchError(f"{url}: timed out after {timeout:g} s") from None
    except http.client.HTTPException as error:
        raise FetchError(f"{url}: the server broke off the answer ({type(error).__name__})") from None
    except (OSError, ValueError) as error:
        raise FetchError(f"{url}: {_reason(error, timeout)}") from None


def _reason(reason: object, timeout: float) -> str:
    """One line for what lies under a ``URLError``."""
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"timed out after {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return "no such host (or no network)"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return " ".join(str(reason).split()) or type(reason).__name__
