"""News feeds whose new entries are drafted into the content inbox: their records in the state
store, and ``feeds add``, ``list`` and ``remove``. Polling them is ``bot.ingest.poll``'s.

A record keeps what the next poll needs (the validators to send back, the entries seen and what
became of each, so that a refused entry is never tried again) and what ``feeds list`` shows (the
last poll and its outcome, the drafts made, and while the feed fails its error and next retry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.base.errors import BriefingError
from bot.content.loader import load_content
from bot.digests.state_store import StateStore


class FeedError(BriefingError):
    """A feed cannot be added or removed: the message says why."""


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed and its polls so far; times are ISO 8601 in UTC."""

    url: str
    topics: tuple[str, ...] = ()
    added: str | None = None
    etag: str | None = None
    modified: str | None = None
    last_poll: str | None = None
    outcome: str | None = None  # "3 drafted", "no new entries", "not modified", "failed"
    drafts: int = 0
    failures: int = 0  # in a row; 0 once a poll succeeds
    error: str | None = None
    retry_at: str | None = None  # while failing: not polled by the schedule before this
    #: Entries done with (drafted, or refused and why), by their id or link, oldest first.
    seen: dict[str, str] = field(default_factory=dict)
    #: Entries whose page could not be fetched yet, and how many polls tried.
    pending: dict[str, int] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "topics": list(self.topics),
            "added": self.added,
            "etag": self.etag,
            "modified": self.modified,
            "last_poll": self.last_poll,
            "outcome": self.outcome,
            "drafts": self.drafts,
            "failures": self.failures,
            "error": self.error,
            "retry_at": self.retry_at,
            "seen": dict(self.seen),
            "pending": dict(self.pending),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Feed:
        """The feed in a stored record; ``ValueError`` if a value is not of its type."""
        topics, seen, pending = record.get("topics") or [], record.get("seen") or {}, record.get("pending") or {}
        if not (isinstance(topics, list) and all(isinstance(t, str) for t in topics)):
            raise ValueError("topics is not a list of topic ids")
        if not (isinstance(seen, dict) and all(isinstance(v, str) for v in seen.values())):
            raise ValueError("seen is not a table of entries and outcomes")
        if not (isinstance(pending, dict) and all(isinstance(v, int) for v in pending.values())):
            raise ValueError("pending is not a table of entries and tries")
        numbers = [record.get(key) or 0 for key in ("drafts", "failures")]
        if not all(isinstance(n, int) and n >= 0 for n in numbers):
            raise ValueError("drafts or failures is not a count")
        return cls(
            url=str(record["url"]),
            topics=tuple(topics),
            added=_text(record, "added"),
            etag=_text(record, "etag"),
            modified=_text(record, "modified"),
            last_poll=_text(record, "last_poll"),
            outcome=_text(record, "outcome"),
            drafts=numbers[0],
            failures=numbers[1],
            error=_text(record, "error"),
            retry_at=_text(record, "retry_at"),
            seen=dict(seen),
            pending=dict(pending),
        )


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} is not text")
    return value


def stamp(moment: datetime) -> str:
    """A moment as stored: ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def shown(stored: str | None) -> str:
    """A stored moment as ``feeds list`` shows it: ``2027-01-06 10:00 UTC``."""
    if stored is None:
        return "never"
    try:
        return datetime.fromisoformat(stored).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return stored


def stored_feeds(state: StateStore) -> tuple[list[Feed], list[str]]:
    """Every feed in the store that can be read, and a problem for each that cannot."""
    feeds, problems = [], []
    for record in state.feeds():
        try:
            feeds.append(Feed.from_record(record))
        except ValueError as error:
            problems.append(f"{state.location}: feed {str(record['url'])[:200]!r} skipped: {error}")
    return feeds, problems


def add_feed(state: StateStore, content_dir: Path, url: str, topics: tuple[str, ...], now: datetime) -> Feed:
    """Keep a new feed, polled from the next poll on; ``FeedError`` for an address that is no
    http(s) one, a feed already kept, or a topic the content does not have."""
    if not url.lower().startswith(("http://", "https://")) or any(c.isspace() for c in url):
        raise FeedError(f"{url!r}: a feed's address starts with http:// or https://")
    if state.feed(url) is not None:
        raise FeedError(f"{url}: this feed is already polled (see: briefing-bot feeds list)")
    if topics:
        if not content_dir.is_dir():
            raise FeedError(f"{content_dir}: the content folder does not exist (see --content)")
        known = {topic.id for topic in load_content(content_dir).topics}
        unknown = [t for t in topics if t not in known]
        if unknown:
            raise FeedError(f"unknown topic {', '.join(map(repr, unknown))} (topics: {', '.join(sorted(known))})")
    feed = Feed(url, topics, added=stamp(now))
    state.put_feed(feed.to_record())
    return feed


def remove_feed(state: StateStore, url: str) -> None:
    """Stop polling a feed; its drafts stay in the inbox."""
    if not state.remove_feed(url):
        raise FeedError(f"{url}: no such feed (see: briefing-bot feeds list)")


def list_feeds(state: StateStore, out: TextIO) -> int:
    """Print each feed with its last poll and outcome, its drafts, and while it fails its error
    and next retry; the number of feeds."""
    feeds, problems = stored_feeds(state)
    for feed in feeds:
        topics = ",".join(feed.topics) or "none"
        line = f"{feed.url}  topics={topics}  last poll={shown(feed.last_poll)}"
        if feed.outcome:
            line += f" ({feed.outcome})"
        line += f"  drafts={feed.drafts}"
        if feed.failures:
            line += f"  FAILING ({feed.failures}× in a row): {feed.error}; next retry {shown(feed.retry_at)}"
        print(line, file=out)
    if not feeds:
        print(f"no feeds in {state.location} (add one with: briefing-bot feeds add URL)", file=out)
    for problem in problems:
        print(problem, file=out)
    return len(feeds)
