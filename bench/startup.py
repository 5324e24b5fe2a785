"""Start-up: time from process start to the first answered command, with the store already built.

    python -m bench.startup [--articles 10000] [--work DIR] [--runs 3]

Builds the store once (not timed), then for each command starts a fresh
``briefing-bot ask COMMAND`` process and stops the clock when its answer reaches standard output:
interpreter start, imports, content check, store read, indexes and the answer itself. Prints
one line per command: the best and the worst of the runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.build import measure
from bench.corpus import write_corpus

COMMANDS = ("/timeline 2022-01", "/onthisday 01-06", "/csto", "/search tokajew")


def first_answer(command: str, content: Path, data: Path) -> float:
    """Seconds from starting ``briefing-bot ask`` until the first line of its answer arrives."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--content", str(content), "--data", str(data), "ask", command],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.stdout.read()
    if process.wait() != 0 or not line.strip():
        raise SystemExit(f"briefing-bot ask {command!r} failed (exit {process.returncode})")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--work", type=Path, default=None, help="keep the corpus and store here")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    content, data = work / f"corpus-{args.articles}", work / f"data-{args.articles}"
    if not (content / "articles").is_dir():
        write_corpus(args.articles, content)
    built = measure(content, data)  # builds the store if it is missing or stale
    for command in COMMANDS:
        times = [first_answer(command, content, data) for _ in range(args.runs)]
        print(f"startup {args.articles:>6} articles {built['facts']:>7.0f} facts  {command:<18}  "
              f"best {min(times):5.2f} s  worst {max(times):5.2f} s")


if __name__ == "__main__":
    main()
