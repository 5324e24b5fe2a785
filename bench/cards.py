"""Card sizes as a chat member meets them: pages per reply, lines per page, characters per page.

    python -m bench.cards [--grown]

Asks the bot the commands a newcomer tries first, on the bundled content (with ``--grown``, also
with the articles written for the events gold added, as a content developer grows the folder),
and prints per reply: pages, lines on each page, the longest page in characters as the console
prints it, and how many times a source is listed in the whole reply.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.briefings.service import Briefing
from bot.platforms.console.render import render_card

REPO = Path(__file__).resolve().parent.parent
REQUESTS = (
    "/timeline",
    "/timeline 2022-01",
    "/csto",
    "/protesty",
    "/wojna",
    "/sources",
    "/search kazachstan",
    "/onthisday 01-06",
)


def report(content: Path, label: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        briefing = Briefing.load(
            content, Path(folder), ZoneInfo("Europe/Warsaw"), "pl", lambda: datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
        )
        print(f"{label}: {len(briefing.knowledge.articles)} articles, {len(briefing.knowledge.facts)} facts")
        print(f"{'request':<22}{'pages':>6}  {'lines per page':<24}{'longest':>8}{'listed':>8}")
        for request in REQUESTS:
            cards = list(briefing.ask(request).cards)
            listed = Counter(source.article_id for card in cards for source in card.sources)
            lines = ",".join(str(len(card.lines)) for card in cards)
            longest = max(len(render_card(card)) for card in cards)
            repeats = sum(listed.values()) - len(listed)
            print(f"{request:<22}{len(cards):>6}  {lines:<24}{longest:>8}{sum(listed.values()):>5} ({repeats} again)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grown", action="store_true", help="also with the events gold's articles added")
    args = parser.parse_args()
    report(REPO / "content", "bundled")
    if args.grown:
        with tempfile.TemporaryDirectory() as folder:
            content = Path(folder) / "content"
            shutil.copytree(REPO / "content", content)
            for article in (REPO / "tests" / "gold" / "events" / "articles").glob("*.md"):
                shutil.copy(article, content / "articles" / article.name)
            report(content, "grown")


if __name__ == "__main__":
    main()
