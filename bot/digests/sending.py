"""The moment a digest's send begins: a platform reports it once its rate limiter lets the send go.

On a store several processes share, a claimed digest is marked "sending" just before its request
goes out. A process that dies leaves its claims behind: those not marked are open again for the
other processes, those marked may have arrived and are never sent again ("interrupted"). The later
the mark, the fewer digests a crash leaves uncertain, and a fan-out's sends wait in the platform's
rate limiter for seconds, so the platform calls ``admitted()`` once the limiter admits a request;
for a platform that has no limiter of its own the router calls it just before ``send``.

The mark travels with the send as a context variable: the platform's limiter is called by its
library, with no room for the core's arguments. Outside a digest's send ``admitted()`` does nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from bot.base.errors import BriefingError, StoreError


class ClaimLost(BriefingError):
    """The digest's claim is no longer this process's, or could not be marked: it is not sent
    (another process has it, or will once this one's claim is seen to be orphaned). ``store``:
    the store failed, so this process's other claims cannot be marked either."""

    def __init__(self, reason: str, store: bool = False) -> None:
        super().__init__(reason)
        self.store = store


class Gate:
    """One digest's send: ``mark`` (which says whether the claim is still ours) runs once."""

    __slots__ = ("mark", "opened")

    def __init__(self, mark: Callable[[], Awaitable[bool]]) -> None:
        self.mark = mark
        self.opened = False

    async def open(self) -> None:
        if self.opened:
            return
        self.opened = True
        try:
            ours = await self.mark()
        except StoreError as error:
            raise ClaimLost(f"not marked as sending: {error}", store=True) from None
        if not ours:
            raise ClaimLost("taken over by another process")


_GATE: ContextVar[Gate | None] = ContextVar("digest_send_gate", default=None)


async def admitted() -> None:
    """The send under way goes out now: mark its digest "sending" (once), or raise ``ClaimLost``."""
    gate = _GATE.get()
    if gate is not None:
        await gate.open()


@contextmanager
def gated(gate: Gate) -> Iterator[Gate]:
    """Within this block, ``admitted()`` opens ``gate``."""
    token = _GATE.set(gate)
    try:
        yield gate
    finally:
        _GATE.reset(token)


class Marks:
    """Marks sends begun as they are admitted, each as soon as possible, several in one write when
    they come faster than a write takes (a group commit): one statement a send at Telegram's 30 a
    second, a few statements a second at a thousand. ``write`` (run in a thread) marks a batch of
    (key, day) claims and returns those still this process's."""

    def __init__(self, write: Callable[[list[tuple[str, date]]], set[tuple[str, str]]]) -> None:
        self.write = write
        self._waiting: list[tuple[str, date, asyncio.Future[bool]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def mark(self, key: str, day: date) -> bool:
        """Whether the claim of ``key`` on ``day`` is still this process's, now marked "sending"."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((key, day, done))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_all())
        return await done

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                marked = await asyncio.to_thread(self.write, [(key, day) for key, day, _ in batch])
            except Exception as error:  # a StoreError, or a bug: every waiting send hears of it
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for key, day, done in batch:
                if not done.done():
                    done.set_result((key, day.isoformat()) in marked)
