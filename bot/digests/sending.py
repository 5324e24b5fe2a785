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

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

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
