"""Extraction of many articles at once, spread over worker processes when it pays.

Extraction is pure Python and CPU-bound, so threads would not help; a full build of thousands of
articles runs in one process per core.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait

from bot.content.loader import Article, Topic
from bot.extraction.facts import Extraction, TopicMatcher, extract
from bot.language import lemmas
from bot.language.figures import Quantity, QuantityMatcher

log = logging.getLogger(__name__)

#: Below this many articles, starting worker processes costs more than it saves.
PARALLEL_FROM = 64
CHUNK = 32

_Matchers = tuple[TopicMatcher, tuple[QuantityMatcher, ...]]
_WORKER_MATCHERS: _Matchers | None = None


def _matchers(topics: Sequence[Topic], quantities: Sequence[Quantity]) -> _Matchers:
    return TopicMatcher(topics), tuple(QuantityMatcher.of(q) for q in quantities)


def _start_worker(topics: Sequence[Topic], quantities: Sequence[Quantity]) -> None:
    global _WORKER_MATCHERS
    _end_with_parent()
    _WORKER_MATCHERS = _matchers(topics, quantities)


def _end_with_parent() -> None:
    """End this worker when the process that started it ends, however it ends.

    A worker holds both ends of its task queue, so when the bot is killed (SIGKILL, the OOM
    killer) no end-of-file ever reaches it: it would wait for work forever, holding its memory
    and the bot's stdout and stderr.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def _extract_chunk(articles: list[Article]) -> list[Extraction]:
    assert _WORKER_MATCHERS is not None
    return [extract(article, *_WORKER_MATCHERS) for article in articles]


def extract_all(
    articles: list[Article], topics: Sequence[Topic], quantities: Sequence[Quantity]
) -> Iterator[Extraction]:
    """Each article's extraction, in order, as soon as it is done."""
    workers = min(os.cpu_count() or 1, 8)
    done = 0
    if len(articles) >= PARALLEL_FROM and workers >= 2:
        chunks = [articles[i : i + CHUNK] for i in range(0, len(articles), CHUNK)]
        # "spawn": a forked child would inherit the parent's threads' locks (the warm-up's, the
        # adapters') in whatever state they were. (So a script that builds a store should guard
        # its entry point with ``if __name__ == "__main__":``, as multiprocessing asks.)
        context = multiprocessing.get_context("spawn")
        lemmas.lemma("dom")  # on a new machine, build the dictionary's trie once, not once per worker
        try:
            with ProcessPoolExecutor(
                workers, mp_context=context, initializer=_start_worker, initargs=(tuple(topics), tuple(quantities))
            ) as pool:
                for chunk in pool.map(_extract_chunk, chunks):
                    for extraction in chunk:
                        done += 1
                        yield extraction
            return
        except BrokenProcessPool:  # e.g. a main script that workers cannot import (stdin, no guard)
            log.warning(
                "extraction workers could not start; extracting %d articles in this process", len(articles) - done
            )
    matchers = _matchers(topics, quantities)
    for article in articles[done:]:
        yield extract(article, *matchers)
