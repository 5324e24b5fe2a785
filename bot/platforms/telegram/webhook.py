"""Telegram's updates by webhook: an aiohttp server that Telegram posts each update to.

python-telegram-bot's own webhook server (``Updater.start_webhook``, on tornado) checks the secret
header, but takes request bodies up to tornado's default of 100 MB, and offers no way to lower
that per server or to answer 413. So the bot serves the webhook itself, the way PTB documents for
custom webhook servers: each update is checked and put on the application's update queue, where
the same handlers take it as they take polled ones. aiohttp is the bot's HTTP library already.

Every request must carry the secret given to ``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token``
(compared in constant time; else 403, and the body is not read); a body over ``MAX_BODY`` is
refused with 413 (Telegram's updates are a few kilobytes); anything that is not an update gets 400.
An accepted update is answered 200 as soon as it is queued, before it is handled, so that Telegram
never waits on a slow reply.
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ExtBot

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: The largest request body taken: far above any update (a message is at most 4,096 characters).
MAX_BODY = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts updates (``url``, public, usually a reverse proxy with TLS), where the
    bot listens for them, and the secret that proves a request comes from Telegram."""

    url: str
    listen: str
    port: int
    secret: str

    @property
    def path(self) -> str:
        """The path the bot serves: the one of ``url`` (a proxy forwards it as it is)."""
        return urlsplit(self.url).path or "/"


class WebhookServer:
    """The webhook's HTTP server, feeding an application's update queue."""

    def __init__(self, application: Application, webhook: Webhook) -> None:  # type: ignore[type-arg]
        self.application = application
        self.webhook = webhook
        self._secret = webhook.secret.encode()
        self._runner: web.AppRunner | None = None
        self.port = webhook.port  # the port bound (a test binds port 0: any free one)

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.webhook.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.webhook.listen, self.webhook.port)
        try:
            await site.start()
        except OSError as error:
            await self.stop()
            raise OSError(
                error.errno, f"cannot listen on {self.webhook.listen}:{self.webhook.port}: {error.strerror}"
            ) from None
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop taking updates; those already answered 200 are in the queue, handled on stop."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.info("webhook: refused a request from %s without the right secret", request.remote)
            return web.Response(status=HTTPStatus.FORBIDDEN, text="wrong or missing secret token")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _too_large()
        try:
            body = await request.read()  # a chunked body is cut off at client_max_size
        except web.HTTPRequestEntityTooLarge:
            return _too_large()
        update = self._update(body)
        if update is None:
            return web.Response(status=HTTPStatus.BAD_REQUEST, text="not a Telegram update")
        if isinstance(self.application.bot, ExtBot):
            self.application.bot.insert_callback_data(update)  # as PTB's polling and webhook do
        await self.application.update_queue.put(update)
        return web.Response(status=HTTPStatus.OK)

    def _update(self, body: bytes) -> Update | None:
        try:
            data: Any = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return None
            return Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError) as error:
            log.warning("webhook: a request with the right secret is no update (%s)", type(error).__name__)
            return None


def _too_large() -> web.Response:
    return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE, text=f"larger than {MAX_BODY} bytes")
