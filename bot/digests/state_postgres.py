"""The state store on PostgreSQL, for several bot processes sharing one database (psycopg 3).

Nothing is cached: every read asks the database, so that what one process writes the others
see at once. A digest's claim is ``INSERT … ON CONFLICT DO UPDATE … WHERE state = 'retry'``
on the delivery table's primary key (the chat's target key and the day): of two processes
claiming the same chat and day, the database lets exactly one row change, and ``RETURNING``
tells each which claims it won.

One connection, used under a lock (a transaction is one thread's until it ends); a connection
that broke is opened again on the next call, so a database that was away for a while costs the
calls made meanwhile (each a ``StoreError``), not the process. The password never leaves this
module: messages name the URL without it, and it is registered for redaction.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bot.base import secrets
from bot.base.errors import StoreError
from bot.digests.compose import Subscription
from bot.digests.state_store import DELIVERY_STATES, FORGET_PROCESSES, redact_url, url_secrets
from bot.i18n.messages import LANGUAGES, Language

log = logging.getLogger(__name__)

#: Seconds to wait for the server before giving up on a connection.
CONNECT_TIMEOUT = 10
#: Taken while the schema is created, so that two processes starting together do not race.
_SCHEMA_LOCK = 0x62726965  # "brie"

SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (
    platform text NOT NULL,
    chat text NOT NULL,
    language text NOT NULL,
    PRIMARY KEY (platform, chat)
);
CREATE TABLE IF NOT EXISTS subscriptions (
    key text PRIMARY KEY,
    record jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS feeds (
    url text PRIMARY KEY,
    position bigint GENERATED ALWAYS AS IDENTITY,
    record jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery (
    key text NOT NULL,
    day date NOT NULL,
    state text NOT NULL,
    detail text NOT NULL DEFAULT '',
    at text NOT NULL DEFAULT '',
    PRIMARY KEY (key, day)
);
CREATE TABLE IF NOT EXISTS processes (
    id text PRIMARY KEY,
    host text NOT NULL,
    content text NOT NULL,
    seen timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS delivery_claimed_or_retry ON delivery (state) WHERE state IN ('claimed', 'retry');
"""

#: The tables ``SCHEMA`` creates.
TABLES = ("chats", "subscriptions", "feeds", "delivery", "processes")

_UPSERT = """
INSERT INTO delivery (key, day, state, detail, at)
SELECT * FROM unnest(%s::text[], %s::date[], %s::text[], %s::text[], %s::text[])
ON CONFLICT (key, day) DO UPDATE SET state = excluded.state, detail = excluded.detail, at = excluded.at
"""
_CLAIM = _UPSERT + " WHERE delivery.state = 'retry' RETURNING key, day"
_COLUMNS = "key, day, state, detail, at"


def missing_tables(url: str, connect_timeout: float = CONNECT_TIMEOUT) -> list[str]:
    """The store's tables that the database at ``url`` does not hold yet, without creating any
    (``briefing-bot doctor``); an unreachable database is a ``StoreError`` naming it, password redacted."""
    secrets.add(url_secrets(url))
    wanted = list(TABLES)
    try:
        timeout = {} if "connect_timeout=" in url else {"connect_timeout": int(connect_timeout)}
        with psycopg.connect(url, autocommit=True, **timeout) as connection:  # type: ignore[arg-type]
            rows = connection.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name = ANY(%s)",
                (wanted,),
            ).fetchall()
    except psycopg.Error as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise StoreError(secrets.redact(f"{redact_url(url)}: {first}")) from None
    present = {name for (name,) in rows}
    return [name for name in wanted if name not in present]


class PostgresStateStore:
    """The state store in a PostgreSQL database; its tables are created on first use."""

    def __init__(self, url: str, connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self.location = redact_url(url)
        secrets.add(url_secrets(url))
        self._url = url
        self._timeout = connect_timeout
        self._lock = threading.RLock()
        self._connection: psycopg.Connection[Any] | None = None
        self._depth = 0
        self.problems: list[str] = []
        with self.transaction():
            self._execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            self._execute(SCHEMA)
        for key, record in self._execute("SELECT key, record FROM subscriptions ORDER BY key").fetchall():
            try:
                Subscription.from_record(record)
            except (ValueError, TypeError, AttributeError) as error:
                self.problems.append(f"{self.location}: subscription {key[:80]!r} skipped: {error}")
        for problem in self.problems:
            log.warning("%s", problem)

    # --- the connection ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """psycopg's errors as a one-line ``StoreError`` naming the database, password redacted."""
        try:
            yield
        except psycopg.Error as error:
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise StoreError(secrets.redact(f"{self.location}: {first}")) from None

    def _connect(self) -> psycopg.Connection[Any]:
        if self._connection is None or self._connection.closed:
            if "connect_timeout=" in self._url:  # the URL's own wins
                self._connection = psycopg.connect(self._url, autocommit=True)
            else:
                self._connection = psycopg.connect(self._url, autocommit=True, connect_timeout=int(self._timeout))
        return self._connection

    def _execute(self, query: str, params: Iterable[Any] | None = None) -> psycopg.Cursor[Any]:
        with self._lock, self._errors():
            return self._connect().execute(query, params)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One database transaction; nested ones join it. A connection lost in it is a StoreError."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            with self._errors():
                connection = self._connect()
                self._depth = 1
                try:
                    with connection.transaction():
                        yield
                finally:
                    self._depth = 0

    def clear(self) -> None:
        """Empty every table (``state migrate --force``), in the open transaction if there is one."""
        self._execute("TRUNCATE chats, subscriptions, feeds, delivery, processes")

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    # --- chat settings ---------------------------------------------------------------------------

    def language(self, platform: str, chat: str | int) -> Language | None:
        row = self._execute(
            "SELECT language FROM chats WHERE platform = %s AND chat = %s", (platform, str(chat))
        ).fetchone()
        return row[0] if row and row[0] in LANGUAGES else None

    def languages(self) -> dict[tuple[str, str], Language]:
        rows = self._execute("SELECT platform, chat, language FROM chats").fetchall()
        return {(platform, chat): language for platform, chat, language in rows if language in LANGUAGES}

    def set_language(self, platform: str, chat: str | int, language: Language) -> None:
        self._execute(
            "INSERT INTO chats (platform, chat, language) VALUES (%s, %s, %s) "
            "ON CONFLICT (platform, chat) DO UPDATE SET language = excluded.language",
            (platform, str(chat), language),
        )

    # --- subscriptions ---------------------------------------------------------------------------

    def subscriptions(self) -> list[Subscription]:
        rows = self._execute("SELECT record FROM subscriptions ORDER BY key").fetchall()
        return [subscription for (record,) in rows if (subscription := _subscription(record)) is not None]

    def subscription(self, key: str) -> Subscription | None:
        row = self._execute("SELECT record FROM subscriptions WHERE key = %s", (key,)).fetchone()
        return _subscription(row[0]) if row else None

    def subscriptions_of(self, keys: Iterable[str]) -> dict[str, Subscription]:
        rows = self._execute("SELECT key, record FROM subscriptions WHERE key = ANY(%s)", (list(keys),)).fetchall()
        return {key: subscription for key, record in rows if (subscription := _subscription(record)) is not None}

    def put_subscriptions(self, subscriptions: Iterable[Subscription]) -> None:
        rows = [(s.target.key, Jsonb(s.to_record())) for s in subscriptions]
        if not rows:
            return
        with self.transaction(), self._errors():
            self._connect().cursor().executemany(
                "INSERT INTO subscriptions (key, record) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET record = excluded.record",
                rows,
            )

    def remove_subscription(self, key: str) -> bool:
        return self._execute("DELETE FROM subscriptions WHERE key = %s", (key,)).rowcount > 0

    # --- feeds -----------------------------------------------------------------------------------

    def feeds(self) -> list[dict[str, Any]]:
        return [record for (record,) in self._execute("SELECT record FROM feeds ORDER BY position").fetchall()]

    def feed(self, url: str) -> dict[str, Any] | None:
        row = self._execute("SELECT record FROM feeds WHERE url = %s", (url,)).fetchone()
        return row[0] if row else None

    def put_feed(self, record: dict[str, Any]) -> None:
        url = record["url"]
        assert isinstance(url, str), url
        self._execute(
            "INSERT INTO feeds (url, record) VALUES (%s, %s) ON CONFLICT (url) DO UPDATE SET record = excluded.record",
            (url, Jsonb(record)),
        )

    def remove_feed(self, url: str) -> bool:
        return self._execute("DELETE FROM feeds WHERE url = %s", (url,)).rowcount > 0

    # --- processes -----------------------------------------------------------------------------------

    def put_process(self, record: dict[str, Any]) -> None:
        seen = datetime.fromisoformat(record["seen"])
        with self.transaction():
            self._execute("DELETE FROM processes WHERE seen < %s", (seen - FORGET_PROCESSES,))
            self._execute(
                "INSERT INTO processes (id, host, content, seen) VALUES (%s, %s, %s, %s) ON CONFLICT (id) "
                "DO UPDATE SET host = excluded.host, content = excluded.content, seen = excluded.seen",
                (record["id"], record["host"], record["content"], seen),
            )

    def processes(self) -> list[dict[str, Any]]:
        rows = self._execute("SELECT id, host, content, seen FROM processes ORDER BY id").fetchall()
        return [
            {"id": id_, "host": host, "content": content, "seen": seen.astimezone(UTC).isoformat(timespec="seconds")}
            for id_, host, content, seen in rows
        ]

    # --- delivery log ----------------------------------------------------------------------------

    def delivery(self, key: str, day: date) -> dict[str, Any] | None:
        row = self._execute(f"SELECT {_COLUMNS} FROM delivery WHERE key = %s AND day = %s", (key, day)).fetchone()
        return _delivery(row) if row else None

    def last_delivery(self, key: str) -> dict[str, Any] | None:
        row = self._execute(
            f"SELECT {_COLUMNS} FROM delivery WHERE key = %s ORDER BY day DESC LIMIT 1", (key,)
        ).fetchone()
        return _delivery(row) if row else None

    def deliveries(self, state: str | None = None) -> list[dict[str, Any]]:
        if state is None:
            return [_delivery(row) for row in self._execute(f"SELECT {_COLUMNS} FROM delivery ORDER BY day, key")]
        rows = self._execute(f"SELECT {_COLUMNS} FROM delivery WHERE state = %s ORDER BY day, key", (state,))
        return [_delivery(row) for row in rows]

    def deliveries_of(self, wanted: Iterable[tuple[str, date]]) -> dict[tuple[str, str], dict[str, Any]]:
        """One query for any number of (chat, day) pairs: a join with the pairs as two arrays."""
        pairs = list(wanted)
        if not pairs:
            return {}
        rows = self._execute(
            f"SELECT {', '.join('d.' + c for c in _COLUMNS.split(', '))} FROM delivery AS d "
            "JOIN unnest(%s::text[], %s::date[]) AS w(key, day) ON d.key = w.key AND d.day = w.day",
            ([key for key, _ in pairs], [day for _, day in pairs]),
        ).fetchall()
        return {(record["key"], record["date"]): record for record in map(_delivery, rows)}

    def last_deliveries(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        rows = self._execute(
            f"SELECT DISTINCT ON (key) {_COLUMNS} FROM delivery WHERE key = ANY(%s) ORDER BY key, day DESC",
            (list(keys),),
        ).fetchall()
        return {row[0]: _delivery(row) for row in rows}

    def record_deliveries(self, records: Iterable[dict[str, Any]]) -> None:
        """Insert or replace delivery records (key, date, state, detail, at) in one statement."""
        columns = _columns(records)
        if columns[0]:
            self._execute(_UPSERT, columns)

    def claim_deliveries(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        given = {(r["key"], r["date"]): r for r in reversed(list(records))}  # the first of each (key, day)
        if not given:
            return []
        won = self._execute(_CLAIM, _columns(given.values())).fetchall()
        return [given[(key, day.isoformat())] for key, day in won]

    def prune_deliveries(self, before: date) -> int:
        """Forget delivery records older than ``before``, but each chat's latest (its status)."""
        return self._execute(
            "DELETE FROM delivery AS old WHERE old.day < %s AND EXISTS "
            "(SELECT 1 FROM delivery AS newer WHERE newer.key = old.key AND newer.day > old.day)",
            (before,),
        ).rowcount


def _subscription(record: Any) -> Subscription | None:
    try:
        return Subscription.from_record(record)
    except (ValueError, TypeError, AttributeError):
        return None  # reported when the store was opened


def _delivery(row: tuple[str, date, str, str, str]) -> dict[str, Any]:
    key, day, state, detail, at = row
    return {"key": key, "date": day.isoformat(), "state": state, "detail": detail, "at": at}


def _columns(records: Iterable[dict[str, Any]]) -> tuple[list[Any], ...]:
    """Records as five arrays for ``unnest``, the last of each (key, day) winning as in a dict,
    in key order: every statement then locks its rows in the same order, so that two processes
    writing overlapping batches wait for each other instead of deadlocking."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        assert record["state"] in DELIVERY_STATES, record["state"]
        latest[(record["key"], record["date"])] = record
    keys, days, states, details, ats = [], [], [], [], []
    for (key, day), record in sorted(latest.items()):
        keys.append(key)
        days.append(date.fromisoformat(day))
        states.append(record["state"])
        details.append(str(record.get("detail", "")))
        ats.append(str(record.get("at", "")))
    return keys, days, states, details, ats
