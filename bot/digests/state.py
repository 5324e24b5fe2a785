"""The embedded state store (TinyDB, one file): per-chat settings, digest subscriptions, the
delivery log, and the news feeds polled into the content inbox (their records are written by
``bot.ingest.feeds``).

Unlike the fact store this data cannot be rebuilt, so every write replaces the file atomically
(``bot.base.atomic``): TinyDB's own JSONStorage rewrites the file in place, and
a crash in the middle of that leaves a corrupt file. Changes are grouped into transactions, each
one write, so that a digest fan-out costs a few writes, not one per chat; and a write encodes
only what changed since the last one (see ``TinyDBStateStore``). The interface it implements,
and the PostgreSQL one for several processes, are in ``state_store.py``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from bot.base.atomic import remove_stale_temporaries, write_atomically
from bot.base.errors import StoreError
from bot.digests.compose import Subscription
from bot.digests.state_store import DELIVERY_STATES, claimable, forgotten
from bot.i18n.messages import LANGUAGES, Language

log = logging.getLogger(__name__)

STATE_FILE = "state.json"

__all__ = ["DELIVERY_STATES", "STATE_FILE", "StateStore", "TinyDBStateStore"]


class AtomicJSONStorage(Storage):
    """A TinyDB storage whose writes are all-or-nothing."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                text = handle.read()
        except FileNotFoundError:
            return None
        except UnicodeDecodeError as error:
            raise StoreError(
                f"{self.path}: the state file is not UTF-8 text (byte {error.start}); "
                "restore it from a backup or move it away"
            ) from None
        except OSError as error:
            raise StoreError(f"{self.path}: cannot read the state file: {error.strerror or error}") from None
        if not text.strip():
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise StoreError(
                f"{self.path}: the state file is not valid JSON ({error}); restore it from a backup or move it away"
            ) from None
        return data  # type: ignore[no-any-return]

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.write_text([json.dumps(data, ensure_ascii=False)])  # json.dump would write piece by piece

    def write_text(self, pieces: Iterable[str]) -> None:
        """Replace the file with this JSON text: temporary file, flush, fsync, rename, fsync the folder.

        The text comes in pieces so that a large file is not first copied into one string.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_atomically(self.path, lambda handle: handle.writelines(piece.encode() for piece in pieces))
        except OSError as error:
            raise StoreError(f"cannot write the state file {self.path}: {error.strerror or error}") from error

    def close(self) -> None:
        pass


class TinyDBStateStore:
    """Read once, kept in memory, written through in transactions; safe across threads.

    The file is a TinyDB database (tables of documents by id) and is read with TinyDB, but the
    store writes it itself from its in-memory dictionaries: TinyDB re-creates every document of
    a table on each change, and a whole-file write would re-encode every record each time. Here
    each table's JSON is kept and only what changed is encoded again; the delivery log, which
    grows by one record per chat and day, is kept in one piece per day, so a batch of outcomes
    re-encodes its own records and joins that day's. Every write is still the whole file, atomic.
    """

    #: One process's: the data folder's lock keeps a second one out.
    shared = False

    def __init__(self, data_dir: Path, name: str = STATE_FILE) -> None:
        self.path = data_dir / name
        self.location = str(self.path)
        self._storage = AtomicJSONStorage(self.path)
        self._lock = threading.RLock()
        self._depth = 0
        if data_dir.is_dir():
            remove_stale_temporaries(data_dir)
        db = TinyDB(self.path, storage=AtomicJSONStorage)
        tables = {name: db.table(name, cache_size=0) for name in db.tables()}
        empty: list[Any] = []
        self._languages: dict[tuple[str, str], Language] = {
            (doc["platform"], doc["chat"]): doc["language"]
            for doc in (tables["chats"].all() if "chats" in tables else empty)
            if doc.get("language") in LANGUAGES
        }
        self._subs: dict[str, Subscription] = {}
        #: Stored subscriptions that cannot be read (a hand edit, a bug): reported, skipped, and
        #: written back as they were, so that nothing is lost.
        self.unreadable: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.unreadable_feeds: list[dict[str, Any]] = []
        for doc in tables["subscriptions"].all() if "subscriptions" in tables else empty:
            try:
                subscription = Subscription.from_record(doc)
            except ValueError as error:
                self.unreadable.append(dict(doc))
                self.problems.append(f"{self.path}: subscription {str(doc.get('key'))[:80]!r} skipped: {error}")
                continue
            self._subs[subscription.target.key] = subscription
        #: Feeds by address: records this store keeps as they are given (``bot.ingest.feeds`` owns them).
        self._feeds: dict[str, dict[str, Any]] = {}
        for doc in tables["feeds"].all() if "feeds" in tables else empty:
            if not isinstance(doc.get("url"), str):
                self.unreadable_feeds.append(dict(doc))
                self.problems.append(f"{self.path}: feed record {doc.doc_id} skipped: it has no address (url)")
                continue
            self._feeds[doc["url"]] = dict(doc)
        #: Processes by id (``bot.digests.processes``); one process uses a file, so usually one.
        self._processes: dict[str, dict[str, Any]] = {
            doc["id"]: dict(doc)
            for doc in (tables["processes"].all() if "processes" in tables else empty)
            if isinstance(doc.get("id"), str) and isinstance(doc.get("seen"), str)
        }
        self._log: dict[tuple[str, str], dict[str, Any]] = {}
        self._ids: dict[tuple[str, str], int] = {}  # a delivery record's document id in the file
        for doc in tables["deliveries"].all() if "deliveries" in tables else empty:
            if not _readable_delivery(doc):
                self.problems.append(
                    f"{self.path}: delivery record {doc.doc_id} dropped: it is not {{key, date, state, detail, at}}"
                )
                continue
            index = (doc["key"], doc["date"])
            self._log[index], self._ids[index] = dict(doc), doc.doc_id
        self._next_id = max(self._ids.values(), default=0) + 1
        self._days: dict[str, set[tuple[str, str]]] = {}  # day → its records' indexes
        for index in self._log:
            self._days.setdefault(index[1], set()).add(index)
        self._latest: dict[str, str] = {}  # key → the latest day with a record
        self._index_latest()
        # Tables this code does not know are written back as they were read.
        self._encoded: dict[str, str] = {
            name: json.dumps({str(doc.doc_id): dict(doc) for doc in table.all()}, ensure_ascii=False)
            for name, table in tables.items()
            if name not in _TABLES
        }
        self._fragments: dict[str, str] = {}  # day → its records as JSON members ("id": {...}, ...)
        self._hot: dict[str, dict[tuple[str, str], str]] = {}  # recent days → each record's JSON member
        self._dirty: set[str] = set(_TABLES)
        self._changed: dict[str, set[tuple[str, str]] | None] = dict.fromkeys(self._days)  # None: all of it
        self._undo: list[Callable[[], object]] = []  # how to take back the open transaction's changes
        for problem in self.problems:
            log.warning("%s", problem)

    def close(self) -> None:
        """Nothing to release: every change is on disk when its transaction ends."""

    def _index_latest(self) -> None:
        self._latest = {}
        for key, day in self._log:
            self._latest[key] = max(day, self._latest.get(key, day))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes into one atomic write; nested transactions join the outer one.

        All or nothing, in memory as on disk: when the write fails (a full disk) or the block
        raises, every change of the transaction is taken back before the error goes on, so that
        a later write cannot save what the caller was told had failed."""
        with self._lock:
            depth = self._depth
            mark = len(self._undo)
            self._depth = depth + 1
            try:
                yield
                if depth == 0:
                    self._write()
            except BaseException:
                self._roll_back(mark)
                raise
            finally:
                self._depth = depth
                if depth == 0:
                    self._undo.clear()

    def _roll_back(self, mark: int) -> None:
        """Undo the changes made since the undo log was ``mark`` entries long, newest first."""
        while len(self._undo) > mark:
            self._undo.pop()()

    def _remember(self, table: dict[Any, Any], key: Any) -> None:
        """Log how to restore ``table[key]`` (or its absence) should the transaction fail."""
        old = table.get(key, _ABSENT)
        if old is _ABSENT:
            self._undo.append(lambda: table.pop(key, None))
        else:
            self._undo.append(lambda: table.__setitem__(key, old))

    def _stale(self, name: str, day: str | None = None) -> None:
        """After an undo: the table (and the day of the delivery log) is encoded again at the next
        write, since the failed write may have encoded the changes that were taken back."""
        self._dirty.add(name)
        if day is not None:
            self._changed[day] = None
            self._hot.pop(day, None)

    def _write(self) -> None:
        """Encode what changed since the last write, then replace the file (atomically)."""
        if not self._dirty:
            return
        if "chats" in self._dirty:
            self._encoded["chats"] = _table(
                {"platform": p, "chat": c, "language": lang} for (p, c), lang in self._languages.items()
            )
        if "subscriptions" in self._dirty:
            self._encoded["subscriptions"] = _table([*(s.to_record() for s in self._subs.values()), *self.unreadable])
        if "feeds" in self._dirty:
            self._encoded["feeds"] = _table([*self._feeds.values(), *self.unreadable_feeds])
        self._encoded["processes"] = _table(self._processes.values())  # a few records, and their times move
        if "deliveries" in self._dirty:
            self._encode_deliveries()
        pieces: list[str] = []
        for name, text in self._encoded.items():
            pieces += [", " if pieces else "{", json.dumps(name), ": ", text]
        pieces.append(', "deliveries": {' if pieces else '{"deliveries": {')
        for number, fragment in enumerate(self._fragments.values()):
            pieces += [", " if number else "", fragment]
        pieces.append("}}")
        self._storage.write_text(pieces)
        self._dirty.clear()  # only now: after a failed write, the next transaction tries again
        self._changed.clear()

    def _encode_deliveries(self) -> None:
        """The delivery log's JSON, re-encoding only the records that changed, day by day.

        A day being delivered keeps each record's JSON, so that a batch of outcomes costs its own
        records plus one join; older days are encoded in one call and kept as one piece.
        """
        for day, changed in self._changed.items():
            records = self._days.get(day)
            if not records:
                self._fragments.pop(day, None)
                self._hot.pop(day, None)
                continue
            hot = self._hot.get(day)
            if changed is None:  # a day read from the file, or pruned: one call for the lot
                self._hot.pop(day, None)
                members = json.dumps({str(self._ids[index]): self._log[index] for index in records}, ensure_ascii=False)
                self._fragments[day] = members[1:-1]
                continue
            if hot is None:
                hot, changed = self._hot.setdefault(day, {}), records
            for index in changed:
                hot[index] = f'"{self._ids[index]}": {json.dumps(self._log[index], ensure_ascii=False)}'
            self._fragments[day] = ", ".join(hot.values())  # hot holds exactly the day's records
        for day in sorted(self._hot)[:-HOT_DAYS]:
            del self._hot[day]

    # --- chat settings ---------------------------------------------------------------------------

    def language(self, platform: str, chat: str | int) -> Language | None:
        return self._languages.get((platform, str(chat)))

    def languages(self) -> dict[tuple[str, str], Language]:
        return dict(self._languages)

    def set_language(self, platform: str, chat: str | int, language: Language) -> None:
        with self.transaction():
            self._undo.append(lambda: self._stale("chats"))
            self._remember(self._languages, (platform, str(chat)))
            self._languages[(platform, str(chat))] = language
            self._dirty.add("chats")

    # --- subscriptions ---------------------------------------------------------------------------

    def subscriptions(self) -> list[Subscription]:
        return list(self._subs.values())

    def subscription(self, key: str) -> Subscription | None:
        return self._subs.get(key)

    def subscriptions_of(self, keys: Iterable[str]) -> dict[str, Subscription]:
        return {key: self._subs[key] for key in keys if key in self._subs}

    def put_subscriptions(self, subscriptions: Iterable[Subscription]) -> None:
        with self.transaction():
            self._undo.append(lambda: self._stale("subscriptions"))
            for subscription in subscriptions:
                self._remember(self._subs, subscription.target.key)
                self._subs[subscription.target.key] = subscription
                self._dirty.add("subscriptions")

    def remove_subscription(self, key: str) -> bool:
        with self.transaction():
            if key not in self._subs:
                return False
            self._undo.append(lambda: self._stale("subscriptions"))
            self._remember(self._subs, key)
            del self._subs[key]
            self._dirty.add("subscriptions")
            return True

    # --- feeds ------------------------------------------------------------------------------------

    def feeds(self) -> list[dict[str, Any]]:
        """Every feed's record, in the order they were added."""
        return [dict(record) for record in self._feeds.values()]

    def feed(self, url: str) -> dict[str, Any] | None:
        record = self._feeds.get(url)
        return dict(record) if record is not None else None

    def put_feed(self, record: dict[str, Any]) -> None:
        """Insert or replace a feed's record (by its ``url``)."""
        with self.transaction():
            url = record["url"]
            assert isinstance(url, str), url
            self._undo.append(lambda: self._stale("feeds"))
            self._remember(self._feeds, url)
            self._feeds[url] = dict(record)
            self._dirty.add("feeds")

    def remove_feed(self, url: str) -> bool:
        with self.transaction():
            if url not in self._feeds:
                return False
            self._undo.append(lambda: self._stale("feeds"))
            self._remember(self._feeds, url)
            del self._feeds[url]
            self._dirty.add("feeds")
            return True

    # --- processes -----------------------------------------------------------------------------------

    def put_process(self, record: dict[str, Any]) -> None:
        """Keep a process's record. Only a new process or content is written at once: a record
        that only says it was seen again goes to the file with the next write, so that a beat a
        minute does not rewrite the whole file (no other process reads it meanwhile)."""
        with self.transaction():
            self._undo.append(lambda: self._stale("processes"))
            old = self._processes.get(record["id"])
            for gone in [key for key, other in self._processes.items() if forgotten(other, record["seen"])]:
                self._remember(self._processes, gone)
                del self._processes[gone]
                self._dirty.add("processes")
            self._remember(self._processes, record["id"])
            self._processes[record["id"]] = dict(record)
            if old is None or {**old, "seen": ""} != {**record, "seen": ""}:
                self._dirty.add("processes")

    def processes(self) -> list[dict[str, Any]]:
        return [dict(record) for record in self._processes.values()]

    # --- delivery log ----------------------------------------------------------------------------

    def delivery(self, key: str, day: date) -> dict[str, Any] | None:
        record = self._log.get((key, day.isoformat()))
        return dict(record) if record is not None else None

    def last_delivery(self, key: str) -> dict[str, Any] | None:
        day = self._latest.get(key)
        return dict(self._log[(key, day)]) if day else None

    def deliveries(self, state: str | None = None) -> list[dict[str, Any]]:
        return [dict(record) for record in self._log.values() if state is None or record["state"] == state]

    def deliveries_of(self, wanted: Iterable[tuple[str, date]]) -> dict[tuple[str, str], dict[str, Any]]:
        found = {}
        for key, day in wanted:
            index = (key, day.isoformat())
            record = self._log.get(index)
            if record is not None:
                found[index] = dict(record)
        return found

    def last_deliveries(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        return {key: dict(self._log[(key, day)]) for key in keys if (day := self._latest.get(key))}

    def begin_sends(self, wanted: Iterable[tuple[str, date]]) -> set[tuple[str, str]]:
        """Nothing to write: one process holds the file, and a whole-file write per send would
        cost more than the fan-out (a claim that outlives a crash is "interrupted" at start-up)."""
        return {(key, day.isoformat()) for key, day in wanted}

    def settle_orphans(self, stamp: str) -> int:
        """At start-up, every claim left is a crashed run's, perhaps in flight: "interrupted"."""
        records = [
            {**record, "state": "interrupted", "detail": "", "at": stamp}
            for record in self._log.values()
            if record["state"] in ("claimed", "sending")
        ]
        self.record_deliveries(records)
        return len(records)

    def record_deliveries(self, records: Iterable[dict[str, Any]]) -> None:
        """Insert or replace delivery records (key, date, state, detail, at) in one write."""
        with self.transaction():
            for record in records:
                assert record["state"] in DELIVERY_STATES, record["state"]
                key, day = record["key"], record["date"]
                index = (key, day)
                self._undo.append(partial(self._stale, "deliveries", day))
                self._remember(self._log, index)
                self._remember(self._latest, key)
                if index not in self._ids:
                    self._undo.append(partial(self._forget, index, self._next_id))
                    self._ids[index] = self._next_id
                    self._next_id += 1
                    self._days.setdefault(day, set()).add(index)
                self._log[index] = dict(record)
                self._latest[key] = max(day, self._latest.get(key, day))
                self._dirty.add("deliveries")
                changed = self._changed.setdefault(day, set())
                if changed is not None:
                    changed.add(index)

    def claim_deliveries(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Write the records whose (key, date) is still open, in one write; return them."""
        with self.transaction():
            won: dict[tuple[str, str], dict[str, Any]] = {}
            for record in records:
                index = (record["key"], record["date"])
                if index not in won and claimable(self._log.get(index)):
                    won[index] = record
            self.record_deliveries(won.values())
            return list(won.values())

    def _forget(self, index: tuple[str, str], next_id: int) -> None:
        """Undo a new delivery record's id and its place in its day."""
        del self._ids[index]
        self._next_id = next_id
        records = self._days.get(index[1])
        if records is not None:
            records.discard(index)
            if not records:
                del self._days[index[1]]

    def prune_deliveries(self, before: date) -> int:
        """Forget delivery records older than ``before``, but each chat's latest (its status)."""
        cutoff = before.isoformat()
        count = 0
        with self.transaction():
            for day in [day for day in self._days if day < cutoff]:
                indexes = self._days[day]
                gone = {index for index in indexes if self._latest.get(index[0]) != day}
                if not gone:
                    continue
                self._undo.append(partial(self._stale, "deliveries", day))
                self._undo.append(partial(self._days.__setitem__, day, set(indexes)))
                for index in gone:
                    self._remember(self._log, index)
                    self._remember(self._ids, index)
                    del self._log[index], self._ids[index]
                indexes -= gone
                if not indexes:
                    del self._days[day]
                self._changed[day] = None
                self._dirty.add("deliveries")
                count += len(gone)
        return count


def _readable_delivery(doc: dict[str, Any]) -> bool:
    try:
        date.fromisoformat(doc["date"])
    except (KeyError, TypeError, ValueError):
        return False
    return isinstance(doc.get("key"), str) and doc.get("state") in DELIVERY_STATES


_TABLES = ("chats", "subscriptions", "feeds", "processes", "deliveries")
_ABSENT = object()
#: How many of the latest days being written keep each record's JSON (today, and a late yesterday).
HOT_DAYS = 2


def _table(documents: Iterable[dict[str, Any]]) -> str:
    """One TinyDB table as JSON: documents by id, numbered from 1."""
    return json.dumps({str(number): document for number, document in enumerate(documents, 1)}, ensure_ascii=False)


#: The embedded store by its earlier name, for code that constructs it directly.
StateStore = TinyDBStateStore
