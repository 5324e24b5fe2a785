"""A child process that loads content and runs the extraction path, for the content fuzzing suite.

The fuzzing tests assert that nothing hangs; a hang in a regular expression (C code) cannot be
interrupted inside the test process, so the work runs here and the test waits for each answer
with a timeout, then kills the child. ``ContentWorker`` is the test's side; ``_serve`` the child's.
Exceptions in the child come back as their traceback, so a test fails on them as it would in
process.
"""

from __future__ import annotations

import functools
import multiprocessing
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Loaded:
    """What ``load_content`` made of a folder, as plain values, and the facts of the files tried."""

    problems: list[tuple[str, int, str]]  # path, line, message: str(Problem) is "path:line: message"
    rendered: list[str]  # str() of each problem
    articles: list[tuple[str, str]]  # id, path
    topics: list[tuple[str, str]]  # id, path
    facts: int  # facts extracted from the article under test, if it loaded
    flags: int  # reference-list flags over the file under test


class WorkerError(AssertionError):
    """The child raised, hung, or died: the assertion the fuzzing test fails with."""


class ContentWorker:
    """One child process, started with ``spawn`` (no state shared with the test process)."""

    def __init__(self) -> None:
        self._process: Any = None
        self._connection: Connection | None = None

    def _start(self) -> Connection:
        if self._connection is None:
            context = multiprocessing.get_context("spawn")
            parent, child = context.Pipe()
            self._process = context.Process(target=_serve, args=(child,), daemon=True)
            self._process.start()
            child.close()
            self._connection = parent
        return self._connection

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
        if self._connection is not None:
            self._connection.close()
        self._process = self._connection = None

    def ask(self, request: tuple[Any, ...], timeout: float) -> Any:
        """The child's answer to ``request``; ``WorkerError`` when it raised or took ``timeout`` s."""
        connection = self._start()
        connection.send(request)
        if not connection.poll(timeout):
            self.close()
            raise WorkerError(f"{request[0]} did not finish within {timeout:.0f} s: {_describe(request)}")
        try:
            ok, answer = connection.recv()
        except EOFError:
            self.close()
            raise WorkerError(f"the worker died during {request[0]}: {_describe(request)}") from None
        if not ok:
            raise WorkerError(f"{request[0]} raised: {_describe(request)}\n{answer}")
        return answer

    def load(self, folder: Path, under_test: Path, timeout: float = 60.0, extract: bool = True) -> Loaded:
        """Load ``folder``, then (with ``extract``) extract the facts of, and check reference
        lists over, the file ``under_test``."""
        return Loaded(**self.ask(("load", str(folder), str(under_test), extract), timeout))

    def extraction_times(self, fragment: str, size: int, timeout: float) -> dict[str, float]:
        """Seconds each stage of the extraction path took over ``fragment`` repeated to ``size``;
        each stage is one request, so that a hang names its stage."""
        return {stage: self.ask(("megabyte", fragment, size, stage), timeout) for stage in STAGES}


def _describe(request: tuple[Any, ...]) -> str:
    return ", ".join(repr(part)[:120] for part in request[1:])


# --- the child --------------------------------------------------------------------------------------


def _serve(connection: Connection) -> None:
    handlers: dict[str, Callable[..., Any]] = {"load": _load, "megabyte": _megabyte}
    while True:
        try:
            kind, *arguments = connection.recv()
        except EOFError:
            return
        try:
            answer = (True, handlers[kind](*arguments))
        except BaseException:  # noqa: BLE001 - everything goes back to the test, which fails on it
            answer = (False, traceback.format_exc())
        connection.send(answer)


def _load(folder: str, under_test: str, with_extraction: bool) -> dict[str, Any]:
    from bot.briefings.service import RESERVED_COMMANDS
    from bot.content.loader import load_content
    from bot.content.references import check_lists
    from bot.extraction.facts import TopicMatcher, extract
    from bot.language.figures import QuantityMatcher

    content = load_content(Path(folder), reserved_commands=frozenset(RESERVED_COMMANDS))
    target = Path(under_test)
    facts = flags = 0
    if with_extraction:
        matcher = TopicMatcher(content.topics)
        quantities = tuple(QuantityMatcher.of(q) for q in content.quantities)
        articles = [a for a in content.articles if a.path == target]
        facts = sum(len(extract(article, matcher, quantities).facts) for article in articles)
        topics = [t for t in content.topics if t.path == target]
        flags = sum(len(check_lists(topic, list(content.articles))) for topic in topics)
        flags += sum(len(check_lists(topic, articles)) for topic in content.topics if articles)
    return {
        "problems": [(str(p.path), p.line, p.message) for p in content.problems],
        "rendered": [str(p) for p in content.problems],
        "articles": [(a.id, str(a.path)) for a in content.articles],
        "topics": [(t.id, str(t.path)) for t in content.topics],
        "facts": facts,
        "flags": flags,
    }


STAGES = ("sentences", "dates (one sentence)", "figures (one sentence)", "reference lists", "extraction")


@functools.cache
def _bundled() -> tuple[Any, Any, Any]:
    from bot.content.loader import load_content
    from bot.extraction.facts import TopicMatcher
    from bot.language.figures import QuantityMatcher
    from tests.conftest import BUNDLED_CONTENT

    content = load_content(BUNDLED_CONTENT)
    return content, TopicMatcher(content.topics), tuple(QuantityMatcher.of(q) for q in content.quantities)


def _megabyte(fragment: str, size: int, stage: str) -> float:
    """Seconds one stage of the extraction path takes over ``fragment`` repeated to ``size``
    characters as an article's body: sentence splitting, dates and figures over the whole text as
    one sentence (its white space not folded), reference lists, and the whole article's extraction
    (sentences, then each one's dates, figures, topics and search keys)."""
    from bot.content.references import check_lists
    from bot.extraction.facts import extract
    from bot.language.dates import find_dates
    from bot.language.figures import find_figures
    from bot.language.sentences import split_sentences

    content, matcher, quantities = _bundled()
    text = (fragment * (size // max(1, len(fragment)) + 1))[:size]
    article = replace(content.articles[0], body=text)
    stages: dict[str, Callable[[], object]] = {
        "sentences": lambda: split_sentences(text),
        "dates (one sentence)": lambda: find_dates(text, date(2022, 1, 9)),
        "figures (one sentence)": lambda: find_figures(text, quantities),
        "reference lists": lambda: [check_lists(topic, [article]) for topic in content.topics],
        "extraction": lambda: extract(article, matcher, quantities),
    }
    start = time.perf_counter()
    stages[stage]()
    return time.perf_counter() - start
