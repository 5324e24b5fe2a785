"""The kinds of argument a command takes: how each is read from what a user typed, how a usage
line shows it and where its autocompletion comes from.

A command declares its ``Parameter``s in the table (``bot.briefings.commands``); its handler gets
the values read, by the parameters' names, and an argument that cannot be read is answered here
(``BadArgument``), the same way for every command that takes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.base.errors import BadArgument
from bot.briefings.cards import shorten
from bot.content.loader import Article, Topic
from bot.extraction.facts import Fact
from bot.i18n.messages import DEFAULT_LANGUAGE, LANGUAGES, Language, t
from bot.knowledge.events import Event
from bot.knowledge.indexes import Knowledge
from bot.language.dates import DateValue, parse_month_day, parse_period

#: Where a parameter's autocompletion comes from: the command names, the periods (topics, years,
#: months), the articles or the topics.
Completion = Literal["commands", "periods", "articles", "topics"]

#: Reads an argument as typed (whitespace collapsed; "" for a required one not given) into its
#: value, or raises BadArgument whose message is the reply.
Reader = Callable[[Knowledge, str, Language], object]


@dataclass(frozen=True, slots=True)
class Kind:
    """What an argument is: its reader, its placeholder in usage lines, its autocompletion."""

    name: str
    #: The placeholder in usage lines: a message key ("argument.article"), or with ``literal``,
    #: the same text in every language ("MM-DD").
    shown: str
    read: Reader
    completion: Completion | None = None
    #: The words it accepts, or starts with (/digest's settings); the platforms offer them.
    choices: tuple[str, ...] = ()
    #: False for a placeholder that is its own grammar ("pl|en"): shown without <> or [].
    bracketed: bool = True
    literal: bool = False
    #: A flag's words: the kind is then a word typed last, after the command's other argument
    #: (``/timeline 2022-01 chart``), read as True when present; Discord shows it as a boolean.
    flag: tuple[str, ...] = ()

    def placeholder(self, language: str) -> str:
        return self.shown if self.literal else t(language, self.shown)


@dataclass(frozen=True, slots=True)
class Parameter:
    """One argument of a command; ``name`` is the handler's keyword and Discord's option name."""

    name: str
    kind: Kind
    required: bool = False

    def usage(self, language: str = DEFAULT_LANGUAGE) -> str:
        shown = self.kind.placeholder(language)
        if not self.kind.bracketed:
            return shown
        return f"<{shown}>" if self.required else f"[{shown}]"


def read_arguments(
    knowledge: Knowledge, parameters: tuple[Parameter, ...], text: str, language: Language
) -> dict[str, object]:
    """The values of a command's parameters in what was typed after its name, by name. A command
    takes at most one parameter that reads text, which takes the whole text but the flags typed
    last (``chart``); an optional one not given is left out (the handler's default), extra text
    for a command without such a parameter is ignored."""
    values: dict[str, object] = {}
    words = text.split()
    for parameter in reversed([p for p in parameters if p.kind.flag]):
        if words and words[-1].lower() in parameter.kind.flag:
            values[parameter.name] = True
            words.pop()
    text = " ".join(words)
    readers = [p for p in parameters if not p.kind.flag]
    if readers and (text or readers[0].required):
        (parameter,) = readers
        values[parameter.name] = parameter.kind.read(knowledge, text, language)
    return values


def _topic_ids(knowledge: Knowledge) -> str:
    return ", ".join(tp.id for tp in knowledge.topics.values()) or "–"


def _period_or_topic(knowledge: Knowledge, text: str, language: Language) -> DateValue | Topic:
    wanted = parse_period(text)
    if wanted is not None:
        return wanted
    topic = knowledge.find_topic(text)
    if topic is None:
        raise BadArgument(t(language, "timeline.bad", arg=shorten(text, 60), topics=_topic_ids(knowledge)))
    return topic


def _topic(knowledge: Knowledge, text: str, language: Language) -> Topic:
    topic = knowledge.find_topic(text)
    if topic is None:
        raise BadArgument(t(language, "figures.bad", arg=shorten(text, 60), topics=_topic_ids(knowledge)))
    return topic


def _source(knowledge: Knowledge, text: str, language: Language) -> Fact | Event | DateValue | Article:
    """An event id (or a fact id that is an event's one fact), a fact id, a day, an article."""
    wanted = text.strip().lower()
    fact = knowledge.by_id.get(wanted)
    event = knowledge.event_by_id.get(wanted)
    if event is not None and (fact is None or len(event.facts) > 1):
        return event
    if fact is not None:
        return fact
    day = parse_period(text)
    if day is not None and day.precision == "day":
        return day
    found = knowledge.find_article(text).found
    if isinstance(found, Article):
        return found
    raise BadArgument(t(language, "sources.unknown_fact", arg=shorten(text, 60)))


def _article(knowledge: Knowledge, text: str, language: Language) -> Article:
    ids = ", ".join(knowledge.articles) or "–"
    if not text:
        raise BadArgument(t(language, "card.missing", ids=ids))
    lookup = knowledge.find_article(text)
    if isinstance(lookup.found, Article):
        return lookup.found
    if lookup.candidates:
        raise BadArgument(t(language, "card.ambiguous", arg=shorten(text, 60), ids=", ".join(lookup.candidates)))
    raise BadArgument(t(language, "card.unknown", arg=shorten(text, 60), ids=ids))


def _month_day(knowledge: Knowledge, text: str, language: Language) -> tuple[int, int]:
    parsed = parse_month_day(text)
    if parsed is None:
        raise BadArgument(t(language, "onthisday.bad", arg=shorten(text, 60)))
    return parsed


def _words(knowledge: Knowledge, text: str, language: Language) -> str:
    if not text:
        raise BadArgument(t(language, "search.missing"))
    return text


def _language(knowledge: Knowledge, text: str, language: Language) -> Language:
    wanted = text.strip().lower()
    if wanted not in LANGUAGES:
        raise BadArgument(t(language, "lang.bad", languages=", ".join(LANGUAGES)))
    return wanted  # type: ignore[return-value]


def _text(knowledge: Knowledge, text: str, language: Language) -> str:
    return text


def _present(knowledge: Knowledge, text: str, language: Language) -> bool:
    return True


PERIOD = Kind("period or topic", "argument.period", _period_or_topic, completion="periods")
TOPIC = Kind("topic", "argument.topic", _topic, completion="topics")
SOURCE = Kind("source", "argument.source", _source, completion="articles")
ARTICLE = Kind("article", "argument.article", _article, completion="articles")
MONTH_DAY = Kind("month-day", "MM-DD", _month_day, literal=True)
WORDS = Kind("words", "argument.words", _words)
LANGUAGE = Kind("language", "|".join(LANGUAGES), _language, choices=tuple(LANGUAGES), bracketed=False, literal=True)
#: A picture instead of a list: the timeline's events drawn (``Reply.chart``).
CHART = Kind("chart", "chart", _present, literal=True, flag=("chart", "wykres", "график"))
#: /digest's settings, which ``bot.digests`` reads; the table only shows and names them.
DIGEST_SETTINGS = Kind(
    "digest settings",
    "argument.digest",
    _text,
    choices=("on", "off", "status", "preview", "empty", "topics"),
    bracketed=False,
)
