"""Chat commands, platform-neutral: a request's text in, a Reply of cards out.

The table ``BUILTIN`` is the one place where commands, their arguments and their help live;
``/help``, the CLI and the adapters' command menus all read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from bot.core import briefings
from bot.core.cards import Reply
from bot.core.i18n import DEFAULT_LANGUAGE, Language, t
from bot.core.knowledge import Knowledge

#: Longer requests are refused before any work is done.
MAX_REQUEST = 1000


@dataclass(frozen=True, slots=True)
class Request:
    """A command as a user typed it, with the chat's language and today's local date."""

    text: str
    today: date
    language: Language = DEFAULT_LANGUAGE


Handler = Callable[[Knowledge, str, Request], Reply]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    arguments: str  # as shown in usage lines, e.g. "[MM-DD]"
    summary: dict[str, str]  # one line per language
    handler: Handler
    #: Only shows something. False for a command that changes a setting (``/lang``, ``/digest``):
    #: a paging button, whose request anyone can forge, may repeat only read-only commands.
    read_only: bool = True

    def usage(self) -> str:
        return f"/{self.name} {self.arguments}".rstrip()


def help_reply(knowledge: Knowledge, arguments: str, request: Request) -> Reply:
    language = request.language
    specs = all_commands(knowledge)
    if arguments:
        wanted = arguments.lstrip("/").split("@")[0].lower()
        spec = next((s for s in specs if s.name == wanted), None)
        if spec is None:
            return briefings.notice(t(language, "unknown", name=wanted))
        return briefings.help_detail(spec.usage(), spec.summary.get(language, spec.summary["pl"]), language)
    entries = [(spec.usage(), spec.summary.get(language, spec.summary["pl"])) for spec in specs]
    return Reply((briefings.help_card(entries, language),))


BUILTIN: tuple[CommandSpec, ...] = (
    CommandSpec("start", "", {"pl": "powitanie: co wiem i jak pytać", "en": "greeting: what I know and how to ask"},
                briefings.start),
    CommandSpec("help", "[komenda]", {"pl": "lista komend albo opis jednej", "en": "the commands, or one in detail"},
                help_reply),
    CommandSpec("timeline", "[YYYY | YYYY-MM | YYYY-MM-DD..YYYY-MM-DD | temat]",
                {"pl": "wydarzenia w kolejności dat", "en": "events in date order"}, briefings.timeline),
    CommandSpec("sources", "[id faktu | artykuł]",
                {"pl": "artykuły źródłowe albo źródło jednego faktu", "en": "the articles, or the source of one fact"},
                briefings.sources),
    CommandSpec("card", "<artykuł>", {"pl": "briefing jednego artykułu", "en": "one article's briefing"},
                briefings.article_card),
    CommandSpec("onthisday", "[MM-DD]", {"pl": "tego dnia w poprzednich latach", "en": "this day in earlier years"},
                briefings.on_this_day),
    CommandSpec("search", "<słowa>", {"pl": "szukaj w faktach (odmiana i polskie znaki dowolne)",
                                       "en": "search the facts (any inflection, diacritics optional)"},
                briefings.search),
    CommandSpec("figures", "[temat]", {"pl": "liczby w źródłach obok siebie, z datami",
                                        "en": "the sources' figures side by side, with dates"},
                briefings.figures),
    CommandSpec("lang", "pl|en", {"pl": "język odpowiedzi bota", "en": "the bot's reply language"},
                briefings.language, read_only=False),
    CommandSpec("digest", "on [HH:MM] [strefa] | off | status | preview [MM-DD] | empty skip|nearest | topics …",
                {"pl": "codzienny przegląd „Tego dnia” (administratorzy)",
                 "en": "daily \"on this day\" digest (admins)"},
                briefings.digest_elsewhere, read_only=False),
)
BUILTIN_NAMES = frozenset(spec.name for spec in BUILTIN)


def all_commands(knowledge: Knowledge) -> list[CommandSpec]:
    """Built-in commands, then one per topic file."""
    topics = [
        CommandSpec(
            topic.command, "",
            {"pl": topic.description, "en": topic.description},
            partial(briefings.topic_card, topic_id=topic.id),
        )
        for topic in knowledge.topics.values()
    ]
    return [*BUILTIN, *topics]


def menu(knowledge: Knowledge, language: str) -> list[tuple[str, str]]:
    """(command, one-line description) pairs for a platform's command menu."""
    return [(spec.name, spec.summary.get(language, spec.summary["pl"])) for spec in all_commands(knowledge)]


_COMMAND = re.compile(r"/(?P<name>[A-Za-z0-9_]+)(?:@\w+)?(?:\s+(?P<args>.*))?", re.DOTALL)


def read_only(knowledge: Knowledge, text: str) -> bool:
    """Whether a request names a command that only shows something, so that repeating it (a
    paging button does) changes nothing; unknown commands and anything else are not."""
    match = _COMMAND.fullmatch(text.strip())
    if not match:
        return False
    name = match.group("name").lower()
    return any(spec.name == name and spec.read_only for spec in all_commands(knowledge))


def handle(knowledge: Knowledge, request: Request) -> Reply:
    """Answer one request. Never raises for anything a user can type."""
    text = request.text.strip()
    language = request.language
    if len(text) > MAX_REQUEST:
        return briefings.notice(t(language, "too_long", limit=MAX_REQUEST))
    match = _COMMAND.fullmatch(text)
    if not match:
        return briefings.notice(t(language, "not_a_command"))
    name = match.group("name").lower()
    arguments = " ".join((match.group("args") or "").split())
    spec = next((s for s in all_commands(knowledge) if s.name == name), None)
    if spec is None:
        return briefings.notice(t(language, "unknown", name=name))
    return spec.handler(knowledge, arguments, request)



def help_text(language: str = "en") -> list[tuple[str, str]]:
    """Usage and summary of the built-in commands, for the CLI and the README test."""
    return [(spec.usage(), spec.summary[language]) for spec in BUILTIN]

