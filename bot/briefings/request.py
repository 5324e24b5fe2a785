"""What a command handler gets besides the knowledge: the request as typed, and its chat's setting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.i18n.messages import DEFAULT_LANGUAGE, Language


@dataclass(frozen=True, slots=True)
class Request:
    """A command as a user typed it, with the chat's language and today's local date."""

    text: str
    today: date
    language: Language = DEFAULT_LANGUAGE
