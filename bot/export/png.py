"""A timeline picture (PNG) of a selection's events, drawn with matplotlib for a phone's screen.

One row per event, in date order, on a date axis: a day is a point, a month, a year or a range a
bar of its real extent, so that the date's precision stays visible. Above each mark its headline,
shortened, and "×N" when N sources report it; topics are colours, named in a legend; the period
and "briefing-bot" are in the corners. The picture is 1080 px wide and as tall as its rows, within
Telegram's photo limits; ``draw`` returns where it put each event and each text, so that the
tests check the picture as a person would see it.

matplotlib is imported inside ``draw`` (drawing on an Agg canvas, which needs no display): importing
the exports stays quick for the commands that draw nothing.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from babel import dates as babel_dates

from bot.export.selection import ExportError, Selection
from bot.i18n.messages import format_date, t
from bot.knowledge.events import Event
from bot.language.dates import between

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

WIDTH = 1080  # px: a phone's screen
DPI = 100
ROW = 54  # px per event: its headline, then its mark
HEAD = 110  # px: the title and the period, above the legend
LEGEND_ROW = 30  # px per row of the legend, three topics a row
TOP = HEAD + LEGEND_ROW * 3  # px at most above the axis: the legend of up to nine topics
BOTTOM = 70  # px: the date axis and the bot's name
LEFT, RIGHT = 24, 24  # px of margin beside the axis
#: Telegram's photo limits: width + height at most 10000 px, the longer side at most 20 times the other.
SIDES_LIMIT = 10_000
RATIO_LIMIT = 20
MAX_EVENTS = (SIDES_LIMIT - WIDTH - TOP - BOTTOM) // ROW  # with a legend of up to nine topics
HEADLINE = 56  # characters of a headline before it is cut
#: Colour-blind-safe colours (Okabe and Ito) for the topics, in the order they are first met.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
NO_TOPIC = "#777777"

Box = tuple[float, float, float, float]
"""A rectangle in pixels of the picture: left, bottom, right, top (y grows upwards)."""


@dataclass(frozen=True, slots=True)
class Drawn:
    """Where one event was drawn: its mark (point or bar) and its headline."""

    event_id: str
    mark: Box
    label: Box
    text: str


@dataclass(frozen=True, slots=True)
class Picture:
    """The PNG, its size in pixels, the events as drawn and the box of every text on it."""

    png: bytes
    width: int
    height: int
    events: tuple[Drawn, ...]
    texts: tuple[Box, ...]


def label(event: Event) -> str:
    """The headline, cut at a word, and "×N" for an event N sources report."""
    text = textwrap.shorten(event.headline, HEADLINE, placeholder="…")
    count = len(event.articles)
    return f"{text}  ×{count}" if count > 1 else text


def period_text(events: tuple[Event, ...], language: str = "pl") -> str:
    """From the first event to the one ending last, each end with its own precision ("styczeń
    2022", not "2022-01-01 – 2022-01-31")."""
    first = min(events, key=lambda e: (e.value.start, -e.value.last_day.toordinal())).value
    last = max(events, key=lambda e: (e.value.last_day, -e.value.start.toordinal())).value
    return format_date(between(first, last), language)


def tick_label(moment: datetime, language: str) -> str:
    """An axis date in the picture's language: the year on 1 January, the month's short name on
    another month's first day, else the day and month ("6 sty")."""
    if moment.month == 1 and moment.day == 1:
        return str(moment.year)
    pattern = "LLL" if moment.day == 1 else "d MMM"
    return babel_dates.format_date(moment.date(), pattern, locale=language)


def colours(selection: Selection, language: str = "pl") -> tuple[list[str], dict[str, str]]:
    """Each event's colour, and the legend: a topic's title and its colour, in the order met."""
    legend: dict[str, str] = {}
    found: list[str] = []
    for event in selection.events:
        topics = [selection.topic] if selection.topic else selection.topics(event)
        if not topics:
            found.append(legend.setdefault(t(language, "chart.no_topic"), NO_TOPIC))
            continue
        title = topics[0].title
        found.append(legend.setdefault(title, COLOURS[len(legend) % len(COLOURS)]))
    return found, legend


def _extent(event: Event) -> tuple[datetime, datetime]:
    """The event's first and last moment on the axis: a day's middle, or a period's whole days."""
    value = event.value
    if value.precision == "day":
        middle = datetime.combine(value.start, time(12))
        return middle, middle
    return datetime.combine(value.start, time()), datetime.combine(value.last_day + timedelta(days=1), time())


def _box(extent: Bbox) -> Box:
    return (float(extent.x0), float(extent.y0), float(extent.x1), float(extent.y1))


def _keep_inside(text: Text, renderer: RendererBase, left: float, right: float) -> None:
    """Move a headline sideways so that it stays between ``left`` and ``right`` (pixels)."""
    extent = text.get_window_extent(renderer)
    shift = 0.0
    if extent.x1 > right:
        shift = right - extent.x1
    if extent.x0 + shift < left:
        shift = left - extent.x0
    if shift:
        x, y = text.get_position()
        text.set_position((x + shift, y))


def _top(legends: int) -> int:
    """The pixels above the axis: the title and the period, then the legend, three topics a row."""
    return HEAD + LEGEND_ROW * -(-legends // 3)


def height_of(selection: Selection) -> int:
    """The picture's height in pixels, known without drawing it (a page gives it to its ``<img>``)."""
    return _top(len(colours(selection)[1])) + ROW * len(selection.events) + BOTTOM


def refusal(selection: Selection) -> str | None:
    """Why ``draw`` would refuse ``selection`` (no events, or more than fit), or None: so that a
    page offers a picture only where there is one, without drawing it."""
    events = selection.events
    if not events:
        return "no events to draw (see --topic, --from and --to)"
    if WIDTH + height_of(selection) > SIDES_LIMIT:
        fit = (SIDES_LIMIT - WIDTH - _top(len(colours(selection)[1])) - BOTTOM) // ROW
        return f"{len(events)} events do not fit in one picture (at most {fit}): narrow the period"
    return None


def draw(selection: Selection, language: str = "pl") -> Picture:
    """The timeline picture of ``selection``'s events; an empty selection, or one of more events
    than Telegram's limits leave room for, is refused with the reason."""
    events = selection.events
    refused = refusal(selection)
    if refused is not None:
        raise ExportError(refused)
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter
    from matplotlib.transforms import IdentityTransform

    painted, legends = colours(selection, language)
    height = _top(len(legends)) + ROW * len(events) + BOTTOM
    figure = Figure(figsize=(WIDTH / DPI, height / DPI), dpi=DPI)
    canvas = FigureCanvasAgg(figure)  # Agg: no display, no global backend switched
    axes: Axes = figure.add_axes(
        (LEFT / WIDTH, BOTTOM / height, (WIDTH - LEFT - RIGHT) / WIDTH, ROW * len(events) / height)
    )
    extents = [_extent(event) for event in events]
    start = min(first for first, _ in extents)
    end = max(last for _, last in extents)
    margin = max((end - start) * 0.04, timedelta(days=2))
    axes.set_xlim(mdates.date2num(start - margin), mdates.date2num(end + margin))
    axes.set_ylim(len(events), 0)
    axes.set_yticks([])
    for side in ("left", "right", "top"):
        axes.spines[side].set_visible(False)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: tick_label(mdates.num2date(x), language)))
    axes.tick_params(axis="x", labelsize=13, labeltop=True, top=True)
    axes.grid(axis="x", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)

    marks = []
    labels = []
    for row, (event, colour, (first, last)) in enumerate(zip(events, painted, extents)):
        sources = len(event.articles)
        y = row + 0.72
        x0, x1 = mdates.date2num(first), mdates.date2num(last)
        if event.value.precision == "day":
            (mark,) = axes.plot([x0], [y], "o", color=colour, markersize=8 + 3 * min(sources - 1, 4), zorder=3)
        else:
            mark = axes.barh(y, x1 - x0, left=x0, height=0.32, color=colour, alpha=0.85, zorder=3)[0]
            axes.plot([x0, x1], [y, y], "|", color=colour, markersize=16, markeredgewidth=2, zorder=3)
        marks.append(mark)
        centre = axes.transData.transform((x0, row + 0.3))
        labels.append(
            axes.text(
                centre[0] + 6 if x0 == x1 else centre[0],
                centre[1],
                label(event),
                transform=IdentityTransform(),
                fontsize=13,
                va="center",
                ha="left",
                color="#222222",
            )
        )

    title = selection.topic.title if selection.topic else t(language, "timeline.title")
    texts = [
        figure.text(LEFT / WIDTH, 1 - 14 / height, title, fontsize=20, weight="bold", va="top", ha="left"),
        figure.text(LEFT / WIDTH, 1 - 50 / height, period_text(events, language), fontsize=14, va="top", ha="left"),
        figure.text(1 - RIGHT / WIDTH, 8 / height, "briefing-bot", fontsize=12, color="#555555", ha="right"),
    ]
    handles = [Line2D([], [], marker="s", linestyle="", color=c, markersize=12) for c in legends.values()]
    legend = (
        figure.legend(
            handles,
            [textwrap.shorten(name, 30, placeholder="…") for name in legends],
            loc="upper left",
            bbox_to_anchor=(LEFT / WIDTH, 1 - 76 / height),
            ncols=3,
            fontsize=13,
            frameon=False,
            handletextpad=0.3,
            columnspacing=1.2,
        )
        if legends
        else None
    )

    renderer = canvas.get_renderer()
    for text in labels:
        _keep_inside(text, renderer, LEFT, WIDTH - RIGHT)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    renderer = canvas.get_renderer()
    drawn = tuple(
        Drawn(event.id, _box(mark.get_window_extent(renderer)), _box(text.get_window_extent(renderer)), text.get_text())
        for event, mark, text in zip(events, marks, labels)
    )
    ticks = [label for tick in axes.xaxis.get_major_ticks() for label in (tick.label1, tick.label2)]
    every_text = [*labels, *texts, *ticks, axes.xaxis.get_offset_text()]
    if legend is not None:
        every_text.extend(legend.get_texts())
    boxes = tuple(
        _box(text.get_window_extent(renderer)) for text in every_text if text.get_text() and text.get_visible()
    )
    return Picture(buffer.getvalue(), WIDTH, height, drawn, boxes)


def write(selection: Selection, language: str = "pl") -> bytes:
    return draw(selection, language).png
