"""Fact store builds: full build, restart with unchanged content, one changed file.

    python -m bench.build [--sizes 1000 10000] [--work DIR]

On a corpus from ``bench/corpus.py``, for each size:

- ``full``: a fresh process builds the store from nothing (the content folder is parsed, every
  article extracted in worker processes, the store written) and indexes it: wall time from
  process start (imports included) to ready, and peak resident memory: the main process's,
  the largest worker's, and their sum over all workers (an upper bound of the build's total);
- ``unchanged``: a fresh process on the same content and store, start to ready;
- ``one change``: in a running bot, one article changed (a sentence appended), the time of
  ``Briefing.reload`` until the new knowledge answers; and, for comparison, a fresh process
  started after that change.

Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import write_corpus

REPO = Path(__file__).resolve().parent.parent
CHANGE = "\nW poniedziałek 3 stycznia 2022 r. w Ałmaty znów zebrali się demonstranci ({n}).\n"
_LOAD = """
import json, resource, sys, time
start = time.perf_counter()
from pathlib import Path
from zoneinfo import ZoneInfo
from bot.briefings.service import Briefing
if __name__ == "__main__":
    content, data = Path(sys.argv[1]), Path(sys.argv[2])
    briefing = Briefing.load(content, data, ZoneInfo("Europe/Warsaw"))
    report = {"seconds": time.perf_counter() - start, "facts": len(briefing.knowledge.facts),
              "extracted": briefing.sync.extracted_articles,
              "main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    if len(sys.argv) > 3:  # then change one file and take it in, as a running bot does
        changed = Path(sys.argv[3])
        changed.write_text(changed.read_text(encoding="utf-8") + sys.argv[4], encoding="utf-8")
        started = time.perf_counter()
        briefing.reload()
        report |= {"reload": time.perf_counter() - started, "reload_extracted": briefing.sync.extracted_articles,
                   "reload_shards": briefing.sync.written_shards}
    print(json.dumps(report))
"""


def run(content: Path, data: Path, *change: str) -> dict[str, float]:
    """Load (and maybe reload) in a fresh process; its report, with the wall time of the process
    until it printed it."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _LOAD, str(content), str(data), *change],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    report["wall"] = time.perf_counter() - started
    return report


def measure(content: Path, data: Path) -> dict[str, float]:
    """Build (or just load) the store in a fresh process: for other benchmarks."""
    return run(content, data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--work", type=Path, default=None, help="keep corpora here (default: a temporary folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    workers = min(os.cpu_count() or 1, 8)
    for size in args.sizes:
        content, data = work / f"corpus-{size}", work / f"data-{size}"
        if not (content / "articles").is_dir():
            write_corpus(size, content)
        shutil.rmtree(data, ignore_errors=True)  # a full build starts with no store
        full = run(content, data)
        print(
            f"build full       {size:>6} articles  {full['seconds']:6.2f} s  {full['facts']:.0f} facts  "
            f"peak {full['main_mb']:.0f} MB main + {workers} workers x {full['worker_mb']:.0f} MB "
            f"= {full['main_mb'] + workers * full['worker_mb']:.0f} MB at most"
        )
        unchanged = run(content, data)
        print(
            f"build unchanged  {size:>6} articles  {unchanged['seconds']:6.2f} s  "
            f"(extracted {unchanged['extracted']:.0f}; peak {unchanged['main_mb']:.0f} MB)"
        )
        first = sorted((content / "articles").glob("*.md"))[0]
        changed = run(content, data, str(first), CHANGE.format(n=time.time_ns()))
        print(
            f"build one change {size:>6} articles  {changed['reload']:6.2f} s  (reload in a running bot: "
            f"extracted {changed['reload_extracted']:.0f}, {changed['reload_shards']:.0f} of 16 shards written)"
        )
        first.write_text(first.read_text(encoding="utf-8") + CHANGE.format(n=time.time_ns()), encoding="utf-8")
        restart = run(content, data)
        print(
            f"build one change {size:>6} articles  {restart['seconds']:6.2f} s  (a fresh start instead: "
            f"extracted {restart['extracted']:.0f})"
        )


if __name__ == "__main__":
    main()
