"""Start-up: time from process start to the first answered command, with the store already built.

    python -m bench.startup [--articles 10000] [--work DIR] [--runs 3] [--no-views]

Builds the store once and leaves it as a running bot does, its warm-up thread having saved the
views it derived (``data/facts/views.db``; not timed), then for each command starts a fresh
console chat (``briefing-bot chat``, the command on its standard input) and stops the clock when
the answer to that command reaches standard output: interpreter start, imports, content check, store read,
indexes, the greeting the console shows first, and the answer itself (its first page, as a chat
shows it; ``briefing-bot ask`` would render every page of a long reply). Prints one line per
command: the best and the worst of the runs, and when the greeting arrived. With ``--no-views``
each start finds no saved views, as after content changed while the bot was not running.
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
from bot.store.fact_store import STORE_DIR, VIEWS_FILE

COMMANDS = ("/timeline 2022-01", "/onthisday 01-06", "/csto", "/search tokajew")
#: A bot's start and its warm-up thread, which saves the views it derives for the next start.
_RUN_ONCE = """
import sys
from pathlib import Path
from zoneinfo import ZoneInfo
from bot.briefings.service import Briefing
if __name__ == "__main__":
    Briefing.load(Path(sys.argv[1]), Path(sys.argv[2]), ZoneInfo("Europe/Warsaw")).warm_up().join()
"""


def first_answer(command: str, content: Path, data: Path) -> tuple[float, float]:
    """Seconds from starting the console chat until its greeting, and until its answer to
    ``command``, arrive."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--content", str(content), "--data", str(data), "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"{command}\n/quit\n")
    process.stdin.close()
    greeting = answer = 0.0
    hint_seen = False
    for line in process.stdout:  # greeting, a line of hints, then each answer after a blank line
        if not greeting:
            greeting = time.perf_counter() - started
        if line.startswith(("Wpisz komendę", "Type a command")):
            hint_seen = True
        elif hint_seen and line.strip():
            answer = time.perf_counter() - started
            break
    process.stdout.read()
    if process.wait() != 0 or not answer:
        raise SystemExit(f"the console did not answer {command!r} (exit {process.returncode})")
    return greeting, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--work", type=Path, default=None, help="keep the corpus and store here")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-views", action="store_true", help="start each time without the saved views")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    content, data = work / f"corpus-{args.articles}", work / f"data-{args.articles}"
    if not (content / "articles").is_dir():
        write_corpus(args.articles, content)
    built = measure(content, data)  # builds the store if it is missing or stale
    views = data / STORE_DIR / VIEWS_FILE
    if not args.no_views:
        subprocess.run([sys.executable, "-c", _RUN_ONCE, str(content), str(data)], check=True)
        if not views.is_file():
            raise SystemExit(f"the warm-up saved no views in {views}")
    for command in COMMANDS:
        runs = []
        for _ in range(args.runs):
            if args.no_views:
                views.unlink(missing_ok=True)
            runs.append(first_answer(command, content, data))
        answers = [answer for _, answer in runs]
        print(
            f"startup {args.articles:>6} articles {built['facts']:>7.0f} facts  {command:<18}  "
            f"best {min(answers):5.2f} s  worst {max(answers):5.2f} s  (greeting after "
            f"{min(g for g, _ in runs):.2f} s{', no saved views' if args.no_views else ''})"
        )


if __name__ == "__main__":
    main()
