"""Chat commands, platform-neutral: a request's text in, a Reply of cards out.

The table ``BUILTIN`` is the one place where commands, their arguments and their help live;
``/help``, the CLI and the adapters' command menus all read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import partial

from bot.briefings import replies
from bot.briefings.cards import Reply
from bot.briefings.request import Request
from bot.i18n.messages import DEFAULT_LANGUAGE, t
from bot.knowledge.indexes import Knowledge

#: Longer requests are refused before any work is done.
MAX_REQUEST = 1000


Handler = Callable[[Knowledge, str, Request], Reply]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    arguments: dict[str, str]  # as shown in usage lines, per language, e.g. {"pl": "[MM-DD]"}
    summary: dict[str, str]  # one line per language
    handler: Handler
    #: Only shows something. False for a command that changes a setting (``/lang``, ``/digest``):
    #: a paging button, whose request anyone can forge, may repeat only read-only commands.
    read_only: bool = True
    #: Requests to try, shown by ``/help <command>``.
    examples: tuple[str, ...] = field(default=())

    def usage(self, language: str = DEFAULT_LANGUAGE) -> str:
        arguments = self.arguments.get(language, self.arguments.get(DEFAULT_LANGUAGE, ""))
        return f"/{self.name} {arguments}".rstrip()


def _same(arguments: str) -> dict[str, str]:
    """Arguments written the same in every language (dates, codes)."""
    return {"pl": arguments, "en": arguments}


def suggestion(name: str, names: Sequence[str]) -> str | None:
    """The command a mistyped name most likely meant ("timline" → "timeline"), if any is close."""
    close = get_close_matches(name, names, n=1, cutoff=0.7)
    return close[0] if close else None


def unknown(name: str, names: Sequence[str], language: str) -> Reply:
    """The reply to a command nobody knows, naming the likeliest one meant."""
    meant = suggestion(name, names)
    if meant is None:
        return replies.notice(t(language, "unknown", name=name))
    return replies.notice(t(language, "unknown.meant", name=name, meant=meant))


def help_reply(knowledge: Knowledge, arguments: str, request: Request) -> Reply:
    language = request.language
    specs = all_commands(knowledge)
    if arguments:
        wanted = arguments.lstrip("/").split("@")[0].lower()
        spec = next((s for s in specs if s.name == wanted), None)
        if spec is None:
            return unknown(wanted, [s.name for s in specs], language)
        return replies.help_detail(spec.usage(language), spec.summary.get(language, spec.summary["pl"]), language,
                                     spec.examples)
    entries = [(spec.usage(language), spec.summary.get(language, spec.summary["pl"])) for spec in specs]
    return Reply((replies.help_card(entries, language),))


BUILTIN: tuple[CommandSpec, ...] = (
    CommandSpec("start", {}, {"pl": "powitanie: co wiem i jak pytać", "en": "greeting: what I know and how to ask"},
                replies.start),
    CommandSpec("help", {"pl": "[komenda]", "en": "[command]"},
                {"pl": "lista komend albo opis jednej", "en": "the commands, or one in detail"},
                help_reply, examples=("/help search",)),
    CommandSpec("timeline", {"pl": "[YYYY | YYYY-MM | YYYY-MM-DD..YYYY-MM-DD | temat]",
                             "en": "[YYYY | YYYY-MM | YYYY-MM-DD..YYYY-MM-DD | topic]"},
                {"pl": "wydarzenia w kolejności dat", "en": "events in date order"}, replies.timeline,
                examples=("/timeline 2022-01", "/timeline 2022-01-01..2022-01-07")),
    CommandSpec("sources", {"pl": "[dzień | id | artykuł]", "en": "[day | id | article]"},
                {"pl": "artykuły źródłowe; cytaty jednego dnia albo wydarzenia; źródło jednego faktu",
                 "en": "the articles; the quotes of a day or an event; the source of one fact"},
                replies.sources, examples=("/sources", "/sources 2022-01-06", "/sources 2")),
    CommandSpec("card", {"pl": "<artykuł>", "en": "<article>"},
                {"pl": "briefing jednego artykułu", "en": "one article's briefing"},
                replies.article_card, examples=("/card 1",)),
    CommandSpec("onthisday", _same("[MM-DD]"),
                {"pl": "tego dnia w poprzednich latach", "en": "this day in earlier years"},
                replies.on_this_day, examples=("/onthisday 01-06",)),
    CommandSpec("search", {"pl": "<słowa>", "en": "<words>"},
                {"pl": "szukaj w faktach i artykułach (odmiana i polskie znaki dowolne)",
                 "en": "search the facts and articles (any inflection, diacritics optional)"},
                replies.search, examples=("/search zatrzymanych", "/search Tokajew")),
    CommandSpec("figures", {"pl": "[temat]", "en": "[topic]"},
                {"pl": "liczby w źródłach obok siebie, z datami", "en": "the sources' figures side by side, with dates"},
                replies.figures, examples=("/figures",)),
    CommandSpec("lang", _same("pl|en"), {"pl": "język odpowiedzi bota", "en": "the bot's reply language"},
                replies.language, read_only=False, examples=("/lang en", "/lang pl")),
    CommandSpec("digest", {"pl": "on [HH:MM] [strefa] | off | status | preview [MM-DD] | empty skip|nearest | topics …",
                           "en": "on [HH:MM] [time zone] | off | status | preview [MM-DD] | empty skip|nearest | "
                                 "topics …"},
                {"pl": "codzienny przegląd „Tego dnia” (administratorzy)",
                 "en": "daily \"on this day\" digest (admins)"},
                replies.digest_elsewhere, read_only=False, examples=("/digest on 09:00 Europe/Warsaw", "/digest status")),
)
BUILTIN_NAMES = frozenset(spec.name for spec in BUILTIN)


def all_commands(knowledge: Knowledge) -> list[CommandSpec]:
    """Built-in commands, then one per topic file."""
    topics = [
        CommandSpec(
            topic.command, {},
            {"pl": topic.description, "en": topic.description},
            partial(replies.topic_card, topic_id=topic.id),
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
        return replies.notice(t(language, "too_long", limit=MAX_REQUEST))
    match = _COMMAND.fullmatch(text)
    if not match:
        return replies.notice(t(language, "not_a_command"))
    name = match.group("name").lower()
    arguments = " ".join((match.group("args") or "").split())
    specs = all_commands(knowledge)
    spec = next((s for s in specs if s.name == name), None)
    if spec is None:
        return unknown(name, [s.name for s in specs], language)
    return spec.handler(knowledge, arguments, request)



def help_text(language: str = "en") -> list[tuple[str, str]]:
    """Usage and summary of the built-in commands, for the CLI and the README test."""
    return [(spec.usage(language), spec.summary[language]) for spec in BUILTIN]

