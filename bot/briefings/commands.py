"""Chat commands, platform-neutral: a request's text in, a Reply of cards out.

The table ``BUILTIN`` is the one place where commands, their arguments and their help live;
``/help``, the CLI and the adapters' command menus all read it. A command declares its typed
parameters (``bot.briefings.arguments``); its handler gets them read, as keywords.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import partial

from bot.base.errors import BadArgument
from bot.briefings import replies
from bot.briefings.arguments import (
    ARTICLE,
    CHART,
    DIGEST_SETTINGS,
    LANGUAGE,
    MONTH_DAY,
    PERIOD,
    SOURCE,
    TOPIC,
    WORDS,
    Kind,
    Parameter,
    read_arguments,
)
from bot.briefings.cards import Reply
from bot.briefings.request import Request
from bot.i18n.messages import DEFAULT_LANGUAGE, LANGUAGES, Language, in_every_language, t
from bot.knowledge.indexes import Knowledge

#: Longer requests are refused before any work is done.
MAX_REQUEST = 1000


#: ``handler(knowledge, request, **arguments)``, the arguments read by the command's parameters.
Handler = Callable[..., Reply]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    #: At most one that reads text, which takes the whole text after the name; then any flags.
    parameters: tuple[Parameter, ...]
    summary: dict[str, str]  # one line per language
    handler: Handler
    #: Only shows something. False for a command that changes a setting (``/lang``, ``/digest``):
    #: a paging button, whose request anyone can forge, may repeat only read-only commands.
    read_only: bool = True
    #: Requests to try, shown by ``/help <command>``.
    examples: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        readers = [p for p in self.parameters if not p.kind.flag]
        if len(readers) > 1 or (readers and readers[0] is not self.parameters[0]):
            raise ValueError(f"/{self.name}: a command takes at most one parameter that reads text, before its flags")

    def usage(self, language: str = DEFAULT_LANGUAGE) -> str:
        return " ".join([f"/{self.name}", *(p.usage(language) for p in self.parameters)])

    def parameter(self, name: str) -> Parameter:
        return next(p for p in self.parameters if p.name == name)

    def answer(self, knowledge: Knowledge, request: Request, arguments: str) -> Reply:
        """The handler's reply to these arguments, or what a bad one gets."""
        try:
            values = read_arguments(knowledge, self.parameters, arguments, request.language)
        except BadArgument as error:
            return replies.notice(str(error))
        return self.handler(knowledge, request, **values)


def _same(text: str) -> dict[str, str]:
    """Words written the same in every language (a topic's description, from content)."""
    return {language: text for language in LANGUAGES}


def suggestion(name: str, names: Sequence[str]) -> str | None:
    """The command a mistyped name most likely meant ("timline" → "timeline"), if any is close."""
    close = get_close_matches(name, names, n=1, cutoff=0.7)
    return close[0] if close else None


def unknown(name: str, names: Sequence[str], language: str) -> Reply:
    """The reply to a command nobody knows, naming the likeliest one meant."""
    return replies.notice(_unknown_text(name, names, language))


def _unknown_text(name: str, names: Sequence[str], language: str) -> str:
    meant = suggestion(name, names)
    if meant is None:
        return t(language, "unknown", name=name)
    return t(language, "unknown.meant", name=name, meant=meant)


def _command(knowledge: Knowledge, text: str, language: Language) -> CommandSpec:
    """A command's name, with or without its slash and a bot's @name."""
    wanted = text.lstrip("/").split("@")[0].lower()
    specs = all_commands(knowledge)
    spec = next((s for s in specs if s.name == wanted), None)
    if spec is None:
        raise BadArgument(_unknown_text(wanted, [s.name for s in specs], language))
    return spec


#: The kind of /help's argument, kept beside the table it reads.
COMMAND = Kind("command", "argument.command", _command, completion="commands")


def help_reply(knowledge: Knowledge, request: Request, command: CommandSpec | None = None) -> Reply:
    language = request.language
    if command is not None:
        return replies.help_detail(
            command.usage(language), command.summary.get(language, command.summary["pl"]), language, command.examples
        )
    entries = [
        (spec.usage(language), spec.summary.get(language, spec.summary["pl"])) for spec in all_commands(knowledge)
    ]
    return Reply((replies.help_card(entries, language),))


BUILTIN: tuple[CommandSpec, ...] = (
    CommandSpec("start", (), in_every_language("command.start.summary"), replies.start),
    CommandSpec(
        "help",
        (Parameter("command", COMMAND),),
        in_every_language("command.help.summary"),
        help_reply,
        examples=("/help search",),
    ),
    CommandSpec(
        "timeline",
        (Parameter("period", PERIOD), Parameter("chart", CHART)),
        in_every_language("command.timeline.summary"),
        replies.timeline,
        examples=("/timeline 2022-01", "/timeline 2022-01-01..2022-01-07", "/timeline 2022-01 chart"),
    ),
    CommandSpec(
        "sources",
        (Parameter("fact", SOURCE),),
        in_every_language("command.sources.summary"),
        replies.sources,
        examples=("/sources", "/sources 2022-01-06", "/sources 2"),
    ),
    CommandSpec(
        "card",
        (Parameter("article", ARTICLE, required=True),),
        in_every_language("command.card.summary"),
        replies.article_card,
        examples=("/card 1",),
    ),
    CommandSpec(
        "onthisday",
        (Parameter("day", MONTH_DAY),),
        in_every_language("command.onthisday.summary"),
        replies.on_this_day,
        examples=("/onthisday 01-06",),
    ),
    CommandSpec(
        "search",
        (Parameter("words", WORDS, required=True),),
        in_every_language("command.search.summary"),
        replies.search,
        examples=("/search zatrzymanych", "/search Tokajew"),
    ),
    CommandSpec(
        "figures",
        (Parameter("topic", TOPIC),),
        in_every_language("command.figures.summary"),
        replies.figures,
        examples=("/figures",),
    ),
    CommandSpec(
        "lang",
        (Parameter("language", LANGUAGE, required=True),),
        in_every_language("command.lang.summary"),
        replies.language,
        read_only=False,
        examples=("/lang en", "/lang pl"),
    ),
    CommandSpec(
        "digest",
        (Parameter("settings", DIGEST_SETTINGS),),
        in_every_language("command.digest.summary"),
        replies.digest_elsewhere,
        read_only=False,
        examples=("/digest on 09:00 Europe/Warsaw", "/digest status"),
    ),
)
BUILTIN_NAMES = frozenset(spec.name for spec in BUILTIN)


def all_commands(knowledge: Knowledge) -> list[CommandSpec]:
    """Built-in commands, then one per topic file."""
    topics = [
        CommandSpec(
            topic.command,
            (Parameter("chart", CHART),),
            _same(topic.description),
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


def with_chart(text: str) -> str:
    """The request for the picture of what ``text`` lists: its flag typed last (a chart button
    asks it)."""
    return f"{text.rstrip()} {CHART.flag[0]}"


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
    return spec.answer(knowledge, request, arguments)


def builtin(name: str) -> CommandSpec:
    """The built-in command of this name (for the adapters' own command definitions)."""
    return next(spec for spec in BUILTIN if spec.name == name)


def help_text(language: str = "en") -> list[tuple[str, str]]:
    """Usage and summary of the built-in commands, for the CLI and the README test."""
    return [(spec.usage(language), spec.summary[language]) for spec in BUILTIN]
