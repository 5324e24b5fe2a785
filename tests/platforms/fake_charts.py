"""A fake of the process's timeline pictures, for the platforms' tests."""

from __future__ import annotations

from bot.briefings.cards import ChartQuery
from bot.export.charts import Charts
from bot.export.selection import ExportError
from bot.knowledge.indexes import Knowledge


class VanishedCharts(Charts):
    """Pictures of content that changed between the reply and the drawing: nothing left to draw."""

    def png(self, knowledge: Knowledge, query: ChartQuery) -> bytes:
        raise ExportError("no events to draw (see --topic, --from and --to)")
