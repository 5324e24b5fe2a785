"""Pacing outgoing Telegram calls: an overall rate, a rate per group, and 429s waited out per chat.

python-telegram-bot's ``AIORateLimiter`` does the first two, but two of its choices break a
large digest fan-out (measured with ``bench/fanout.py``, 10,000 channels at 1,000/s: 49% of the
ceiling):

- Past 512 groups it scans every group's limiter on every call to drop idle ones, so a fan-out
  to N channels costs O(N²): 8 million capacity checks for 10,000 channels. Here idle limiters
  are dropped only when their number has doubled since the last sweep.
- A ``RetryAfter`` is meant to halt every request. Telegram's 429 during a broadcast is about
  the chat that was written to (a group's 20 a minute, a chat's 1 a second); the bot-wide pace
  is this limiter's job, so other chats go on. Here a 429 holds back only its own chat, for
  ``retry_after`` plus a margin; a 429 on a call that names no chat holds back everything.

Its bucket also holds only a tenth of a second of sends, so a fan-out starts at the set rate
instead of with a whole second's burst. And the overall rate is shared fairly: a chat holds at
most one place in its queue at a time, so one chat's backlog (a flood of commands) delays
another chat's reply by at most one send of each waiting chat, not by the whole backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine, Hashable
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.digests.sending import admitted

log = logging.getLogger(__name__)

#: Telegram's limits for bots (core.telegram.org/bots/faq): about 30 messages a second in all,
#: 20 a minute in one group or channel.
MESSAGES_PER_SECOND = 30.0
GROUP_MESSAGES_PER_MINUTE = 20
#: How much of a second's sends may go out at once.
BURST_SECONDS = 0.1
#: Added to each retry_after, as PTB does, so that the retry does not arrive a hair too early.
RETRY_MARGIN = 0.1
_EVERYONE = object()  # the pause key of a 429 that named no chat

Callback = Callable[..., Coroutine[Any, Any, Any]]


class LimiterPool:
    """One ``AsyncLimiter(rate, period)`` per key (a group), made on first use.

    Limiters that have leaked back to empty are dropped only when their number has doubled since
    the last sweep: amortised O(1) a call, where sweeping on every call (as PTB's ``AIORateLimiter``
    does past 512 groups) costs O(N²) over a fan-out to N chats.
    """

    def __init__(self, rate: float, period: float, sweep_from: int = 512) -> None:
        self.rate, self.period = rate, period
        self._limiters: dict[Hashable, AsyncLimiter] = {}
        self._sweep_from = self._sweep_at = sweep_from

    def __getitem__(self, key: Hashable) -> AsyncLimiter:
        limiter = self._limiters.get(key)
        if limiter is None:
            if len(self._limiters) >= self._sweep_at:
                self._limiters = {k: v for k, v in self._limiters.items() if not v.has_capacity(v.max_rate)}
                self._sweep_at = max(self._sweep_from, 2 * len(self._limiters))
            limiter = self._limiters[key] = AsyncLimiter(self.rate, self.period)
        return limiter

    def __contains__(self, key: Hashable) -> bool:
        return key in self._limiters


class Turns:
    """One place at a time per key (a chat) in a queue that serves its waiters in order.

    The overall limiter wakes its waiters first come, first served; if each of a chat's queued
    sends waited there, a chat with 200 replies due would be ahead of every chat that asks after
    it. Waiting for its turn first, a chat holds one place, so the queue goes round the chats.
    """

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}  # key → its lock, and how many hold or want it

    @contextlib.asynccontextmanager
    async def __call__(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class FloodLimiter(BaseRateLimiter[int]):
    """A PTB rate limiter; ``max_rate`` 0 sends chat messages unpaced (group limits still hold)."""

    def __init__(
        self,
        max_rate: float = MESSAGES_PER_SECOND,
        group_per_minute: float = GROUP_MESSAGES_PER_MINUTE,
        max_retries: int = 0,
    ) -> None:
        if max_rate < 0 or group_per_minute < 0:
            raise ValueError("rates must not be negative")
        self.max_rate = max_rate
        self._overall: AsyncLimiter | None = None
        self._turns = Turns()
        if max_rate:
            burst = max(1.0, max_rate * BURST_SECONDS)
            self._overall = AsyncLimiter(burst, burst / max_rate)
        self._group_per_minute = group_per_minute
        self._groups = LimiterPool(group_per_minute, 60)
        self._max_retries = max_retries
        self._paused: dict[object, float] = {}  # chat id (or _EVERYONE) → loop time it may send again

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        retries = rate_limit_args or self._max_retries
        chat = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat = int(chat)  # type: ignore[arg-type]
        # Negative ids and @usernames are groups and channels (PTB cannot tell them apart either).
        group = chat if (isinstance(chat, int) and chat < 0) or isinstance(chat, str) else None
        for attempt in range(retries + 1):
            await self._wait_out(chat)
            async with self._group(group):
                if chat is not None and self._overall is not None:
                    async with self._turns(chat):
                        await self._overall.acquire()
                await admitted()  # a digest's send goes out now: marked "sending" (bot.digests.sending)
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as error:
                    if attempt == retries:
                        log.warning("flood limit still hit after %d retries: %s", retries, error)
                        raise
                    seconds = _seconds(error) + RETRY_MARGIN
                    log.info("flood limit for %s, retrying in %.1f s", chat if chat is not None else "the bot", seconds)
                    self._paused[_EVERYONE if chat is None else chat] = asyncio.get_running_loop().time() + seconds
        raise AssertionError("unreachable")

    async def _wait_out(self, chat: object) -> None:
        """Sleep until neither this chat nor the whole bot is paused by a retry_after."""
        loop = asyncio.get_running_loop()
        while self._paused:
            until = max(self._paused.get(chat, 0.0), self._paused.get(_EVERYONE, 0.0))
            if until <= loop.time():
                self._paused.pop(chat, None)
                if self._paused.get(_EVERYONE, 0.0) <= loop.time():
                    self._paused.pop(_EVERYONE, None)
                return
            await asyncio.sleep(until - loop.time())

    def _group(self, group: int | str | None) -> contextlib.AbstractAsyncContextManager[Any]:
        if group is None or not self._group_per_minute:
            return contextlib.nullcontext()
        return self._groups[group]


def _seconds(error: RetryAfter) -> float:
    """retry_after in seconds; PTB warns that reading it will return a timedelta one day."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
