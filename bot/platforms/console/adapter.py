"""The console chat: every command in a terminal, no token needed.

Paged replies show their first page; ``/next`` and ``/prev`` turn pages, as the buttons do on
Telegram and Discord. ``/lang`` changes the language for the session, ``/quit`` (or ``/exit``,
or the end of the input) ends it. ``/digest preview [MM-DD]`` shows a digest with the default
settings; the rest of ``/digest`` needs a chat and its admins. ``CONSOLE_COMMANDS`` is the one
place of the console's own commands and their help: ``/help``, the greeting's hint and the
README test read it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TextIO

from bot.briefings.cards import Line, Reply
from bot.briefings.replies import help_detail, notice
from bot.briefings.service import Briefing
from bot.digests.delivery import preview
from bot.i18n.messages import Language, in_every_language, t
from bot.platforms.console.render import render_card, render_picture


@dataclass(frozen=True, slots=True)
class ConsoleCommand:
    name: str
    summary: dict[str, str]
    aliases: tuple[str, ...] = ()

    def usage(self) -> str:
        return " | ".join(f"/{name}" for name in (self.name, *self.aliases))


CONSOLE_COMMANDS = (
    ConsoleCommand("next", in_every_language("console.next")),
    ConsoleCommand("prev", in_every_language("console.prev")),
    ConsoleCommand("quit", in_every_language("console.quit"), aliases=("exit",)),
)
QUIT = {f"/{name}" for name in ("quit", "exit")}
HINTS = in_every_language("console.hint")
NO_PAGES = in_every_language("console.no_pages")
HELP_HEADING = in_every_language("console.help_heading")
DIGEST_HERE = in_every_language("console.digest_here")


def _console_command(word: str) -> ConsoleCommand | None:
    name = word.lstrip("/").lower()
    return next((c for c in CONSOLE_COMMANDS if name == c.name or name in c.aliases), None)


class ConsoleSession:
    """One person's chat: their language and the reply they are paging through."""

    def __init__(self, briefing: Briefing) -> None:
        self.briefing = briefing
        self.language: Language = briefing.language
        self.reply: Reply | None = None
        self.page = 0

    def answer(self, text: str) -> str:
        words = text.split()
        command = words[0].lower() if words else ""
        if command in ("/next", "/prev"):
            return self._turn(1 if command == "/next" else -1)
        if command == "/help" and len(words) == 2 and (own := _console_command(words[1])) is not None:
            return self._new(help_detail(own.usage(), own.summary[self.language], self.language))
        self.briefing.reload()  # files edited while the chat runs count at once
        if command == "/digest":
            return self._new(self._digest(words[1:]))
        reply = self.briefing.ask(text, self.language)
        if reply.language:
            self.language = reply.language  # type: ignore[assignment]
        if command == "/help" and len(words) == 1:
            reply = self._with_console_commands(reply)
        return self._new(reply)

    def _digest(self, arguments: list[str]) -> Reply:
        if arguments and arguments[0].lower() == "preview":
            return preview(self.briefing.knowledge, self.briefing.today(), arguments[1:], self.language)
        return notice(DIGEST_HERE[self.language], t(self.language, "digest.title"))

    def _with_console_commands(self, reply: Reply) -> Reply:
        """``/help``'s list with the console's own commands after the chat commands."""
        card = reply.cards[0]
        lines = (Line(text=HELP_HEADING[self.language]),) + tuple(
            Line(text=c.summary[self.language], label=c.usage()) for c in CONSOLE_COMMANDS
        )
        return replace(reply, cards=(replace(card, lines=card.lines + lines), *reply.cards[1:]))

    def _new(self, reply: Reply) -> str:
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
        picture = render_picture(self.reply, self.language)
        return f"{text}\n\n{picture}" if picture else text


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
