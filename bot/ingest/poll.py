"""Polling feeds: each asked for conditionally (ETag, Last-Modified), read with feedparser, and
each entry not seen before drafted into ``content/inbox/`` as ``content add --inbox`` drafts it.

An entry refused by the drafting rules (too short, not Polish, already present) is recorded as
seen with its reason and never tried again; one whose page cannot be fetched (or that trips a
bug) is tried at the next polls, ``ENTRY_TRIES`` in all, then recorded as given up. A feed that
fails waits before its next poll, twice as long after each failure in a row, from the poll
interval up to ``MAX_BACKOFF``; it never stops the others.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import feedparser

from bot.base.errors import BriefingError
from bot.content.loader import Content, load_content
from bot.digests.state_store import StateStore
from bot.ingest.add import INBOX, check_new
from bot.ingest.drafts import Refused, Wishes, draft, validated, write_draft
from bot.ingest.feeds import Feed, stamp, stored_feeds
from bot.ingest.fetch import FeedDocument, FetchError, Page, fetch, fetch_feed

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(days=1)
#: Polls at which an entry whose page cannot be fetched is tried, before it is given up.
ENTRY_TRIES = 3
#: Entries remembered per feed: far more than a feed lists at a time.
MAX_SEEN = 1_000
#: A failing feed is due this much before its retry time, so that a scheduled poll that fires a
#: moment early does not put it off by a whole interval.
DUE_SLACK = timedelta(minutes=1)

FeedGetter = Callable[[str, str | None, str | None], FeedDocument]
PageGetter = Callable[[str], Page]


def due(feed: Feed, now: datetime) -> bool:
    """Whether the schedule polls ``feed`` at ``now``: always, but while it fails, not before its retry."""
    if feed.retry_at is None:
        return True
    try:
        return datetime.fromisoformat(feed.retry_at) <= now + DUE_SLACK
    except ValueError:
        return True


def poll_feeds(
    state: StateStore,
    content_dir: Path,
    clock: Callable[[], datetime],
    interval: timedelta,
    *,
    due_only: bool = True,
    get_feed: FeedGetter = fetch_feed,
    get_page: PageGetter = fetch,
    stopping: threading.Event | None = None,
) -> list[Feed]:
    """Poll every feed (with ``due_only``, those due), one after another, until ``stopping`` is
    set; each one's outcome is stored as soon as it is known. The feeds as they are after their poll."""
    feeds, problems = stored_feeds(state)
    for problem in problems:
        log.warning("%s", problem)
    polled = []
    for feed in feeds:
        if stopping is not None and stopping.is_set():
            break
        now = clock()
        if due_only and not due(feed, now):
            continue
        try:
            after = poll_feed(feed, content_dir, now, interval, get_feed, get_page)
        except Exception as error:  # a bug, or a library's surprise: this feed fails, the others go on
            log.exception("feed %s: the poll failed unexpectedly", feed.url)
            after = failed(feed, now, interval, f"{feed.url}: the poll failed unexpectedly ({type(error).__name__})")
        if state.feed(feed.url) is None:  # removed meanwhile
            continue
        state.put_feed(after.to_record())
        polled.append(after)
    return polled


def poll_feed(
    feed: Feed,
    content_dir: Path,
    now: datetime,
    interval: timedelta,
    get_feed: FeedGetter = fetch_feed,
    get_page: PageGetter = fetch,
) -> Feed:
    """``feed`` after one poll: its new entries drafted, or its failure and next retry."""
    try:
        document = get_feed(feed.url, feed.etag, feed.modified)
        if document.not_modified:
            return _succeeded(feed, now, "not modified")
        entries = list(_entries(document))
    except FetchError as error:
        return failed(feed, now, interval, str(error))
    seen, pending = dict(feed.seen), dict(feed.pending)
    drafted = 0
    content: Content | None = None
    for key, link in entries:
        if key in seen:
            continue
        if link is None:
            seen[key] = "refused: the entry has no link"
            continue
        if content is None:
            try:
                content = load_content(content_dir)
            except (BriefingError, OSError) as error:
                return failed(feed, now, interval, f"{content_dir}: the content cannot be read ({error})")
        try:
            path = _draft_entry(link, content, content_dir, feed.topics, get_page)
        except Refused as refusal:
            seen[key] = f"refused: {refusal}"
            pending.pop(key, None)
            log.info("feed %s: entry %s refused: %s", feed.url, link, refusal)
            continue
        except Exception as error:  # FetchError, or a bug or a library's surprise on one page
            if not isinstance(error, FetchError):
                log.exception("feed %s: entry %s could not be drafted", feed.url, link)
                error = FetchError(f"{link}: could not be drafted ({type(error).__name__})")
            pending[key] = tries = pending.get(key, 0) + 1
            if tries >= ENTRY_TRIES:
                del pending[key]
                seen[key] = f"given up after {tries} tries: {error}"
            log.info("feed %s: entry %s not drafted (try %d): %s", feed.url, link, tries, error)
            continue
        seen[key] = f"drafted {path.name}"
        pending.pop(key, None)
        drafted += 1
        log.info("feed %s: drafted %s", feed.url, path)
    for old in list(seen)[: max(0, len(seen) - MAX_SEEN)]:
        del seen[old]
    outcome = f"{drafted} drafted" if drafted else "no new entries"
    after = replace(
        feed, etag=document.etag, modified=document.modified, drafts=feed.drafts + drafted, seen=seen, pending=pending
    )
    if pending:  # asked for again in full, so that the entries still to fetch come back
        after = replace(after, etag=None, modified=None)
    return _succeeded(after, now, outcome)


def _succeeded(feed: Feed, now: datetime, outcome: str) -> Feed:
    return replace(feed, last_poll=stamp(now), outcome=outcome, failures=0, error=None, retry_at=None)


def failed(feed: Feed, now: datetime, interval: timedelta, error: str) -> Feed:
    """``feed`` after a failed poll: retried after the interval, then twice as long each time, up
    to ``MAX_BACKOFF``."""
    failures = feed.failures + 1
    wait = min(interval * 2 ** min(failures - 1, 20), MAX_BACKOFF)
    return replace(
        feed, last_poll=stamp(now), outcome="failed", failures=failures, error=error, retry_at=stamp(now + wait)
    )


def _entries(document: FeedDocument) -> Iterator[tuple[str, str | None]]:
    """Each entry's key (its id, else its link) and link, as the feed lists them; ``FetchError``
    if the document is no feed."""
    # A stream, never bytes: feedparser takes bytes that name a file for that file's name.
    parsed = feedparser.parse(
        io.BytesIO(document.body),
        response_headers={"content-location": document.url, "content-type": document.content_type},
    )
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        detail = f" ({' '.join(str(problem).split())[:200]})" if problem else ""
        raise FetchError(f"{document.url}: not an RSS or Atom feed{detail}")
    for entry in parsed.entries:
        link = entry.get("link")
        link = link.strip() if isinstance(link, str) and link.strip() else None
        key = entry.get("id") or link
        if isinstance(key, str) and key.strip():
            yield key.strip(), link


def _draft_entry(link: str, content: Content, content_dir: Path, topics: tuple[str, ...], get_page: PageGetter) -> Path:
    """Draft the page at ``link`` into the inbox, as ``content add --inbox`` does; ``Refused``
    when it is no new Polish article, ``FetchError`` when it cannot be fetched."""
    page = get_page(link)  # refuses all but http(s): a feed never names a local file
    topic_ids = {topic.id for topic in content.topics}
    wishes = Wishes(topics=tuple(t for t in topics if t in topic_ids))  # a topic removed since is left out
    found = draft(page.body, page.url, is_html=page.is_html, wishes=wishes)
    path = content_dir / INBOX / f"{found.id}.md"
    check_new(found, path, content, page.url, force=False)
    validated(found, path, topic_ids)
    return write_draft(found, path.parent)
