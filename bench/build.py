"""Fact store builds: full build time and peak memory, unchanged restart, one changed file.

    python -m bench.build [--sizes 1000 10000] [--work DIR]

Each measurement runs in a fresh process (as the bot starts), on a corpus from
``bench/corpus.py``, and prints one line: what, how many articles, seconds, peak memory (MB).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import write_corpus

REPO = Path(__file__).resolve().parent.parent
_BUILD = """
import json, sys, time
from pathlib import Path
from zoneinfo import ZoneInfo
start = time.perf_counter()
from bot.core.service import Briefing
briefing = Briefing.load(Path(sys.argv[1]), Path(sys.argv[2]), ZoneInfo("Europe/Warsaw"))
print(json.dumps({"seconds": time.perf_counter() - start, "facts": len(briefing.knowledge.facts),
                  "extracted": briefing.sync.extracted_articles}))
"""


def measure(content: Path, data: Path) -> dict[str, float]:
    """Build in a child process; its wall time (imports included) and peak resident memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _BUILD, str(content), str(data)], cwd=REPO,
                            capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kB, the largest child so far
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return {"wall": wall, "peak_mb": max(peak, before) / 1024, **report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--work", type=Path, default=None, help="keep corpora here (default: a temporary folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    for size in args.sizes:
        content, data = work / f"corpus-{size}", work / f"data-{size}"
        if not (content / "articles").is_dir():
            write_corpus(size, content)
        shutil.rmtree(data, ignore_errors=True)  # a full build starts with no store
        full = measure(content, data)
        print(f"build full      {size:>6} articles  {full['wall']:7.2f} s  {full['peak_mb']:7.0f} MB peak  "
              f"{full['facts']:.0f} facts")
        unchanged = measure(content, data)
        print(f"build unchanged {size:>6} articles  {unchanged['wall']:7.2f} s  (extracted {unchanged['extracted']:.0f})")
        first = sorted((content / "articles").glob("*.md"))[0]
        first.write_text(first.read_text(encoding="utf-8") + "\nW poniedziałek 3 stycznia 2022 r. nic się nie stało.\n",
                         encoding="utf-8")
        changed = measure(content, data)
        print(f"build one change {size:>5} articles  {changed['wall']:7.2f} s  (extracted {changed['extracted']:.0f})")


if __name__ == "__main__":
    main()
