"""Timeline pictures for the chat and the web side: drawn off the event loop, kept per query until
the content changes.

A picture takes a few hundred milliseconds of matplotlib; a chat asks for the same one again when
a button is pressed twice or a page is reloaded, so the last few are kept, keyed by the query, and
dropped all at once when a reload brings new knowledge. Drawing is serialised by one lock: on the
bot's two threads of work, a second concurrent drawing would only wait for the CPU, and the lock
lets a request that waited find the picture another one just drew.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict

from bot.briefings.cards import ChartQuery
from bot.export.png import draw
from bot.export.selection import select
from bot.knowledge.indexes import Knowledge

#: Pictures kept: a PNG of a timeline is some 100 kB.
KEPT = 32


class Charts:
    """The PNG pictures of recent queries, of one knowledge at a time."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._lock = threading.Lock()
        self._knowledge: Knowledge | None = None
        self._pictures: OrderedDict[ChartQuery, bytes] = OrderedDict()
        self.drawn = 0  # how many pictures were drawn, not found kept: the tests read it

    def png(self, knowledge: Knowledge, query: ChartQuery) -> bytes:
        """The picture of ``query`` in ``knowledge``, drawn now unless kept. Raises
        ``ExportError`` when the query selects no events, too many, or an unknown topic."""
        with self._lock:
            if knowledge is not self._knowledge:  # a reload: every kept picture is of old content
                self._knowledge = knowledge
                self._pictures.clear()
            picture = self._pictures.get(query)
            if picture is not None:
                self._pictures.move_to_end(query)
                return picture
            picture = draw(select(knowledge, query.topic, query.first, query.last), query.language).png
            self.drawn += 1
            self._pictures[query] = picture
            if len(self._pictures) > self._kept:
                self._pictures.popitem(last=False)
            return picture

    async def png_async(self, knowledge: Knowledge, query: ChartQuery) -> bytes:
        """``png`` in a worker thread, so the event loop goes on answering meanwhile."""
        return await asyncio.to_thread(self.png, knowledge, query)
