"""The timeline picture, rendered from the bundled content and checked as an image: a PNG that
reads back at the size it claims, within Telegram's photo limits, every event drawn inside the
canvas in date order, and no text outside it."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, datetime

import pytest
from matplotlib.image import imread

from bot.briefings.service import Briefing
from bot.export import png
from bot.export.selection import ExportError, Selection, select
from tests.conftest import REPO

Box = tuple[float, float, float, float]


def inside(box: Box, width: int, height: int) -> bool:
    left, bottom, right, top = box
    return 0 <= left <= right <= width and 0 <= bottom <= top <= height


def overlap(one: Box, other: Box) -> bool:
    return one[0] < other[2] and other[0] < one[2] and one[1] < other[3] and other[1] < one[3]


def check(picture: png.Picture, selection: Selection) -> None:
    """What a person would check: the picture opens, fits Telegram, shows each event once, readably."""
    pixels = imread(io.BytesIO(picture.png), format="png")
    assert pixels.shape[:2] == (picture.height, picture.width)
    assert picture.width == png.WIDTH
    assert picture.width + picture.height <= png.SIDES_LIMIT
    assert max(picture.width, picture.height) <= png.RATIO_LIMIT * min(picture.width, picture.height)
    assert [drawn.event_id for drawn in picture.events] == [event.id for event in selection.events]
    for drawn in picture.events:
        assert inside(drawn.mark, picture.width, picture.height), drawn
        assert inside(drawn.label, picture.width, picture.height), drawn
        assert drawn.mark[2] - drawn.mark[0] > 1 and drawn.mark[3] - drawn.mark[1] > 1, drawn
    for box in picture.texts:
        assert inside(box, picture.width, picture.height), box
    texts = picture.texts  # headlines, title, period, dates of the axis, legend: none over another
    assert not [(a, b) for i, a in enumerate(texts) for b in texts[i + 1 :] if overlap(a, b)]
    tops = [drawn.mark[3] for drawn in picture.events]
    assert tops == sorted(tops, reverse=True)  # one row per event, the earliest on top


@pytest.fixture(scope="module")
def everything(bundled: Briefing) -> Selection:
    return select(bundled.knowledge)


def test_the_bundled_timeline_is_drawn_whole(everything: Selection) -> None:
    assert len(everything.events) > 5
    check(png.draw(everything), everything)


def test_a_topic_and_a_period_are_drawn(bundled: Briefing) -> None:
    for topic in bundled.knowledge.topics:
        selection = select(bundled.knowledge, topic)
        check(png.draw(selection), selection)
    selection = select(bundled.knowledge, None, date(2022, 1, 5), date(2022, 1, 7))
    assert 0 < len(selection.events) < len(select(bundled.knowledge).events)
    check(png.draw(selection), selection)


def test_precision_stays_visible(everything: Selection) -> None:
    """A day is a point; a month, a year or a range a bar as long as it lasts: a year is longer than
    a month, and a bar's pixels per day are the same for every event."""
    picture = png.draw(everything)
    width = {drawn.event_id: drawn.mark[2] - drawn.mark[0] for drawn in picture.events}
    per_day = []
    for event in everything.events:
        days = (event.value.last_day - event.value.start).days + 1
        if event.value.precision == "day":
            assert width[event.id] < 25, event  # a point, however long the axis
        else:
            per_day.append(width[event.id] / days)
    assert {"day", "month", "year"} <= {event.value.precision for event in everything.events}
    assert max(per_day) - min(per_day) < 0.05 * max(per_day)


def test_headlines_are_short_and_sources_counted(everything: Selection) -> None:
    picture = png.draw(everything)
    for event, drawn in zip(everything.events, picture.events):
        assert len(drawn.text) <= png.HEADLINE + len("  ×99")
        assert drawn.text == png.label(event)
        assert drawn.text.endswith(f"×{len(event.articles)}") == (len(event.articles) > 1)
    assert any(len(event.articles) > 1 for event in everything.events)


def test_the_picture_grows_with_its_events_within_limits(everything: Selection) -> None:
    many = Selection(everything.knowledge, everything.events * 10, everything.facts)
    picture = png.draw(many)
    assert picture.height > png.draw(everything).height
    check(picture, many)
    too_many = Selection(everything.knowledge, everything.events * 20, everything.facts)
    with pytest.raises(ExportError, match="do not fit"):
        png.draw(too_many)


def test_nothing_to_draw_is_refused(everything: Selection) -> None:
    with pytest.raises(ExportError, match="no events"):
        png.draw(Selection(everything.knowledge, (), ()))


def test_matplotlib_is_imported_only_to_draw() -> None:
    """The CLI and the exports load quickly: matplotlib comes in with the first picture."""
    code = "import sys, bot.cli, bot.export.png; print('matplotlib' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert found.stdout.strip() == "False", found.stderr


@pytest.mark.parametrize(
    ("language", "moments", "expected"),
    [
        ("pl", [(2022, 1, 1), (2022, 7, 1), (2022, 1, 6)], ["2022", "lip", "6 sty"]),
        ("en", [(2022, 1, 1), (2022, 7, 1), (2022, 1, 6)], ["2022", "Jul", "6 Jan"]),
    ],
)
def test_the_axis_speaks_the_pictures_language(
    language: str, moments: list[tuple[int, int, int]], expected: list[str]
) -> None:
    """The axis once read "Jul" in a Polish picture: matplotlib's month names are the C locale's."""
    assert [png.tick_label(datetime(*moment), language) for moment in moments] == expected


def test_the_period_keeps_each_ends_precision(bundled: Briefing) -> None:
    january = select(bundled.knowledge, None, date(2022, 1, 1), date(2022, 1, 31))
    assert png.period_text(january.events, "pl") == "styczeń 2022"
    assert png.period_text(january.events, "en") == "January 2022"
