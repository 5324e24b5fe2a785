"""How the Telegram adapter's python-telegram-bot talks HTTP: over aiohttp rather than httpx.

python-telegram-bot lets an application bring its own request class. Its default, httpx, costs
about 1.3-1.9 ms of CPU a request here, most of it in httpcore's connection-pool bookkeeping, so
one core cannot send more than ~500 messages a second; aiohttp (already installed for
discord.py) costs ~0.35 ms, which is what lets a digest fan-out reach the configured rate (see
``bench/fanout.py``). Errors map as in PTB's own ``HTTPXRequest``: timeouts to ``TimedOut``,
any other transport failure to ``NetworkError``; when the request had been sent before the failure
(its headers written: a read timeout, a dropped connection, redirects), the error is also
``Unanswered``, since the Bot API may have carried it out and it must not be sent again blindly.
Error texts carry the aiohttp error's class, never its message, which quotes the request URL and
so the token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.base.errors import BriefingError

#: Timeouts in seconds, PTB's own defaults.
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0
_dumps = partial(json.dumps, ensure_ascii=False)


class Unanswered(BriefingError):
    """The request went out and no answer came: the Bot API may have carried it out."""


class TimedOutUnanswered(TimedOut, Unanswered):
    """No answer in time to a request that was sent."""


class NetworkErrorUnanswered(NetworkError, Unanswered):
    """The connection failed after the request was sent."""


def _seconds(timeout: object, default: float | None) -> float | None:
    """A timeout as PTB passes it: seconds, None (no limit), or ``BaseRequest.DEFAULT_NONE`` (not
    given: ``default``).

    PTB types these parameters with ``DefaultValue``, which lives in its private ``telegram._utils``;
    its public way to tell "not given" is ``BaseRequest.DEFAULT_NONE``. Any value that is not a
    number counts as not given, as any ``DefaultValue`` does in PTB's own ``HTTPXRequest``.
    """
    return timeout if timeout is None or isinstance(timeout, int | float) else default


@dataclass
class _Progress:
    """How far one request got, as aiohttp's tracing reports it."""

    sent: bool = False


async def _headers_sent(session: aiohttp.ClientSession, context: SimpleNamespace, params: object) -> None:
    progress = context.trace_request_ctx
    if isinstance(progress, _Progress):
        progress.sent = True


def _tracing() -> aiohttp.TraceConfig:
    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_headers_sent)
    return trace


class AiohttpRequest(BaseRequest):
    """A PTB request class on one aiohttp session with a bounded connection pool."""

    def __init__(self, connection_pool_size: int = 256, read_timeout: float | None = READ_TIMEOUT) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                trust_env=True,  # HTTPS_PROXY and friends, as httpx honoured them
                trace_configs=[_tracing()],
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,  # each: seconds, None or DEFAULT_NONE (see _seconds)
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = bool(request_data and request_data.contains_files)
        read = _seconds(read_timeout, self._read_timeout)
        write = _seconds(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT)
        connect = _seconds(connect_timeout, CONNECT_TIMEOUT)
        # aiohttp has no separate write timeout: a request must be sent and answered within both.
        total = None if read is None or write is None else read + write
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
        progress = _Progress()
        try:
            async with self._session.request(
                method, url, data=self._body(request_data), timeout=timeout, trace_request_ctx=progress
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise (TimedOutUnanswered() if progress.sent else TimedOut()) from error
        except aiohttp.ClientError as error:
            # Not str(error): aiohttp's messages quote the URL, and the token is in it.
            reason = f"aiohttp.{type(error).__name__}"
            if progress.sent or isinstance(error, aiohttp.TooManyRedirects):
                raise NetworkErrorUnanswered(reason) from error
            raise NetworkError(reason) from error

    @staticmethod
    def _body(request_data: RequestData | None) -> aiohttp.JsonPayload | aiohttp.FormData | None:
        """A JSON body, which the Bot API accepts and which costs a fraction of URL-encoding a long
        text in Python; a multipart form when files are attached."""
        if request_data is None:
            return None
        if not request_data.contains_files:
            return aiohttp.JsonPayload(request_data.parameters, dumps=_dumps)
        form = aiohttp.FormData()
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, part in request_data.multipart_data.items():
            filename, content, mimetype = part
            form.add_field(name, content, filename=filename, content_type=mimetype)
        return form
