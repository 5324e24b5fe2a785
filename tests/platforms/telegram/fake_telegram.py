"""A fake Telegram Bot API server on 127.0.0.1, for the real python-telegram-bot to talk to.

It answers like the real API where the bot can tell: ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": ..., "description": ...}`` with the same status code, 401 for a
wrong token, 400 for HTML Telegram could not parse or text over 4,096 characters, 403 for a
chat that blocked the bot, and 429 with ``parameters.retry_after`` when told to: queued for a
method, or for a random share of ``sendMessage`` calls (``flood_share``), after which that chat
gets 429 again until its ``retry_after`` has passed, as Telegram's flood control does. It
records every call, and hands out updates to ``getUpdates`` as the real long polling does.

Webhooks as Telegram has them: ``setWebhook`` records the address and the secret (an address that
is not HTTPS, or a secret of other characters than Telegram allows, gets 400), ``getUpdates``
gets 409 Conflict while a webhook is set, and each update is POSTed to the webhook, one at a
time, with the secret in ``X-Telegram-Bot-Api-Secret-Token``, and posted again until it gets a
2xx (``webhook_answers`` keeps the status codes). ``webhook_route`` stands for the reverse proxy
in front of the bot: where the POSTs to the public address really go.

``sendPhoto`` takes an upload as Telegram does, a multipart form: the photo must be a PNG or JPEG
it can read, at most 10 MB, width + height at most 10,000 px and the longer side at most 20 times
the other, its caption at most 1,024 characters (after parsing), else 400 with Telegram's error;
the photos accepted are kept in ``photos``.

Faults are queued for a method (``failures``) or for the calls that name a chat
(``chat_failures``), and answered in order, one a call: an ``ApiError`` (429 with retry_after,
5xx, 403...), a ``Slow`` answer (the client times out, the call is dropped), a ``Late`` one (the
call is carried out, the answer comes after the client timed out) or a ``Reset`` (the connection
is closed without an answer). Methods in ``redirecting`` are answered with a redirect to their own
URL, as a misconfigured proxy would.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import io
import itertools
import json
import math
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import aiohttp
from aiohttp import web
from PIL import Image, UnidentifiedImageError

BOT_USER = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "Briefing",
    "username": "BriefingBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_RETRY_SECONDS = 0.2  # Telegram waits longer between attempts; the tests need not
PHOTO_BYTES_LIMIT = 10 * 1024 * 1024
PHOTO_SIDES_LIMIT = 10_000  # width + height
PHOTO_RATIO_LIMIT = 20


class _HtmlCheck(HTMLParser):
    """Telegram's rules for parse_mode=HTML: known tags, properly nested, entities escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = self.error or f'Unsupported start tag "{tag}"'
        if tag == "a" and not dict(attrs).get("href"):
            self.error = self.error or "Can't find end of the entity"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'Unexpected end tag "{tag}"'
        else:
            self.stack.pop()


def check_photo(data: bytes) -> tuple[int, int]:
    """The width and height of a photo Telegram would take, or the 400 it answers."""
    if len(data) > PHOTO_BYTES_LIMIT:
        raise ApiError(400, "Bad Request: PHOTO_SAVE_FILE_INVALID")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            image.load()  # the whole file: a truncated or corrupt one fails here
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from None
    if kind not in ("PNG", "JPEG"):
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
    if width + height > PHOTO_SIDES_LIMIT or max(width, height) > PHOTO_RATIO_LIMIT * min(width, height):
        raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    return width, height


@functools.lru_cache(maxsize=256)  # a fan-out sends one text to many chats: parse it once
def check_html(text: str) -> str | None:
    """Why Telegram would reject this HTML, or None."""
    if re.search(r"&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)", text):
        return "Unsupported entity: '&' must be escaped"
    if re.search(r"<(?![a-zA-Z/])", text):
        return "Unsupported start tag: '<' must be escaped"
    checker = _HtmlCheck()
    checker.feed(text)
    checker.close()
    if checker.error:
        return checker.error
    if checker.stack:
        return f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    return None


def visible_text(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


@dataclass
class Call:
    method: str
    params: dict[str, Any]


class ApiError(Exception):
    def __init__(
        self, code: int, description: str, retry_after: float | None = None, migrate_to_chat_id: int | None = None
    ) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def __repr__(self) -> str:
        return f"ApiError({self.code})"


@dataclass(frozen=True)
class Slow:
    """Hold the call this long, then answer it, if the client is still waiting.

    A call the client gave up on is dropped unprocessed, as when it never got past Telegram's
    front end: had Telegram processed it, no client could tell, and any client that retries a
    timeout (there is no idempotency key in the Bot API) would send it twice."""

    seconds: float


@dataclass(frozen=True)
class Late:
    """Carry the call out at once, then answer it this long after, as a server under load does: a
    client that gave up waiting cannot tell that its message was posted."""

    seconds: float


@dataclass(frozen=True)
class Reset:
    """Close the connection without an answer (the call is not processed)."""


Fault = ApiError | Slow | Late | Reset


@dataclass
class FakeBotApi:
    token: str
    calls: list[Call] = field(default_factory=list)
    blocked_chats: set[int] = field(default_factory=set)
    failures: dict[str, list[Fault]] = field(default_factory=dict)  # method → faults to answer next
    chat_failures: dict[int, list[Fault]] = field(default_factory=dict)  # chat id → faults for calls naming it
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    photos: dict[tuple[int, int], bytes] = field(default_factory=dict)  # (chat, message) → the photo sent
    admins: dict[int, set[int]] = field(default_factory=dict)  # chat id → its administrators' user ids
    #: chat id → user id → a member record (``chat_member``) that getChatMember answers, before ``admins``
    members: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)  # "@username" → chat, for getChat
    migrated: dict[int, int] = field(default_factory=dict)  # a group upgraded to a supergroup → its new id
    flood_share: float = 0.0  # this share of sendMessage calls, at random, gets 429
    redirecting: set[str] = field(default_factory=set)  # methods answered with a redirect to themselves
    flood_retry_after: float = 1  # seconds; Telegram says a whole number, at least 1
    seed: int = 0
    webhook_route: str | None = None  # where POSTs to the webhook's address go (the reverse proxy)

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._sent = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._random = random.Random(self.seed)
        self._flooded: dict[int, float] = {}  # chat id → when (monotonic) it may send again
        self.floods = 0  # how many 429s were answered
        self.faults: list[tuple[str, Fault]] = []  # the queued faults answered, in order
        self.accepted_at: list[float] = []  # time.monotonic() of each sendMessage answered ok
        self.base_url = ""
        self.webhook: dict[str, Any] | None = None  # setWebhook's url, secret_token, allowed_updates
        self.webhook_answers: list[int] = []  # the status code of each POST to the webhook
        self.webhook_error: tuple[int, str] | None = None  # getWebhookInfo's last_error_date and _message
        self.polls = 0  # getUpdates calls, answered or not
        self.conflicts = 0  # getUpdates calls answered 409 because a webhook was set
        self._poster: asyncio.Task[None] | None = None

    # --- running ---------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._new_update.set()
        if self._poster is not None:
            self._poster.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poster
        assert self._runner is not None
        await self._runner.cleanup()

    # --- what users do ---------------------------------------------------------------------------

    def push(self, kind: str, payload: dict[str, Any]) -> None:
        self._updates.append({"update_id": next(self._update_ids), kind: payload})
        self._new_update.set()

    def user_message(
        self, text: str, chat: dict[str, Any], user: dict[str, Any] | None = None, kind: str = "message", **extra: Any
    ) -> dict[str, Any]:
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat, "text": text, **extra}
        if user is not None:
            message["from"] = user
        command = re.match(r"/\S+", text)
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.group(0))}]
        self.push(kind, message)
        return message

    def press(self, message: dict[str, Any], data: str, user: dict[str, Any]) -> None:
        self.push(
            "callback_query",
            {
                "id": str(next(self._update_ids)),
                "from": user,
                "message": message,
                "chat_instance": "ci-1",
                "data": data,
            },
        )

    # --- what the bot did ------------------------------------------------------------------------

    def received(self) -> Counter[int]:
        """How many messages each chat got (accepted calls only, not the ones answered with an error)."""
        return Counter(chat for chat, _ in self.messages)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int, timeout: float = 15) -> list[dict[str, Any]]:
        """The calls of ``method`` once there are at least ``count`` of them."""
        await self.wait_until(lambda: len(self.sent(method)) >= count, timeout)
        return self.sent(method)

    async def wait_until(self, condition: Any, timeout: float = 15) -> None:
        async def satisfied() -> None:
            async with self._sent:
                await self._sent.wait_for(condition)

        await asyncio.wait_for(satisfied(), timeout)

    # --- the API ---------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        if request.match_info["token"] != self.token:
            return self._error(ApiError(401, "Unauthorized"))
        if method in self.redirecting:  # a misconfigured proxy in front of the API: the URL, token and all
            raise web.HTTPTemporaryRedirect(location=str(request.url))
        if method.lower() == "getupdates":
            self.polls += 1
            if self.webhook is not None:
                self.conflicts += 1
                return self._error(
                    ApiError(
                        409,
                        "Conflict: can't use getUpdates method while webhook is active; "
                        "use deleteWebhook to delete the webhook first",
                    )
                )
        else:
            self.calls.append(Call(method, params))
            async with self._sent:
                self._sent.notify_all()
        fault = self._fault(method, params) or self._migrated(params)
        if isinstance(fault, ApiError):
            return self._error(fault)
        if isinstance(fault, Reset):
            assert request.transport is not None
            request.transport.abort()
            return web.Response()  # never written: the connection is gone
        if isinstance(fault, Slow):
            until = time.monotonic() + fault.seconds
            while time.monotonic() < until and request.transport is not None and not request.transport.is_closing():
                await asyncio.sleep(min(0.05, fault.seconds))  # a client that gave up is noticed at once
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=504)  # nobody is listening any more; the call is dropped
        if method == "sendMessage" and (self.flood_share or self._flooded):
            flood = self._flood(int(params["chat_id"]))
            if flood is not None:
                self.floods += 1
                return self._error(flood)
        try:
            result = await self._answer(method, params)
        except ApiError as error:
            return self._error(error)
        if method == "sendMessage":
            self.accepted_at.append(time.monotonic())
        if isinstance(fault, Late):
            await asyncio.sleep(fault.seconds)  # done already; the client may have stopped waiting
        return web.json_response({"ok": True, "result": result})

    def _fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        """The next fault queued for this method, else for the chat the call names."""
        queued = self.failures.get(method)
        if queued:
            fault = queued.pop(0)
        else:
            try:
                chat = int(params.get("chat_id", 0))
            except (TypeError, ValueError):
                return None
            queued = self.chat_failures.get(chat)
            if not queued:
                return None
            fault = queued.pop(0)
        self.faults.append((method, fault))
        return fault

    def _migrated(self, params: dict[str, Any]) -> ApiError | None:
        """What Telegram answers every call naming a group that was upgraded to a supergroup."""
        try:
            new_id = self.migrated.get(int(params.get("chat_id", 0)))
        except (TypeError, ValueError):
            return None
        if new_id is None:
            return None
        return ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=new_id)

    def _flood(self, chat_id: int) -> ApiError | None:
        """A 429 for a chat still waiting out its retry_after, or for a random share of calls."""
        now = time.monotonic()
        until = self._flooded.get(chat_id)
        if until is not None and now < until:
            wait = math.ceil(until - now) if self.flood_retry_after >= 1 else round(until - now, 3)
            return ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        self._flooded.pop(chat_id, None)
        if self._random.random() >= self.flood_share:
            return None
        self._flooded[chat_id] = now + self.flood_retry_after
        retry_after = self.flood_retry_after
        return ApiError(429, f"Too Many Requests: retry after {retry_after:g}", retry_after=retry_after)

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            raw: dict[str, Any] = await request.json()
        else:
            raw = dict(await request.post())  # a multipart upload's files are FileFields
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except json.JSONDecodeError:
                    pass
            params[key] = value
        return params

    @staticmethod
    def _error(error: ApiError) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
        if error.retry_after is not None:
            body["parameters"] = {"retry_after": error.retry_after}
        if error.migrate_to_chat_id is not None:
            body["parameters"] = {"migrate_to_chat_id": error.migrate_to_chat_id}
        return web.json_response(body, status=error.code)

    async def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "setWebhook":
            return self._set_webhook(params)
        if method == "deleteWebhook":
            self.webhook = None
            return True
        if method == "getWebhookInfo":
            info = {
                "url": self.webhook["url"] if self.webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates) if self.webhook else 0,
            }
            if self.webhook and self.webhook_error:
                info["last_error_date"], info["last_error_message"] = self.webhook_error
            return info
        if method in ("setMyCommands", "answerCallbackQuery"):
            if method == "setMyCommands":
                self._check_commands(params.get("commands", []))
            return True
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "sendMessage":
            return self._store_message(params, next(self._message_ids))
        if method == "sendPhoto":
            return self._store_photo(params, next(self._message_ids))
        if method == "getChatMember":
            chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
            if chat_id > 0 and chat_id != user_id:
                raise ApiError(400, "Bad Request: chat not found")
            if user_id in self.members.get(chat_id, {}):
                return {**self.members[chat_id][user_id], "user": {"id": user_id, "is_bot": True, "first_name": "B"}}
            status = "administrator" if user_id in self.admins.get(chat_id, set()) else "member"
            member: dict[str, Any] = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "U"}}
            if status == "administrator":
                member.update(
                    {
                        key: True
                        for key in (
                            "can_be_edited",
                            "is_anonymous",
                            "can_manage_chat",
                            "can_delete_messages",
                            "can_manage_video_chats",
                            "can_restrict_members",
                            "can_promote_members",
                            "can_change_info",
                            "can_invite_users",
                            "can_post_stories",
                            "can_edit_stories",
                            "can_delete_stories",
                        )
                    }
                )
            return member
        if method == "getChat":
            chat = self.chats.get(str(params["chat_id"]))
            if chat is None:
                raise ApiError(400, "Bad Request: chat not found")
            return {
                **chat,
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        if method == "editMessageText":
            key = (int(params["chat_id"]), int(params["message_id"]))
            old = self.messages.get(key)
            if old is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if "text" not in old:
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            if old["text"] == visible_text(params["text"]) and old.get("reply_markup") == params.get("reply_markup"):
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            return self._store_message(params, key[1])
        raise ApiError(404, "Not Found: method not found")

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            self.webhook = None  # setWebhook with an empty url removes it, as deleteWebhook does
            return True
        if not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": params.get("allowed_updates")}
        if self._poster is None or self._poster.done():
            self._poster = asyncio.create_task(self._post_updates())
        self._new_update.set()
        return True

    async def _post_updates(self) -> None:
        """Telegram's side of a webhook: each pending update POSTed in turn until it gets a 2xx."""
        async with aiohttp.ClientSession() as session:
            while True:
                if self.webhook is None or not self._updates:
                    self._new_update.clear()
                    await self._new_update.wait()
                    continue
                update = self._updates[0]
                status = await self.post_to_webhook(
                    json.dumps(update).encode(), self.webhook["secret_token"], session=session
                )
                if 200 <= status < 300:
                    if self._updates and self._updates[0] is update:
                        self._updates.pop(0)
                else:
                    await asyncio.sleep(WEBHOOK_RETRY_SECONDS)

    async def post_to_webhook(
        self,
        body: bytes,
        secret: str | None,
        session: aiohttp.ClientSession | None = None,
        headers: dict[str, str] | None = None,
    ) -> int:
        """POST a body to the webhook as Telegram does (the secret, if any, in its header); the
        status code it was answered with, 0 for no answer (refused, reset, timed out)."""
        assert self.webhook is not None, "no webhook set"
        sent = {"Content-Type": "application/json", **(headers or {})}
        if secret is not None:
            sent[SECRET_HEADER] = secret
        own = session is None
        session = session or aiohttp.ClientSession()
        try:
            async with session.post(
                self.webhook_route or self.webhook["url"], data=body, headers=sent, timeout=aiohttp.ClientTimeout(10)
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        finally:
            if own:
                await session.close()
        if not 200 <= status < 300:  # what Telegram then shows in getWebhookInfo
            reason = f"Wrong response from the webhook: {status}" if status else "Connection refused"
            self.webhook_error = (int(time.time()), reason)
        self.webhook_answers.append(status)
        async with self._sent:  # wait_until may be waiting on the answers
            self._sent.notify_all()
        return status

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), min(float(params.get("timeout") or 0), 1.0))
            except TimeoutError:
                pass
        return [u for u in self._updates if u["update_id"] >= offset]

    def _store_message(self, params: dict[str, Any], message_id: int) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        text = self._parsed(params.get("text", ""), params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        return self._store(params, message_id, {"text": text})

    def _store_photo(self, params: dict[str, Any], message_id: int) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        upload = params.get("photo")
        if upload is None:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if not isinstance(upload, web.FileField):  # a file_id or URL: none is known here
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        data = upload.file.read()
        width, height = check_photo(data)
        caption = self._parsed(params.get("caption", ""), params.get("parse_mode"))
        if len(caption) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        unique = f"photo-{chat_id}-{message_id}"
        sizes = [
            {"file_id": unique, "file_unique_id": unique, "width": width, "height": height, "file_size": len(data)}
        ]
        message = self._store(params, message_id, {"photo": sizes, **({"caption": caption} if caption else {})})
        self.photos[(chat_id, message_id)] = data
        return message

    @staticmethod
    def _parsed(text: str, parse_mode: str | None) -> str:
        """The text a message shows, after its entities are parsed (as Telegram counts its length)."""
        if parse_mode == "HTML":
            problem = check_html(text)
            if problem:
                raise ApiError(400, f"Bad Request: can't parse entities: {problem}")
            return visible_text(text)
        return text

    def _store(self, params: dict[str, Any], message_id: int, content: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        markup = params.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > CALLBACK_DATA_LIMIT:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            **content,
        }
        if params.get("message_thread_id"):
            message["message_thread_id"] = int(params["message_thread_id"])
        if markup:
            message["reply_markup"] = markup
        self.messages[(chat_id, message_id)] = message
        return message

    @staticmethod
    def _check_commands(commands: list[dict[str, str]]) -> None:
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")


#: What an administrator may do, each as Telegram lists it (all required in its ChatMember record).
ADMIN_RIGHTS = (
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
#: What a restricted member may do, each required in its record.
MEMBER_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)


def chat_member(status: str, **rights: bool) -> dict[str, Any]:
    """A ChatMember record as getChatMember answers it: an ``administrator`` with every right
    Telegram requires (a channel's ``can_post_messages`` only when given), a ``restricted`` member
    with every right it keeps (``rights`` take some away), or a plain ``member``, ``left`` or
    ``kicked``."""
    if status == "administrator":
        return {"status": status, **dict.fromkeys(ADMIN_RIGHTS, True), **rights}
    if status == "restricted":
        return {"status": status, "is_member": True, "until_date": 0, **dict.fromkeys(MEMBER_RIGHTS, True), **rights}
    if status == "kicked":
        return {"status": status, "until_date": 0}
    return {"status": status}
