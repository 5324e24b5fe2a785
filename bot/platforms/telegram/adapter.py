"""The Telegram adapter: python-telegram-bot updates in, core cards out as HTML messages.

It holds no business logic: it parses an update, asks the core, renders, and sends. Paged
replies get previous/next buttons whose callback data carries the request, so they keep working
after a restart; anything a user could forge there is only a request they could type anyway, and
a button repeats only what the core marks read-only (never ``/lang`` or ``/digest``, whose
settings need an admin). A reply whose events make a picture gets a chart button too, whose
callback data carries the request the same way; pressing it, or ``/timeline … chart``, sends the
picture as a photo with the core's caption, drawn off the event loop by the process's ``Charts``.

Updates are handled concurrently: a reply held up by a flood limit, a slow answer or a retry
holds up no other chat.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from http import HTTPStatus
from typing import Any, TypeVar

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import logs
from bot.base.errors import BriefingError
from bot.briefings.cards import Card, Reply
from bot.briefings.commands import read_only, with_chart
from bot.briefings.replies import notice
from bot.briefings.request import Chat
from bot.briefings.service import Briefing
from bot.digests.chats import Chats
from bot.digests.compose import Target
from bot.digests.delivery import ChatMoved, DeliveryFailed, Digests
from bot.digests.state_store import StateStore
from bot.export.charts import Charts
from bot.export.selection import ExportError
from bot.i18n.messages import DEFAULT_LANGUAGE, LANGUAGES, Language, t
from bot.platforms.quota import SenderQuota
from bot.platforms.telegram.http import READ_TIMEOUT, AiohttpRequest, Unanswered
from bot.platforms.telegram.limits import MESSAGES_PER_SECOND, FloodLimiter
from bot.platforms.telegram.render import render_html
from bot.platforms.telegram.webhook import Webhook, WebhookServer

log = logging.getLogger(__name__)

PLATFORM = "telegram"
ALLOWED_UPDATES = ["message", "channel_post", "callback_query"]
CALLBACK_LIMIT = 64  # bytes of callback_data Telegram accepts
CHART_PAGE = -1  # a button's "page" that stands for the reply's picture
CHART_FILE = "timeline.png"  # the name an uploaded picture is given
ADMIN_CACHE_SECONDS = 60  # how long a getChatMember refusal is remembered (an admin is asked every time)
ADMIN_CACHE_SIZE = 10_000  # refusals remembered before the expired ones are dropped
ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}
_COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]+)(?:@(?P<bot>\w+))?(?:\s|$)")
_WORDS = {
    language: {
        "prev": t(language, "button.prev"),
        "next": t(language, "button.next"),
        "chart": t(language, "button.chart"),
        "chart_failed": t(language, "chart.failed"),
        "quota": t(language, "quota"),
        "stale": t(language, "page.stale"),
        "error": t(language, "error"),
    }
    for language in LANGUAGES
}
T = TypeVar("T")


class PageRequests:
    """Requests too long for callback data, by a short key; bounded, so old keys expire."""

    def __init__(self, size: int = 5000) -> None:
        self._items: OrderedDict[str, str] = OrderedDict()
        self._size = size

    def key(self, request: str) -> str:
        key = hashlib.blake2b(request.encode(), digest_size=6).hexdigest()
        self._items[key] = request
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)
        return key

    def get(self, key: str) -> str | None:
        return self._items.get(key)


class _RefusedTokenWithoutTraceback(logging.Filter):
    """PTB logs the 401 that ends its polling with a traceback; the bot then says what happened
    and exits (see ``TelegramAdapter.token_refused``), so the line stays and the traceback goes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], InvalidToken):
            record.exc_info, record.exc_text = None, None
        return True


_REFUSED_TOKEN_FILTER = _RefusedTokenWithoutTraceback()


class PollingRequest(AiohttpRequest):
    """The getUpdates connection, which notes when Telegram refuses the token (401, or 404, which
    PTB takes as an invalid token too): PTB's polling then ends for good, and the bot must not run
    on, hearing nothing."""

    def __init__(self, read_timeout: float | None = READ_TIMEOUT) -> None:
        super().__init__(connection_pool_size=1, read_timeout=read_timeout)
        self.refused = asyncio.Event()
        self.refused_with = 0  # the status code that refused it

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, payload = await super().do_request(*args, **kwargs)
        if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND):
            self.refused_with = status
            self.refused.set()
        return status, payload


class TelegramAdapter:
    def __init__(
        self,
        briefing: Briefing,
        state: StateStore,
        token: str,
        base_url: str = "https://api.telegram.org/bot",
        max_retries: int = 3,
        digests: Digests | None = None,
        max_rate: float = MESSAGES_PER_SECOND,
        read_timeout: float = READ_TIMEOUT,
        retry_delay: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        quota: SenderQuota | None = None,
        webhook: Webhook | None = None,
        charts: Charts | None = None,
    ) -> None:
        logs.add_secrets([token] + ([webhook.secret] if webhook else []))
        self.charts = charts if charts is not None else Charts()
        self.quota = quota if quota is not None else SenderQuota(clock=clock)
        self.briefing = briefing
        self.state = state
        self.digests = digests
        self.chats = Chats(briefing, state, digests)
        self._refused: dict[tuple[int, int], float] = {}  # (chat, user) → until when a refusal stands
        self._clock = clock
        self.max_retries = max_retries
        self.retry_delay = retry_delay  # the first backoff after a network error; it doubles
        self.pages = PageRequests()
        self._rendered: tuple[Card | None, str] = (None, "")
        self._polling = PollingRequest(read_timeout=read_timeout)
        logging.getLogger("telegram.ext").addFilter(_REFUSED_TOKEN_FILTER)  # PTB's polling loop logs there
        self.application: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(token)
            .base_url(base_url)
            .request(AiohttpRequest(read_timeout=read_timeout))
            .get_updates_request(self._polling)
            .rate_limiter(FloodLimiter(max_rate, max_retries=max_retries))
            .concurrent_updates(True)
            .build()
        )
        updates = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        self.application.add_handler(MessageHandler(updates & filters.COMMAND, self._on_command))
        self.application.add_handler(
            MessageHandler(
                filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, self._on_text
            )
        )
        self.application.add_handler(CallbackQueryHandler(self._on_page))
        self.application.add_error_handler(self._on_error)
        self.webhook = WebhookServer(self.application, webhook) if webhook else None

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self, poll_timeout: float = 30) -> None:
        """Take updates: by long polling (which deletes a webhook left set), or with a webhook,
        from the webhook server, started before Telegram is told where it is."""
        await self.application.initialize()
        await self._register_commands()
        await self.application.start()
        if self.webhook is not None:
            webhook = self.webhook.webhook
            try:
                await self.webhook.start()
            except OSError as error:
                raise BriefingError(f"[telegram] listen, port: {error.strerror}") from None
            try:
                await self.application.bot.set_webhook(
                    webhook.url, allowed_updates=ALLOWED_UPDATES, secret_token=webhook.secret
                )
            except BadRequest as error:  # Telegram's words: "bad webhook: An HTTPS URL must be provided"
                raise BriefingError(f"Telegram refused [telegram] webhook_url {webhook.url}: {error.message}") from None
            log.warning("Telegram webhook set: %s, served on %s:%s", webhook.url, webhook.listen, self.webhook.port)
            return
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            timeout=int(poll_timeout), poll_interval=0, allowed_updates=ALLOWED_UPDATES
        )

    async def token_refused(self) -> int:
        """Return, with the HTTP status, once Telegram has refused the token while polling:
        polling has then ended, and only a restart with a new token brings the bot back."""
        await self._polling.refused.wait()
        return self._polling.refused_with

    async def stop(self) -> None:
        """Stop taking updates, handle those taken, and disconnect. A webhook stays set: Telegram
        keeps the updates that come meanwhile and posts them once the bot is back."""
        if self.webhook is not None:
            await self.webhook.stop()
        if self.application.updater and self.application.updater.running:
            try:
                await self.application.updater.stop()
            except TelegramError as error:  # polling had ended with it, e.g. the token was revoked
                log.error("Telegram polling had stopped: %s", error)
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def _register_commands(self) -> None:
        """Register the command menu; a failure is logged, never fatal."""
        # The default language's menu is everyone's whose own language has none.
        for language in LANGUAGES:
            code = None if language == DEFAULT_LANGUAGE else language
            commands = [BotCommand(name, description[:256]) for name, description in self.briefing.menu(language)]
            try:
                await self.application.bot.set_my_commands(commands, language_code=code)
            except TelegramError as error:
                log.warning("setMyCommands (%s) failed: %s", language, error)

    # --- handlers --------------------------------------------------------------------------------

    def _language(self, chat_id: int) -> Language:
        return self.state.language(PLATFORM, chat_id) or self.briefing.language

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        match = _COMMAND.match(message.text)
        private = message.chat.type == ChatType.PRIVATE
        if match is None:
            if private:  # "/<b>", "/ą": no command Telegram knows, but said to the bot, which says how to ask
                await self._on_text(update, context)
            return
        addressed = match.group("bot")
        if addressed and addressed.lower() != (context.bot.username or "").lower():
            return  # a command for another bot in the same group
        known = {name for name, _ in self.briefing.menu()}
        if match.group("name").lower() not in known and not private and not addressed:
            return  # in a group, an unknown bare command may be another bot's
        if not await self._admitted(message):
            return
        language = self._language(message.chat_id)
        thread = str(message.message_thread_id) if message.is_topic_message else None
        chat = Chat(PLATFORM, str(message.chat_id), language, partial(self._sender_is_admin, message), thread)
        if match.group("name").lower() == "digest" and self.digests is not None:
            reply = await self._digest(message, message.text[match.end() :].strip(), chat, context)
        else:
            reply = await self.chats.answer(message.text, chat)
        if reply.picture:
            await self._send_picture(message, reply, language)
            return
        await self._send_reply(message, reply, message.text, reply.language or language)  # type: ignore[arg-type]

    async def _digest(self, message: Message, arguments: str, chat: Chat, context: ContextTypes.DEFAULT_TYPE) -> Reply:
        """/digest for this chat, or for a channel named as @channel from a private chat."""
        words = arguments.split()
        channel = next((w for w in words if w.startswith("@")), None)
        if channel and message.chat.type == ChatType.PRIVATE and message.from_user is not None:
            words.remove(channel)
            language = chat.language
            try:
                found = await self._retrying(lambda: context.bot.get_chat(channel))
                # Asked here, so that a channel the bot cannot see is told apart from a refusal.
                allowed = await self._is_admin(found.id, message.from_user.id)
            except TelegramError as error:
                log.info("cannot check %s for /digest: %s", channel, error)
                return notice(t(language, "digest.no_channel", channel=channel[:64]), t(language, "digest.title"))
            chat = replace(chat, id=str(found.id), thread=None, is_admin=lambda: allowed)
        return await self.chats.answer(" ".join(["/digest", *words]), chat)

    async def _sender_is_admin(self, message: Message) -> bool:
        """Whether Telegram counts the message's sender as an admin of its chat (the core decides
        when that is asked)."""
        chat = message.chat
        if chat.type in (ChatType.PRIVATE, ChatType.CHANNEL):
            return True  # a private chat's user is its own admin; only admins post in a channel
        if message.sender_chat is not None:
            # An anonymous admin posts as the group itself; a linked channel's post is not an admin.
            return message.sender_chat.id == chat.id
        if message.from_user is None:
            return False
        try:
            return await self._is_admin(chat.id, message.from_user.id)
        except TelegramError as error:
            log.warning("getChatMember failed in %s: %s", chat.id, error)
            return False

    async def _is_admin(self, chat_id: int, user_id: int) -> bool:
        """Whether the user administers the chat, asked from the Bot API.

        Only a refusal is remembered (ADMIN_CACHE_SECONDS), so that a member repeating /digest
        costs one getChatMember a minute: an admin is asked about every time, and one who has
        been demoted has lost the power at once. (Telegram's chat_member updates would tell only
        when the bot is an admin of the chat, and bring every join and leave of a large group.)"""
        key, now = (chat_id, user_id), self._clock()
        if self._refused.get(key, now) > now:
            return False
        member = await self._retrying(lambda: self.application.bot.get_chat_member(chat_id, user_id))
        if member.status in ADMIN_STATUSES:
            self._refused.pop(key, None)
            return True
        if len(self._refused) >= ADMIN_CACHE_SIZE:
            self._refused = {k: until for k, until in self._refused.items() if until > now}
        self._refused[key] = now + ADMIN_CACHE_SECONDS
        return False

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text or not await self._admitted(message):
            return
        language = self._language(message.chat_id)
        reply = await asyncio.to_thread(self.briefing.ask, message.text, language)
        await self._send_reply(message, reply, message.text, language)

    async def _admitted(self, message: Message) -> bool:
        """Whether the sender is within their quota in this chat; the first request over it is
        told so, the rest are ignored until the quota has refilled. Groups and private chats have
        one (a group's replies share Telegram's 20 a minute, and every chat's share the bot's 30 a
        second); a channel's posts come from its admins."""
        if message.chat.type == ChatType.CHANNEL:
            return True
        sender = message.from_user or message.sender_chat
        verdict = self.quota.admit((message.chat_id, sender.id if sender else 0))
        if verdict == "refuse":
            log.info(
                "chat %s: sender over the quota of %g requests in %g s",
                message.chat_id,
                self.quota.rate,
                self.quota.period,
            )
            language = self._language(message.chat_id)
            await self._send_reply(message, notice(t(language, "quota")), "", language)
        return verdict == "answer"

    async def _on_page(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        chat_id = query.message.chat.id if query.message else None
        language = self._language(chat_id) if chat_id is not None else self.briefing.language
        parsed = self._parse_callback(query.data or "")
        message = query.message if isinstance(query.message, Message) else None
        if parsed is None or message is None:
            await self._quietly(query.answer(_WORDS[language]["stale"]))
            return
        page, request = parsed
        if not read_only(self.briefing.knowledge, request):  # forged: no paged reply stands for it
            await self._quietly(query.answer(_WORDS[language]["stale"]))
            return
        if page == CHART_PAGE:  # a new message, unlike a page turned: within the sender's quota
            if self.quota.admit((message.chat_id, query.from_user.id)) != "answer":
                await self._quietly(query.answer(_WORDS[language]["quota"]))
                return
            await self._quietly(query.answer())
            reply = await asyncio.to_thread(self.briefing.ask, with_chart(request), language)
            await self._send_picture(message, reply, language)
            return
        reply = await asyncio.to_thread(self.briefing.ask, request, language)
        if reply.language or not 0 <= page < len(reply.cards):
            await self._quietly(query.answer(_WORDS[language]["stale"]))
            return
        await self._quietly(query.answer())
        card = reply.cards[page]
        try:
            await self._retrying(
                lambda: message.edit_text(
                    render_html(card),
                    parse_mode=ParseMode.HTML,
                    reply_markup=self._keyboard(reply, page, request, language),
                    link_preview_options=self._previews(card),
                )
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            language = self._language(update.effective_chat.id)
            await self._quietly(context.bot.send_message(update.effective_chat.id, _WORDS[language]["error"]))

    # --- sending ---------------------------------------------------------------------------------

    async def _send_picture(self, message: Message, reply: Reply, language: Language) -> None:
        """A reply that is a picture: the photo with its caption, in answer to ``message``; the
        core's notice instead when there is nothing to draw."""
        card = reply.cards[0]
        if reply.chart is None:
            await self._send_reply(message, reply, "", language)
            return
        try:
            picture = await self.charts.png_async(self.briefing.knowledge, reply.chart)
        except ExportError as error:  # the content changed since the core counted the events
            log.info("no picture of %s: %s", reply.chart, error)
            await self._send_reply(message, notice(_WORDS[language]["chart_failed"], card.title), "", language)
            return
        try:
            await self._retrying(
                lambda: message.reply_photo(
                    picture,
                    caption=render_html(card),
                    parse_mode=ParseMode.HTML,
                    filename=CHART_FILE,
                    reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
                )
            )
        except Forbidden as error:
            log.warning("chat %s cannot be written to: %s", message.chat_id, error)

    async def _send_reply(self, message: Message, reply: Reply, request: str, language: Language) -> None:
        card = reply.cards[0]
        try:
            await self._retrying(
                lambda: message.reply_html(
                    render_html(card),
                    reply_markup=self._keyboard(reply, 0, request, language),
                    link_preview_options=self._previews(card),
                    reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
                )
            )
        except Forbidden as error:
            log.warning("chat %s cannot be written to: %s", message.chat_id, error)

    async def send_card(
        self, chat_id: int | str, card: Card, thread_id: int | None = None, resend_unanswered: bool = True
    ) -> None:
        """Send one card to a chat (for digests): the adapter's whole outgoing interface."""
        if card is not self._rendered[0]:  # a fan-out sends one card object to many chats
            self._rendered = (card, render_html(card))
        text = self._rendered[1]
        await self._retrying(
            lambda: self.application.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                link_preview_options=self._previews(card),
                message_thread_id=thread_id,
            ),
            resend_unanswered,
        )

    async def deliver(self, target: Target, card: Card) -> None:
        """Send a digest; failures become DeliveryFailed with a short, classified reason (never a
        library's message, which may quote the token): permanent when the chat is gone for us;
        uncertain when the request went out and no answer came (never sent again: it may have been
        posted); to retry when it certainly did not get through (still flood-limited, refused
        connections, 5xx, a revoked token)."""
        try:
            await self.send_card(
                int(target.chat), card, int(target.thread) if target.thread else None, resend_unanswered=False
            )
        except ChatMigrated as error:  # a group upgraded to a supergroup: the same chat, a new id
            raise ChatMoved(Target(PLATFORM, str(error.new_chat_id), target.thread)) from None
        except Forbidden as error:
            raise DeliveryFailed(f"403: {error.message[:100]}", permanent=True) from None
        except BadRequest as error:
            gone = any(word in error.message.lower() for word in ("chat not found", "thread not found"))
            raise DeliveryFailed(f"400: {error.message[:100]}", permanent=gone) from None
        except Unanswered:
            raise DeliveryFailed("no answer in time", permanent=False, uncertain=True) from None
        except RetryAfter as error:
            raise DeliveryFailed(f"429: flood limit ({error.retry_after} s)", permanent=False, retry=True) from None
        except InvalidToken:  # a revoked token is the bot's trouble, not the chat's: sent once it is fixed
            raise DeliveryFailed("401: the token was refused", permanent=False, retry=True) from None
        except TimedOut:
            raise DeliveryFailed("timed out connecting", permanent=False, retry=True) from None
        except NetworkError as error:  # BadRequest is caught above; the text is ours (telegram_http) or Telegram's
            raise DeliveryFailed(f"network error ({error.message[:60]})", permanent=False, retry=True) from None
        except TelegramError as error:
            raise DeliveryFailed(f"Telegram error ({type(error).__name__})", permanent=False) from None

    async def _retrying(self, send: Callable[[], Awaitable[T]], resend_unanswered: bool = True) -> T:
        """Retry network failures with backoff (flood limits are the rate limiter's job); without
        ``resend_unanswered``, not a request that went out unanswered (it may have been carried out)."""
        delay = self.retry_delay
        for attempt in range(self.max_retries + 1):
            try:
                return await send()
            except (TimedOut, NetworkError) as error:
                if isinstance(error, (BadRequest, Forbidden, RetryAfter)) or attempt == self.max_retries:
                    raise
                if isinstance(error, Unanswered) and not resend_unanswered:
                    raise
                log.warning("network error, retrying in %.1fs: %s", delay, error)
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    @staticmethod
    async def _quietly(call: Awaitable[object]) -> None:
        """For non-essential calls (answering a button press): failures are logged only."""
        try:
            await call
        except TelegramError as error:
            log.warning("non-essential Telegram call failed: %s", error)

    @staticmethod
    def _previews(card: Card) -> LinkPreviewOptions:
        """A link preview only for a card of one source: of several, it would single one out."""
        return LinkPreviewOptions(is_disabled=len(card.sources) != 1 or not card.sources[0].url)

    # --- paging buttons --------------------------------------------------------------------------

    def _callback(self, page: int, request: str) -> str:
        """A page of the request's reply (``p:``), or its picture (``c:``); by a short key
        (``k:``, ``d:``) when the request does not fit in Telegram's 64 bytes."""
        kind, keyed = ("c", "d") if page == CHART_PAGE else ("p", "k")
        where = "" if page == CHART_PAGE else f"{page}:"
        data = f"{kind}:{where}{request}"
        if len(data.encode()) <= CALLBACK_LIMIT:
            return data
        return f"{keyed}:{where}{self.pages.key(request)}"

    def _parse_callback(self, data: str) -> tuple[int, str] | None:
        """(page, request) of a button's data; the page is ``CHART_PAGE`` for a picture."""
        match = re.fullmatch(r"(?:(?P<kind>[pk]):(?P<page>\d{1,4})|(?P<chart>[cd])):(?P<rest>.+)", data, re.DOTALL)
        if match is None:
            return None
        by_key = (match.group("kind") or match.group("chart")) in ("k", "d")
        request = self.pages.get(match.group("rest")) if by_key else match.group("rest")
        if request is None or not request.startswith("/"):
            return None
        return (CHART_PAGE if match.group("chart") else int(match.group("page"))), request

    def _keyboard(self, reply: Reply, page: int, request: str, language: Language) -> InlineKeyboardMarkup | None:
        """The paging buttons of a reply of several pages, and beside them the chart button of a
        reply whose events make a picture."""
        words = _WORDS[language]
        buttons = []
        if page > 0:
            buttons.append(InlineKeyboardButton(words["prev"], callback_data=self._callback(page - 1, request)))
        if reply.chart is not None and not reply.picture and request:
            buttons.append(InlineKeyboardButton(words["chart"], callback_data=self._callback(CHART_PAGE, request)))
        if page < len(reply.cards) - 1:
            buttons.append(InlineKeyboardButton(words["next"], callback_data=self._callback(page + 1, request)))
        return InlineKeyboardMarkup([buttons]) if buttons else None
