"""The state store: per-chat settings, digest subscriptions and the delivery log.

Unlike the fact store this data cannot be rebuilt, so every write replaces the file atomically
(temporary file, flush, fsync, rename): TinyDB's own JSONStorage rewrites the file in place, and
a crash in the middle of that leaves a corrupt file. Changes are grouped into transactions, each
one write, so that a digest fan-out costs a few writes, not one per chat.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage

from bot.core.digests import Subscription
from bot.core.errors import StoreError
from bot.core.i18n import LANGUAGES, Language

STATE_FILE = "state.json"

#: Delivery states: claimed before sending, then one of the others.
DELIVERY_STATES = ("claimed", "sent", "empty", "failed", "interrupted", "missed")


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
        if not text.strip():
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise StoreError(f"{self.path}: the state file is not valid JSON ({error}); "
                             "restore it from a backup or move it away") from None
        return data  # type: ignore[no-any-return]

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            text = json.dumps(data, ensure_ascii=False)  # one write: json.dump writes piece by piece
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)  # make the rename itself durable
            finally:
                os.close(directory)
        except OSError as error:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise StoreError(f"cannot write the state file {self.path}: {error.strerror or error}") from error

    def close(self) -> None:
        pass


class _Transactional(CachingMiddleware):
    """Keeps writes in memory until ``flush``: one file write per transaction."""

    WRITE_CACHE_SIZE = 1 << 62


class StateStore:
    """Read once, kept in memory, written through in transactions; safe across threads."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / STATE_FILE
        self._storage: _Transactional | None = None

        def storage(*args: Any, **kwargs: Any) -> _Transactional:
            self._storage = _Transactional(AtomicJSONStorage)(*args, **kwargs)
            return self._storage

        self._db = TinyDB(self.path, storage=storage)
        self._lock = threading.RLock()
        self._chats = self._db.table("chats")
        self._subscriptions = self._db.table("subscriptions")
        self._deliveries = self._db.table("deliveries")
        self._languages: dict[tuple[str, str], Language] = {
            (doc["platform"], doc["chat"]): doc["language"]
            for doc in self._chats.all() if doc.get("language") in LANGUAGES
        }
        self._subs: dict[str, Subscription] = {
            doc["key"]: Subscription.from_record(doc) for doc in self._subscriptions.all()
        }
        self._log: dict[tuple[str, str], dict[str, Any]] = {
            (doc["key"], doc["date"]): dict(doc) for doc in self._deliveries.all()
        }
        self._latest: dict[str, str] = {}  # key → the latest day with a record
        self._index_latest()

    # The tables are rewritten whole from the in-memory state, once per transaction: TinyDB's
    # per-document updates each rescan the table, which makes a fan-out quadratic.

    def _index_latest(self) -> None:
        self._latest = {}
        for key, day in self._log:
            self._latest[key] = max(day, self._latest.get(key, day))

    def _save(self, table: Any, documents: Iterable[dict[str, Any]]) -> None:
        table.truncate()
        table.insert_multiple(documents)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes into one atomic write; nested transactions join the outer one."""
        with self._lock:
            depth = getattr(self, "_depth", 0)
            self._depth = depth + 1
            try:
                yield
            finally:
                self._depth = depth
            if depth == 0:
                assert self._storage is not None
                self._storage.flush()

    # --- chat settings ---------------------------------------------------------------------------

    def language(self, platform: str, chat: str | int) -> Language | None:
        return self._languages.get((platform, str(chat)))

    def set_language(self, platform: str, chat: str | int, language: Language) -> None:
        with self.transaction():
            self._languages[(platform, str(chat))] = language
            self._save(self._chats, ({"platform": p, "chat": c, "language": lang}
                                     for (p, c), lang in self._languages.items()))

    # --- subscriptions ---------------------------------------------------------------------------

    def subscriptions(self) -> list[Subscription]:
        return list(self._subs.values())

    def subscription(self, key: str) -> Subscription | None:
        return self._subs.get(key)

    def put_subscriptions(self, subscriptions: Iterable[Subscription]) -> None:
        with self.transaction():
            for subscription in subscriptions:
                self._subs[subscription.target.key] = subscription
            self._save(self._subscriptions, (s.to_record() for s in self._subs.values()))

    def remove_subscription(self, key: str) -> bool:
        with self.transaction():
            if self._subs.pop(key, None) is None:
                return False
            self._save(self._subscriptions, (s.to_record() for s in self._subs.values()))
            return True

    # --- delivery log ----------------------------------------------------------------------------

    def delivery(self, key: str, day: date) -> dict[str, Any] | None:
        record = self._log.get((key, day.isoformat()))
        return dict(record) if record is not None else None

    def last_delivery(self, key: str) -> dict[str, Any] | None:
        day = self._latest.get(key)
        return dict(self._log[(key, day)]) if day else None

    def deliveries(self) -> list[dict[str, Any]]:
        return [dict(record) for record in self._log.values()]

    def record_deliveries(self, records: Iterable[dict[str, Any]]) -> None:
        """Insert or replace delivery records (key, date, state, detail, at) in one write."""
        records = list(records)
        if not records:
            return
        with self.transaction():
            for record in records:
                assert record["state"] in DELIVERY_STATES, record["state"]
                key, day = record["key"], record["date"]
                self._log[(key, day)] = dict(record)
                self._latest[key] = max(day, self._latest.get(key, day))
            self._save(self._deliveries, self._log.values())

    def prune_deliveries(self, before: date) -> int:
        """Forget delivery records older than ``before``; they decide nothing any more."""
        old = [index for index in self._log if index[1] < before.isoformat()]
        if old:
            with self.transaction():
                for index in old:
                    del self._log[index]
                self._index_latest()
                self._save(self._deliveries, self._log.values())
        return len(old)
