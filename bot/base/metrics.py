"""What the core reports about its work, for whoever counts it.

The core calls a ``Metrics`` at a few places (a command answered, a digest's outcome, a content
reload, a feed poll); ``bot.web.metrics`` implements it with prometheus-client, and without a web
side the core reports to ``NO_METRICS``, which keeps nothing. This way the core never imports a
metrics library.
"""

from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    def command_answered(self, platform: str, command: str, seconds: float) -> None:
        """A chat's request answered: on which platform, which command, how long the answer took."""

    def digest_outcome(self, state: str) -> None:
        """A digest delivery ended: sent, empty, failed, retry, interrupted or skipped."""

    def content_reloaded(self, problems: int) -> None:
        """Content files were taken in anew; ``problems`` files were skipped as broken."""

    def feeds_polled(self, feeds: int, failing: int) -> None:
        """A feed poll ran over ``feeds`` feeds, ``failing`` of which failed."""


class NoMetrics:
    """Metrics that keep nothing: the core's default."""

    def command_answered(self, platform: str, command: str, seconds: float) -> None:
        pass

    def digest_outcome(self, state: str) -> None:
        pass

    def content_reloaded(self, problems: int) -> None:
        pass

    def feeds_polled(self, feeds: int, failing: int) -> None:
        pass


NO_METRICS: Metrics = NoMetrics()
