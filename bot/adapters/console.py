"""The console chat: every command in a terminal, no token needed.

Paged replies show their first page; ``/next`` and ``/prev`` turn pages, as the buttons do on
Telegram and Discord. ``/lang`` changes the language for the session.
"""

from __future__ import annotations

from typing import TextIO

from bot.core.cards import Reply
from bot.core.i18n import Language
from bot.core.service import Briefing
from bot.render.text import render_card

QUIT = {"/quit", "/exit", "/q"}
HINTS = {
    "pl": "Wpisz komendę, np. /timeline 2022-01; /next i /prev przewijają strony, /quit kończy.",
    "en": "Type a command, e.g. /timeline 2022-01; /next and /prev turn pages, /quit ends.",
}
NO_PAGES = {"pl": "Nie ma więcej stron.", "en": "There are no more pages."}


class ConsoleSession:
    """One person's chat: their language and the reply they are paging through."""

    def __init__(self, briefing: Briefing) -> None:
        self.briefing = briefing
        self.language: Language = briefing.language
        self.reply: Reply | None = None
        self.page = 0

    def answer(self, text: str) -> str:
        command = text.strip().split(" ", 1)[0].lower()
        if command in ("/next", "/prev"):
            return self._turn(1 if command == "/next" else -1)
        self.briefing.reload()  # files edited while the chat runs count at once
        reply = self.briefing.ask(text, self.language)
        if reply.language:
            self.language = reply.language  # type: ignore[assignment]
        self.reply, self.page = reply, 0
        return self._show()

    def _turn(self, step: int) -> str:
        if self.reply is None or not 0 <= self.page + step < len(self.reply.cards):
            return NO_PAGES[self.language]
        self.page += step
        return self._show()

    def _show(self) -> str:
        assert self.reply is not None
        text = render_card(self.reply.cards[self.page])
        if len(self.reply.cards) > 1:
            text += " (/next, /prev)"
        return text


def run_console(briefing: Briefing, stdin: TextIO, stdout: TextIO) -> int:
    session = ConsoleSession(briefing)
    interactive = stdin.isatty()
    print(session.answer("/start"), file=stdout)
    print(f"\n{HINTS[session.language]}", file=stdout, flush=True)
    if interactive:
        # After the greeting, which it would slow down, while the person reads it. Piped input
        # asks at once, and the warm-up would only compete with the answers.
        briefing.warm_up()
    while True:
        if interactive:
            print("\n> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text.lower() in QUIT:
            break
        print(("\n" if not interactive else "") + session.answer(text), file=stdout, flush=True)
    return 0
