"""The state store on PostgreSQL, for several bot processes sharing one database (psycopg 3).

Nothing is cached: every read asks the database, so that what one process writes the others
see at once. A digest's claim is ``INSERT … ON CONFLICT DO UPDATE … WHERE state = 'retry'``
on the delivery table's primary key (the chat's target key and the day): of two processes
claiming the same chat and day, the database lets exactly one row change, and ``RETURNING``
tells each which claims it won.

Each claim records its owner: the database session that wrote it (its backend's pid and start
time, as ``pg_stat_activity`` shows them), so that whether its process still lives is the
database's to say, with no heartbeat to keep: a killed process's sessions end with it. A claim
of a session that is gone is settled by any process (``settle_orphans``): dropped (open again)
when its send had not begun, "interrupted" when it had ("sending", marked by ``begin_sends``
just before the request goes out). Marking is a compare-and-set on the owner, so a process
whose connection broke, and whose claims another process took over meanwhile, never sends
them: being taken for dead costs a process its unsent claims, never a digest sent twice.

One connection, used under a lock (a transaction is one thread's until it ends); a connection
that broke is opened again on the next call, so a database that was away for a while costs the
calls made meanwhile (each a ``StoreError``), not the process. The password never leaves this
module: messages name the URL without it, and it is registered for redaction.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
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
    owner text NOT NULL DEFAULT '',
    PRIMARY KEY (key, day)
);
CREATE TABLE IF NOT EXISTS processes (
    id text PRIMARY KEY,
    host text NOT NULL,
    content text NOT NULL,
    seen timestamptz NOT NULL
);
"""
#: What a database made by an earlier version lacks, by how to tell: run only then, since each
#: takes the tables' owner, and processes may connect as other roles (granted the tables).
UPGRADES = {
    "SELECT to_regclass('delivery_claimed_or_retry')::text": (
        "CREATE INDEX delivery_claimed_or_retry ON delivery (state) WHERE state IN ('claimed', 'retry')"
    ),
    "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
    "AND table_name = 'delivery' AND column_name = 'owner'": (
        "ALTER TABLE delivery ADD COLUMN owner text NOT NULL DEFAULT ''"
    ),
    "SELECT to_regclass('delivery_unsettled')::text": (
        "CREATE INDEX delivery_unsettled ON delivery (owner) WHERE state IN ('claimed', 'sending')"
    ),
}
#: A database session as a claim's owner names it; unique over the server's life (a pid is reused).
_SESSION = "a.pid::text || '@' || extract(epoch FROM a.backend_start)::text"
#: Whether a claim's session has ended. Another role's sessions show no start time (without
#: pg_read_all_stats): for those the pid alone tells, which the server reuses only much later.
_GONE = (
    "NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a WHERE a.pid::text = split_part(delivery.owner, '@', 1) "
    f"AND (a.backend_start IS NULL OR {_SESSION} = delivery.owner))"
)

#: The tables ``SCHEMA`` creates.
TABLES = ("chats", "subscriptions", "feeds", "delivery", "processes")

_ROWS = "SELECT * FROM unnest(%s::text[], %s::date[], %s::text[], %s::text[], %s::text[])"
#: Outcomes: never over another live session's claim (``owner`` one of this store's sessions).
_UPSERT = f"""
INSERT INTO delivery (key, day, state, detail, at) {_ROWS}
ON CONFLICT (key, day) DO UPDATE SET state = excluded.state, detail = excluded.detail, at = excluded.at
WHERE delivery.state NOT IN ('claimed', 'sending') OR delivery.owner = '' OR delivery.owner = ANY(%s::text[])
"""
_CLAIM = f"""
INSERT INTO delivery (key, day, state, detail, at, owner) SELECT claims.*, %s::text FROM ({_ROWS}) AS claims
ON CONFLICT (key, day) DO UPDATE
SET state = excluded.state, detail = excluded.detail, at = excluded.at, owner = excluded.owner
WHERE delivery.state = 'retry' RETURNING key, day
"""
_BEGIN = """
UPDATE delivery SET state = 'sending', owner = %s FROM unnest(%s::text[], %s::date[]) AS w(key, day)
WHERE delivery.key = w.key AND delivery.day = w.day AND delivery.state = 'claimed'
AND delivery.owner = ANY(%s::text[]) RETURNING delivery.key, delivery.day
"""
_INTERRUPT = f"""
UPDATE delivery SET state = 'interrupted', detail = '', at = %s
WHERE state IN ('claimed', 'sending') AND (state = 'sending' OR owner = '') AND {_GONE}
"""
_RELEASE = f"DELETE FROM delivery WHERE state = 'claimed' AND owner <> '' AND {_GONE}"
_COLUMNS = "key, day, state, detail, at"


def application_name() -> str:
    """What the bot's sessions are called in ``pg_stat_activity``: the host and process."""
    return f"briefing-bot {socket.gethostname()[:30]}:{os.getpid()}"


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

    shared = True

    def __init__(self, url: str, connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self.location = redact_url(url)
        secrets.add(url_secrets(url))
        self._url = url
        self._timeout = connect_timeout
        self._lock = threading.RLock()
        self._connection: psycopg.Connection[Any] | None = None
        self._depth = 0
        self._session = ""  # the connection's session, as claims name their owner
        self._sessions: list[str] = []  # every session of this store: its claims are this process's
        self.problems: list[str] = []
        with self.transaction():
            self._execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            self._execute(SCHEMA)
            for present, upgrade in UPGRADES.items():
                row = self._execute(present).fetchone()
                if row is None or row[0] is None:
                    self._execute(upgrade)
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
            self._connection = connect(self._url, self._timeout)
            row = self._connection.execute(
                f"SELECT {_SESSION} FROM pg_stat_activity AS a WHERE a.pid = pg_backend_pid()"
            ).fetchone()
            self._session = row[0] if row else ""
            self._sessions.append(self._session)
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
        """Insert or replace delivery records (key, date, state, detail, at) in one statement;
        a claim another live process holds is left as it is."""
        columns = _columns(records)
        if columns[0]:
            with self._lock:
                self._execute(_UPSERT, (*columns, self._sessions))

    def claim_deliveries(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        given = {(r["key"], r["date"]): r for r in reversed(list(records))}  # the first of each (key, day)
        if not given:
            return []
        with self._lock, self._errors():
            self._connect()
            won = self._execute(_CLAIM, (self._session, *_columns(given.values()))).fetchall()
        return [given[(key, day.isoformat())] for key, day in won]

    def begin_sends(self, wanted: Iterable[tuple[str, date]]) -> set[tuple[str, str]]:
        """Mark claims of this process's sessions "sending", in one statement. When that fails,
        the session is ended: its claims are then orphans that any process may take, rather than
        held by a live session that no longer means to send them."""
        pairs = sorted(set(wanted))  # rows locked in key order, as the batch writes do
        if not pairs:
            return set()
        with self._lock:
            try:
                with self._errors():
                    self._connect()
                    keys, days = [key for key, _ in pairs], [day for _, day in pairs]
                    rows = self._execute(_BEGIN, (self._session, keys, days, self._sessions)).fetchall()
            except StoreError:
                self.close()
                raise
        return {(key, day.isoformat()) for key, day in rows}

    def settle_orphans(self, stamp: str) -> int:
        with self.transaction():
            interrupted = self._execute(_INTERRUPT, (stamp,)).rowcount
            released = self._execute(_RELEASE).rowcount
        if interrupted or released:
            log.warning(
                "claims of bot processes that are gone: %d interrupted mid-send, %d open again", interrupted, released
            )
        return interrupted

    def prune_deliveries(self, before: date) -> int:
        """Forget delivery records older than ``before``, but each chat's latest (its status)."""
        return self._execute(
            "DELETE FROM delivery AS old WHERE old.day < %s AND EXISTS "
            "(SELECT 1 FROM delivery AS newer WHERE newer.key = old.key AND newer.day > old.day)",
            (before,),
        ).rowcount


#: Asks the server to probe an idle connection after 5 s and drop it after three 5 s probes
#: unanswered: a process whose machine vanished (no connection closed) lets go of its leader's lock
#: and its claims within about 20 s rather than the hours of the system's defaults (TCP only).
SERVER_KEEPALIVES = "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3"


def connection_options(url: str, timeout: float = CONNECT_TIMEOUT, role: str = "") -> dict[str, Any]:
    """psycopg's options for the bot's connections: autocommit, named after this process and its
    ``role`` in ``pg_stat_activity``, with the server's keepalives; the URL's own settings win."""
    options: dict[str, Any] = {"autocommit": True}
    if "connect_timeout=" not in url:
        options["connect_timeout"] = int(timeout)
    if "application_name=" not in url:
        options["application_name"] = f"{application_name()} {role}".strip()
    if "options=" not in url:
        options["options"] = SERVER_KEEPALIVES
    return options


def connect(url: str, timeout: float = CONNECT_TIMEOUT) -> psycopg.Connection[Any]:
    """A connection of the state store (see ``connection_options``)."""
    return psycopg.connect(url, **connection_options(url, timeout))


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
