"""The command table's typed parameters: usage lines come from them, each kind reads what a user
typed into a value, and a handler gets the values, never the text."""

from __future__ import annotations

from datetime import date

import pytest

from bot.base.errors import BadArgument
from bot.briefings.arguments import (
    ARTICLE,
    CHART,
    LANGUAGE,
    MONTH_DAY,
    PERIOD,
    SOURCE,
    TOPIC,
    WORDS,
    Parameter,
    read_arguments,
)
from bot.briefings.cards import Reply
from bot.briefings.commands import BUILTIN, COMMAND, CommandSpec, builtin
from bot.briefings.request import Request
from bot.briefings.service import Briefing
from bot.content.loader import Article, Topic
from bot.extraction.facts import Fact
from bot.knowledge.events import Event
from bot.language.dates import DateValue

#: The usage lines as they were written out before the parameters were typed (and /timeline's
#: chart flag added).
USAGE = {
    "pl": [
        "/start",
        "/help [komenda]",
        "/timeline [YYYY | YYYY-MM | YYYY-MM-DD..YYYY-MM-DD | temat] [chart]",
        "/sources [dzień | id | artykuł]",
        "/card <artykuł>",
        "/onthisday [MM-DD]",
        "/search <słowa>",
        "/figures [temat]",
        "/lang pl|en|ru",
        "/digest on [HH:MM] [strefa] | off | status | preview [MM-DD] | empty skip|nearest | topics …",
    ],
    "en": [
        "/start",
        "/help [command]",
        "/timeline [YYYY | YYYY-MM | YYYY-MM-DD..YYYY-MM-DD | topic] [chart]",
        "/sources [day | id | article]",
        "/card <article>",
        "/onthisday [MM-DD]",
        "/search <words>",
        "/figures [topic]",
        "/lang pl|en|ru",
        "/digest on [HH:MM] [time zone] | off | status | preview [MM-DD] | empty skip|nearest | topics …",
    ],
}


@pytest.mark.parametrize("language", ["pl", "en"])
def test_usage_lines_come_from_the_parameters(language: str) -> None:
    assert [spec.usage(language) for spec in BUILTIN] == USAGE[language]


def test_a_parameter_shows_whether_it_is_required() -> None:
    assert Parameter("article", ARTICLE, required=True).usage("en") == "<article>"
    assert Parameter("article", ARTICLE).usage("en") == "[article]"
    assert Parameter("day", MONTH_DAY).usage("xx") == "[MM-DD]"  # the default language's placeholder
    assert Parameter("language", LANGUAGE, required=True).usage() == "pl|en|ru"  # its own grammar


def test_a_command_takes_at_most_one_parameter() -> None:
    with pytest.raises(ValueError, match="/two"):
        CommandSpec("two", (Parameter("a", WORDS), Parameter("b", WORDS)), {"pl": "", "en": ""}, lambda *a: None)
    with pytest.raises(ValueError, match="/late"):  # a flag is typed last, so it is declared last
        CommandSpec("late", (Parameter("c", CHART), Parameter("a", WORDS)), {"pl": "", "en": ""}, lambda *a: None)


def test_a_flag_is_the_last_word_and_the_rest_is_the_argument(bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    both = (Parameter("period", PERIOD), Parameter("chart", CHART))
    assert read_arguments(knowledge, both, "2022-01 chart", "en") == {
        "period": DateValue(date(2022, 1, 1), "month"),
        "chart": True,
    }
    assert read_arguments(knowledge, both, "WYKRES", "pl") == {"chart": True}  # in any language, any case
    assert read_arguments(knowledge, both, "2022-01", "en") == {"period": DateValue(date(2022, 1, 1), "month")}
    with pytest.raises(BadArgument):  # not last: part of the argument, which is then no period
        read_arguments(knowledge, both, "chart 2022-01", "en")
    alone = (Parameter("chart", CHART),)  # a topic command: other words are ignored, as before
    assert read_arguments(knowledge, alone, "chart", "en") == {"chart": True}
    assert read_arguments(knowledge, alone, "whatever", "en") == {}


def request(text: str = "", language: str = "pl") -> Request:
    return Request(text, date(2026, 11, 22), language)  # type: ignore[arg-type]


class Recorder:
    """A handler that keeps the arguments it was given."""

    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    def __call__(self, knowledge: object, request: Request, **arguments: object) -> Reply:
        self.calls.append(arguments)
        return Reply(())


def test_a_handler_gets_the_arguments_read_never_the_text(bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    handler = Recorder()
    optional = CommandSpec("x", (Parameter("article", ARTICLE),), {"pl": "", "en": ""}, handler)
    optional.answer(knowledge, request(), "zamieszki-w-kazachstanie")
    optional.answer(knowledge, request(), "")
    assert [type(call["article"]) for call in handler.calls[:1]] == [Article]
    assert handler.calls[0]["article"].id == "zamieszki-w-kazachstanie"  # type: ignore[attr-defined]
    assert handler.calls[1] == {}  # not given: the handler's default
    refused = optional.answer(knowledge, request(), "../../etc/passwd")
    assert len(handler.calls) == 2  # a bad argument never reaches the handler
    assert (refused.cards[0].body or "").startswith("Nie znam artykułu „../../etc/passwd”.")
    required = CommandSpec("y", (Parameter("article", ARTICLE, required=True),), {"pl": "", "en": ""}, handler)
    missing = required.answer(knowledge, request(language="en"), "")
    assert (missing.cards[0].body or "").startswith("Name an article: /card <id>.")
    bare = CommandSpec("z", (), {"pl": "", "en": ""}, handler)
    bare.answer(knowledge, request(), "whatever follows")
    assert handler.calls[-1] == {}


def test_each_kind_reads_its_values(bundled: Briefing) -> None:
    knowledge = bundled.knowledge

    def read(kind, text: str) -> object:  # type: ignore[no-untyped-def]
        return read_arguments(knowledge, (Parameter("p", kind, required=True),), text, "en")["p"]

    assert read(PERIOD, "2022-01") == DateValue(date(2022, 1, 1), "month")
    assert isinstance(read(PERIOD, "csto"), Topic)
    assert isinstance(read(TOPIC, "protesty"), Topic)
    shared = next(e for e in knowledge.events if len(e.facts) > 1)
    alone = next(e.facts[0] for e in knowledge.events if len(e.facts) == 1)
    assert read(SOURCE, shared.id) is shared and isinstance(read(SOURCE, shared.id), Event)
    assert read(SOURCE, alone.id.upper()) is alone and isinstance(alone, Fact)
    assert read(SOURCE, "2022-01-06") == DateValue(date(2022, 1, 6))
    assert read(SOURCE, "2") == knowledge.articles[list(knowledge.articles)[1]]
    assert read(ARTICLE, "NATO").id == "kazachstan-blizej-nato"  # type: ignore[attr-defined]
    assert read(MONTH_DAY, "1-6") == (1, 6)
    assert read(WORDS, "Tokajew") == "Tokajew"
    assert read(LANGUAGE, " EN ") == "en"
    assert read(COMMAND, "/Timeline@briefing_bot") is builtin("timeline")
    for kind, text, words in [
        (PERIOD, "styczeń", "Give a year (2022)"),
        (TOPIC, "x", "I don't know the topic"),
        (SOURCE, "2022-01", "I know no day, fact or article"),
        (ARTICLE, "kazachstan", "matches several articles"),
        (MONTH_DAY, "02-30", "Give the day as MM-DD"),
        (WORDS, "", "Give words"),
        (LANGUAGE, "de", "Languages: pl, en"),
        (COMMAND, "timline", "Did you mean /timeline?"),
    ]:
        with pytest.raises(BadArgument, match=words.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
            read(kind, text)


def test_every_parameter_of_the_table_says_where_it_completes_from() -> None:
    completes = {(spec.name, p.name): p.kind.completion for spec in BUILTIN for p in spec.parameters}
    assert completes == {
        ("help", "command"): "commands",
        ("timeline", "period"): "periods",
        ("timeline", "chart"): None,
        ("sources", "fact"): "articles",
        ("card", "article"): "articles",
        ("onthisday", "day"): None,
        ("search", "words"): None,
        ("figures", "topic"): "topics",
        ("lang", "language"): None,
        ("digest", "settings"): None,
    }
