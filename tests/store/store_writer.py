"""A bot whose content keeps changing, for the crash-safety test: it loads the fact store, then
changes the content folder and takes the change in (``Briefing.reload``), again and again.

    python -m tests.store.store_writer CONTENT DATA SEED [CRASH_AFTER]

Each change flips one of ``FLIPS`` with one atomic file operation (written beside the folder,
then renamed in; or removed), so that the folder is always in one of a few states, whatever
moment the process is killed at. A flip of the topic changes every article's facts, so the
reload after it rebuilds the whole store, extracting in worker processes (hence the
``__main__`` guard). Prints ``ready`` once loaded, ``flip WHAT`` before each change and ``done``
after each reload. With ``CRASH_AFTER``, it kills itself with SIGKILL right after that many files
of the data folder have been replaced: a crash at exactly the moment between two writes.
"""

from __future__ import annotations

import os
import random
import signal
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.corpus import write_corpus
from bot.briefings.service import Briefing

ARTICLES = 66  # at least extraction_pool.PARALLEL_FROM: a full build extracts in worker processes
ADDED = "zz-added.md"
REMOVED = "a000010.md"
CHANGED = "a000003.md"
TOPIC = "protesty.toml"
#: Which flip to make, weighted: the topic's full rebuild takes far longer than the others.
FLIPS = ("added", "removed", "changed", "changed", "topic")
WARSAW = ZoneInfo("Europe/Warsaw")

ADDED_TEXT = """+++
title = "Kazachstan: dopisany artykuł"
outlet = "PAP"
published = 2022-01-12
topics = ["protesty"]
+++
Protesty w Ałmaty wybuchły 2 stycznia i szybko objęły sąsiednie miasta. Szef MSW ogłosił
11.01.2022 r., że policja zatrzymała ponad 9900 osób. Od 5 stycznia w Ałmaty obowiązuje stan wyjątkowy.
"""
CHANGED_SENTENCE = "\nDodano 3 marca 2020 r.: w Aktau zatrzymano ponad 120 osób, a demonstranci rozeszli się.\n"
TOPIC_ALIAS = '"Aktau"'  # a city the corpus names: more facts join the topic


def make_corpus(content: Path) -> None:
    """The content the writer starts from, ``ARTICLES`` articles and the bundled topics."""
    write_corpus(ARTICLES, content, seed=11)
    (content / "articles" / ADDED).unlink(missing_ok=True)
    (content.parent / "scratch").mkdir(exist_ok=True)
    originals = content.parent / "scratch" / "originals"
    originals.mkdir(exist_ok=True)
    for path in (content / "articles" / REMOVED, content / "articles" / CHANGED, content / "topics" / TOPIC):
        (originals / path.name).write_bytes(path.read_bytes())


def flip(content: Path, which: str) -> None:
    """Flip one part of the content between its two states, in one atomic step."""
    scratch = content.parent / "scratch"
    originals = scratch / "originals"
    if which == "added":
        target, text = content / "articles" / ADDED, ADDED_TEXT.encode()
    elif which == "removed":
        target, text = content / "articles" / REMOVED, (originals / REMOVED).read_bytes()
    elif which == "changed":
        target, text = content / "articles" / CHANGED, (originals / CHANGED).read_bytes()
        if target.read_bytes() == text:
            text += CHANGED_SENTENCE.encode()
    elif which == "topic":
        target, text = content / "topics" / TOPIC, (originals / TOPIC).read_bytes()
        if target.read_bytes() == text:
            text = text.replace(b"aliases = [", f"aliases = [{TOPIC_ALIAS}, ".encode(), 1)
            assert text != target.read_bytes()
    else:
        raise ValueError(which)
    if which in ("added", "removed") and target.exists():
        target.unlink()
        return
    temporary = scratch / f"{target.name}.{os.getpid()}.tmp"
    temporary.write_bytes(text)
    os.replace(temporary, target)


def crash_after(replaces: int, folder: Path) -> None:
    """SIGKILL this process right after its ``replaces``-th file renamed into ``folder``."""
    rename = os.replace
    count = 0

    def replace(source: str | Path, target: str | Path) -> None:
        nonlocal count
        rename(source, target)
        if Path(target).resolve().is_relative_to(folder):
            count += 1
            if count == replaces:
                os.kill(os.getpid(), signal.SIGKILL)

    os.replace = replace  # type: ignore[assignment]


def main(content: Path, data: Path, seed: int, crash: int | None = None) -> None:
    rng = random.Random(seed)
    print("loading", flush=True)
    if crash is not None:
        crash_after(crash, data.resolve())
    briefing = Briefing.load(content, data, WARSAW)
    print("ready", flush=True)
    while True:
        which = rng.choice(FLIPS)
        print(f"flip {which}", flush=True)
        flip(content, which)
        briefing.reload()
        print("done", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else None)
