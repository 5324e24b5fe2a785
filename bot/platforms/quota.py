"""A member's quota of requests, for every chat adapter: one member's flood must not use up the
bot's replies (a Telegram group's 20 a minute, the bot's 30 a second) while others wait."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Literal

#: Requests one member may make in one chat per minute.
REQUESTS_PER_MINUTE = 10

Admission = Literal["answer", "refuse", "ignore"]


class SenderQuota:
    """At most ``rate`` requests per ``period`` seconds for one key (a member in a chat), as a
    leaky bucket on ``clock``.

    The first request over the quota is told so ("refuse"); the rest of that burst are ignored,
    so that the refusals do not become a flood of their own. Buckets that have leaked back to
    empty are dropped only when their number has doubled since the last sweep (amortised O(1) a
    request, however many members there are).
    """

    def __init__(
        self,
        rate: float = REQUESTS_PER_MINUTE,
        period: float = 60,
        clock: Callable[[], float] = time.monotonic,
        sweep_from: int = 1024,
    ) -> None:
        if rate <= 0 or period <= 0:
            raise ValueError("the quota must be positive")
        self.rate, self.period = rate, period
        self._clock = clock
        self._levels: dict[Hashable, tuple[float, float]] = {}  # key → (requests in the bucket, when)
        self._told: set[Hashable] = set()  # keys refused since they last had an answer
        self._sweep_from = self._sweep_at = sweep_from

    def admit(self, key: Hashable) -> Admission:
        now = self._clock()
        level = self._level(key, now)
        if level + 1 > self.rate:
            self._levels[key] = (level, now)
            if key in self._told:
                return "ignore"
            self._told.add(key)
            return "refuse"
        if key not in self._levels and len(self._levels) >= self._sweep_at:
            self._sweep(now)
        self._levels[key] = (level + 1, now)
        self._told.discard(key)
        return "answer"

    def __len__(self) -> int:
        """How many keys it remembers."""
        return len(self._levels)

    def _level(self, key: Hashable, now: float) -> float:
        level, then = self._levels.get(key, (0.0, now))
        return max(0.0, level - (now - then) * self.rate / self.period)

    def _sweep(self, now: float) -> None:
        self._levels = {key: (level, then) for key, (level, then) in self._levels.items() if self._level(key, now) > 0}
        self._told = {key for key in self._told if key in self._levels}
        self._sweep_at = max(self._sweep_from, 2 * len(self._levels))
