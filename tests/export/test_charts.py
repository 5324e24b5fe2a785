"""The picture cache: drawn once per query and content, off the event loop, refused with a reason."""

from __future__ import annotations

import asyncio
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.briefings.cards import ChartQuery
from bot.briefings.service import Briefing
from bot.export.charts import Charts
from bot.export.selection import ExportError
from tests.conftest import BUNDLED_CONTENT, WARSAW

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JANUARY = ChartQuery(first=date(2022, 1, 1), last=date(2022, 1, 31))


def test_a_query_is_drawn_once_and_kept(bundled: Briefing) -> None:
    charts = Charts()
    first = charts.png(bundled.knowledge, JANUARY)
    again = charts.png(bundled.knowledge, JANUARY)
    assert first.startswith(PNG_SIGNATURE)
    assert again is first and charts.drawn == 1
    charts.png(bundled.knowledge, ChartQuery(topic="csto"))
    assert charts.drawn == 2


def test_a_reload_drops_the_kept_pictures(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(BUNDLED_CONTENT, content)
    briefing = Briefing.load(content, tmp_path / "data", WARSAW)
    charts = Charts()
    before = charts.png(briefing.knowledge, JANUARY)
    article = next((content / "articles").glob("*.md"))
    article.unlink()  # one source fewer: the same query now draws another picture
    assert briefing.reload()
    after = charts.png(briefing.knowledge, JANUARY)
    assert charts.drawn == 2 and after != before


def test_only_the_latest_pictures_are_kept(bundled: Briefing) -> None:
    charts = Charts(kept=1)
    charts.png(bundled.knowledge, JANUARY)
    charts.png(bundled.knowledge, ChartQuery(topic="csto"))
    charts.png(bundled.knowledge, JANUARY)
    assert charts.drawn == 3


def test_drawing_leaves_the_event_loop_free(bundled: Briefing) -> None:
    """While a picture is drawn in its thread, the loop runs other work."""
    charts = Charts()

    async def both() -> tuple[bytes, int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        ticker = asyncio.create_task(tick())
        picture = await charts.png_async(bundled.knowledge, JANUARY)
        ticker.cancel()
        return picture, ticks

    picture, ticks = asyncio.run(both())
    assert picture.startswith(PNG_SIGNATURE) and ticks > 10


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        (ChartQuery(first=date(1990, 1, 1), last=date(1990, 12, 31)), "no events"),
        (ChartQuery(topic="nonexistent"), "unknown topic"),
    ],
)
def test_nothing_to_draw_is_refused_with_the_reason(bundled: Briefing, query: ChartQuery, reason: str) -> None:
    charts = Charts()
    with pytest.raises(ExportError, match=reason):
        charts.png(bundled.knowledge, query)
    assert charts.drawn == 0


def test_each_language_has_its_own_picture(bundled: Briefing) -> None:
    charts = Charts()
    polish = charts.png(bundled.knowledge, JANUARY)
    english = charts.png(bundled.knowledge, ChartQuery(first=JANUARY.first, last=JANUARY.last, language="en"))
    assert charts.drawn == 2 and polish != english
