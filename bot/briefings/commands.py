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
from bot.i18n.messages import DEFAULT_LANGUAGE, LANGUAGES, Language, in_every_language, t
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
    return {language: arguments for language in LANGUAGES}


def _words(key: str) -> dict[str, str]:
    """A command's arguments or summary in every language, from the catalogues."""
    return in_every_language(key)


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
    CommandSpec("start", {}, _words("command.start.summary"), replies.start),
    CommandSpec("help", _words("command.help.arguments"), _words("command.help.summary"),
                help_reply, examples=("/help search",)),
    CommandSpec("timeline", _words("command.timeline.arguments"), _words("command.timeline.summary"),
                replies.timeline, examples=("/timeline 2022-01", "/timeline 2022-01-01..2022-01-07")),
    CommandSpec("sources", _words("command.sources.arguments"), _words("command.sources.summary"),
                replies.sources, examples=("/sources", "/sources 2022-01-06", "/sources 2")),
    CommandSpec("card", _words("command.card.arguments"), _words("command.card.summary"),
                replies.article_card, examples=("/card 1",)),
    CommandSpec("onthisday", _same("[MM-DD]"), _words("command.onthisday.summary"),
                replies.on_this_day, examples=("/onthisday 01-06",)),
    CommandSpec("search", _words("command.search.arguments"), _words("command.search.summary"),
                replies.search, examples=("/search zatrzymanych", "/search Tokajew")),
    CommandSpec("figures", _words("command.figures.arguments"), _words("command.figures.summary"),
                replies.figures, examples=("/figures",)),
    CommandSpec("lang", _same("|".join(LANGUAGES)), _words("command.lang.summary"),
                replies.language, read_only=False, examples=("/lang en", "/lang pl")),
    CommandSpec("digest", _words("command.digest.arguments"), _words("command.digest.summary"),
                replies.digest_elsewhere, read_only=False, examples=("/digest on 09:00 Europe/Warsaw", "/digest status")),
)
BUILTIN_NAMES = frozenset(spec.name for spec in BUILTIN)


def all_commands(knowledge: Knowledge) -> list[CommandSpec]:
    """Built-in commands, then one per topic file."""
    topics = [
        CommandSpec(
            topic.command, {},
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

