"""Requests from a chat, answered with its settings: who may change them, and the writing.

A chat's reply language (``/lang``) and its digest (``/digest``) are settings of the whole chat,
so only its admins change them (in a private chat, its user; what counts as an admin on each
platform is the adapter's ``Chat.is_admin``). The platform is asked only when the answer
matters: for a ``/lang`` that would change something, and for every ``/digest`` (whose status
is for admins too). A change that cannot be saved is not made, and the reply says so.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time

from bot.base.errors import StoreError
from bot.briefings.cards import Reply
from bot.briefings.replies import notice
from bot.briefings.request import Chat
from bot.briefings.service import RESERVED_COMMANDS, Briefing
from bot.digests.compose import Target
from bot.digests.delivery import Digests
from bot.digests.state_store import StateStore
from bot.i18n.messages import Language, t

log = logging.getLogger(__name__)

_DIGEST = re.compile(r"/digest(?:@\w+)?(?:\s+(?P<arguments>.*))?", re.DOTALL | re.IGNORECASE)


class Chats:
    """The core as a chat adapter sees it: a chat's language, and its requests answered."""

    def __init__(self, briefing: Briefing, state: StateStore, digests: Digests | None = None) -> None:
        self.briefing, self.state, self.digests = briefing, state, digests

    def language(self, platform: str, chat: str | int) -> Language:
        """The language a chat is answered in: its own, or the bot's default."""
        return self.state.language(platform, chat) or self.briefing.language

    async def answer(self, text: str, chat: Chat) -> Reply:
        """Answer a request from ``chat``. A ``Reply.language`` that is set is the chat's new
        language, saved; the reply is in it. The answer is counted in the briefing's metrics."""
        started = time.monotonic()  # a stopwatch for the reply latency, not the business clock
        try:
            return await self._answer(text, chat)
        finally:
            seconds = time.monotonic() - started
            self.briefing.metrics.command_answered(chat.platform, command_name(text, self.briefing), seconds)

    async def _answer(self, text: str, chat: Chat) -> Reply:
        digest = _DIGEST.fullmatch(text.strip())
        if digest is not None and self.digests is not None:
            allowed = await is_admin(chat)
            target = Target(chat.platform, chat.id, chat.thread)
            return await asyncio.to_thread(
                self.digests.handle, digest.group("arguments") or "", target, chat.language, allowed
            )
        reply = await asyncio.to_thread(self.briefing.ask, text, chat.language, chat)
        if reply.language is None:
            return reply
        if not await is_admin(chat):
            return notice(t(chat.language, "lang.admins_only"))
        try:
            self.state.set_language(chat.platform, chat.id, reply.language)  # type: ignore[arg-type]
        except StoreError as error:  # nothing changed; the reply says so
            log.error("/lang in %s:%s not saved: %s", chat.platform, chat.id, error)
            return notice(t(chat.language, "not_saved"))
        return reply


def command_name(text: str, briefing: Briefing) -> str:
    """The command a request names, for counting: a built-in or topic command, "text" for a
    message that is no command, "other" for an unknown one (so that the names counted are few)."""
    words = text.split(maxsplit=1)
    if not words or not words[0].startswith("/"):
        return "text"
    name = words[0][1:].split("@", 1)[0].lower()
    if name in RESERVED_COMMANDS or any(topic.command == name for topic in briefing.knowledge.topics.values()):
        return name
    return "other"


async def is_admin(chat: Chat) -> bool:
    """Ask the chat's platform whether the sender administers the chat."""
    answer = chat.is_admin()
    if isinstance(answer, bool):
        return answer
    return await answer
