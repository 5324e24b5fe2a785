"""The state store's interface, and the choice of implementation from the ``state`` setting.

Two implementations pass the same tests: ``TinyDBStateStore`` (``state.py``: one file, one
process, no server; the default) and ``PostgresStateStore`` (``state_postgres.py``: several
processes, on one machine or many, sharing one database).

Exactly once across processes rests on one call, ``claim_deliveries``: it checks and writes a
batch of claims as one step, and returns the claims it won, so that of two processes claiming
the same chat and day exactly one gets it.

A store that several processes share (``shared``) also records when each send begins
(``begin_sends``, "sending"), so that the claims of a process that died can be told apart:
one whose send had not begun is open again (``settle_orphans``), one whose send had begun may
have arrived and is "interrupted", never sent again.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from bot.digests.compose import Subscription
from bot.i18n.messages import Language

#: Delivery states: claimed before sending, "sending" once the send begins (shared stores only),
#: then one of the others ("retry": failed in passing, may be claimed again).
DELIVERY_STATES = ("claimed", "sending", "sent", "empty", "failed", "retry", "interrupted", "missed")
#: A process not seen for this long is forgotten by the state store (it has stopped, or restarted under a new id).
FORGET_PROCESSES = timedelta(days=1)
#: The ``state`` setting's schemes that put the state store on PostgreSQL.
POSTGRES_SCHEMES = ("postgresql", "postgres")


class StateStore(Protocol):
    """Chat settings, digest subscriptions, the delivery log and the feeds' records.

    Every change is all or nothing; ``transaction()`` groups several into one (nested ones join
    the outer one). A change that cannot be saved raises ``StoreError`` and is not made."""

    #: Where the store lives, fit for messages: a file's path, or a database URL without its password.
    location: str
    #: Records that could not be read when the store was opened, one message each; they are kept as they are.
    problems: list[str]
    #: Whether several processes may share the store at once (PostgreSQL), or it is one process's (TinyDB).
    shared: bool

    def transaction(self) -> AbstractContextManager[None]: ...

    def close(self) -> None: ...

    # chat settings
    def language(self, platform: str, chat: str | int) -> Language | None: ...
    def languages(self) -> dict[tuple[str, str], Language]: ...
    def set_language(self, platform: str, chat: str | int, language: Language) -> None: ...

    # subscriptions
    def subscriptions(self) -> list[Subscription]: ...
    def subscription(self, key: str) -> Subscription | None: ...
    def subscriptions_of(self, keys: Iterable[str]) -> dict[str, Subscription]:
        """The subscriptions of these chats (target keys) that exist and can be read, in one read."""
        ...

    def put_subscriptions(self, subscriptions: Iterable[Subscription]) -> None: ...
    def remove_subscription(self, key: str) -> bool: ...

    # feeds (records ``bot.ingest.feeds`` owns, by their ``url``, in the order they were added)
    def feeds(self) -> list[dict[str, Any]]: ...
    def feed(self, url: str) -> dict[str, Any] | None: ...
    def put_feed(self, record: dict[str, Any]) -> None: ...
    def remove_feed(self, url: str) -> bool: ...

    # the delivery log: records {key, date, state, detail, at}, one per chat (target key) and day
    def delivery(self, key: str, day: date) -> dict[str, Any] | None: ...
    def last_delivery(self, key: str) -> dict[str, Any] | None: ...
    def deliveries(self, state: str | None = None) -> list[dict[str, Any]]:
        """Every delivery record, or those in one state ("claimed", "retry": the few a start-up settles)."""
        ...

    def deliveries_of(self, wanted: Iterable[tuple[str, date]]) -> dict[tuple[str, str], dict[str, Any]]:
        """The records of these (chat, day) pairs that exist, by (key, ISO day), in one read: what a
        fan-out, the catch-up and the retries ask of thousands of chats at once."""
        ...

    def last_deliveries(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Each of these chats' latest record, for the chats that have one, in one read."""
        ...

    def record_deliveries(self, records: Iterable[dict[str, Any]]) -> None: ...
    def claim_deliveries(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Write each record whose (key, date) is still open (no record, or "retry"), as one
        step against every other claimer; return those written."""
        ...

    def prune_deliveries(self, before: date) -> int: ...

    def begin_sends(self, wanted: Iterable[tuple[str, date]]) -> set[tuple[str, str]]:
        """Just before claimed digests' sends go out: mark them "sending" (a shared store; a store
        of one process writes nothing), and return those marked, by (key, ISO day). One left out
        is no longer this process's (its session ended and another process took the chat over):
        it must not be sent."""
        ...

    def settle_orphans(self, stamp: str) -> int:
        """Settle the claims of processes that are gone; returns how many were marked "interrupted".

        A shared store: a claim whose send had begun may have arrived, and is "interrupted"; one
        whose send had not begun is dropped, so that the chat is open for any process again. A
        store of one process, at start-up: every claim is "interrupted" (it does not record when a
        send begins, so any of them may have been in flight)."""
        ...

    # the processes using the store: records {id, host, content, seen}, ``seen`` an ISO time in UTC
    def put_process(self, record: dict[str, Any]) -> None:
        """Insert or replace a process's record (by its ``id``); records not seen for
        ``FORGET_PROCESSES`` before this one's ``seen`` are dropped."""
        ...

    def processes(self) -> list[dict[str, Any]]: ...


def claimable(record: dict[str, Any] | None) -> bool:
    """Whether a chat's digest of a day may still be claimed: never tried, or failed in passing."""
    return record is None or record["state"] == "retry"


def is_postgres(location: str) -> bool:
    return urlsplit(location).scheme in POSTGRES_SCHEMES


def url_secrets(url: str | None) -> list[str]:
    """The password a database URL holds, for redaction (none for a path)."""
    password = urlsplit(url).password if url else None
    return [password] if password else []


def redact_url(url: str) -> str:
    """A database URL without its password (``postgresql://bot:***@db/briefing``), for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def forgotten(record: dict[str, Any], now: str) -> bool:
    """Whether a process record was last seen more than ``FORGET_PROCESSES`` before ``now`` (ISO times)."""
    return datetime.fromisoformat(record["seen"]) < datetime.fromisoformat(now) - FORGET_PROCESSES
