"""What a command handler gets besides the knowledge: the request as typed, and its chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from bot.i18n.messages import DEFAULT_LANGUAGE, Language

#: Whether the sender administers the chat: asked of the platform, so often awaitable.
IsAdmin = Callable[[], Awaitable[bool] | bool]


@dataclass(frozen=True, slots=True)
class Chat:
    """Where a request comes from: a chat (and forum topic or thread) on a platform, the language
    it is answered in, and how to ask whether the sender administers it. The adapter knows how to
    ask its platform; the core decides when the answer matters (``bot.digests.chats``)."""

    platform: str
    id: str
    language: Language
    is_admin: IsAdmin
    thread: str | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """A command as a user typed it, with the chat's language, today's local date, and the chat it
    came from (none from the command line or the console)."""

    text: str
    today: date
    language: Language = DEFAULT_LANGUAGE
    chat: Chat | None = None
