"""The bot's metrics as Prometheus collectors, in a registry of their own (not the global one).

``PrometheusMetrics`` implements ``bot.base.metrics.Metrics``: the core calls it, and ``/metrics``
writes its registry out in Prometheus's text format.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

#: Reply latency buckets, in seconds: a command is answered in milliseconds, a search in a second.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class PrometheusMetrics:
    """Counters, a gauge and a histogram of what the bot did since it started."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self.commands = Counter(
            "briefing_commands_answered",
            "Chat requests answered, by platform and command",
            ["platform", "command"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "briefing_reply_seconds",
            "Time from a chat request to its reply, in seconds",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.digests = Counter(
            "briefing_digests",
            "Digest deliveries by outcome (sent, empty, failed, retry, interrupted, skipped)",
            ["outcome"],
            registry=self.registry,
        )
        self.reloads = Counter(
            "briefing_content_reloads", "Content reloads that took in changes", registry=self.registry
        )
        self.problems = Gauge(
            "briefing_content_problems", "Content files skipped as broken at the last load", registry=self.registry
        )
        self.polls = Counter("briefing_feed_polls", "Feed polls run", registry=self.registry)
        self.failing_feeds = Gauge(
            "briefing_feeds_failing", "Feeds that failed at the last poll", registry=self.registry
        )

    def command_answered(self, platform: str, command: str, seconds: float) -> None:
        self.commands.labels(platform=platform, command=command).inc()
        self.latency.labels(platform=platform).observe(seconds)

    def digest_outcome(self, state: str) -> None:
        self.digests.labels(outcome=state).inc()

    def content_reloaded(self, problems: int) -> None:
        self.reloads.inc()
        self.problems.set(problems)

    def content_loaded(self, problems: int) -> None:
        """The content loaded at start-up: its problems, before any reload."""
        self.problems.set(problems)

    def feeds_polled(self, feeds: int, failing: int) -> None:
        self.polls.inc()
        self.failing_feeds.set(failing)

    def exposition(self) -> bytes:
        """The registry in Prometheus's text format."""
        return generate_latest(self.registry)
