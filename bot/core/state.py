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
from tinydb.table import Document

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
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False)
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
        self._languages: dict[tuple[str, str], Language] = {}
        self._chat_ids: dict[tuple[str, str], int] = {}
        for doc in self._chats.all():
            key = (doc["platform"], doc["chat"])
            self._chat_ids[key] = doc.doc_id
            if doc.get("language") in LANGUAGES:
                self._languages[key] = doc["language"]
        self._subs: dict[str, tuple[int, Subscription]] = {
            doc["key"]: (doc.doc_id, Subscription.from_record(doc)) for doc in self._subscriptions.all()
        }
        self._log: dict[tuple[str, str], Document] = {(doc["key"], doc["date"]): doc for doc in self._deliveries.all()}

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
        key = (platform, str(chat))
        with self.transaction():
            record = {"platform": platform, "chat": key[1], "language": language}
            if key in self._chat_ids:
                self._chats.update(record, doc_ids=[self._chat_ids[key]])
            else:
                self._chat_ids[key] = self._chats.insert(record)
            self._languages[key] = language

    # --- subscriptions ---------------------------------------------------------------------------

    def subscriptions(self) -> list[Subscription]:
        return [subscription for _, subscription in self._subs.values()]

    def subscription(self, key: str) -> Subscription | None:
        found = self._subs.get(key)
        return found[1] if found else None

    def put_subscriptions(self, subscriptions: Iterable[Subscription]) -> None:
        with self.transaction():
            for subscription in subscriptions:
                key = subscription.target.key
                if key in self._subs:
                    doc_id = self._subs[key][0]
                    self._subscriptions.upsert(Document(subscription.to_record(), doc_id=doc_id))
                else:
                    doc_id = self._subscriptions.insert(subscription.to_record())
                self._subs[key] = (doc_id, subscription)

    def remove_subscription(self, key: str) -> bool:
        with self.transaction():
            found = self._subs.pop(key, None)
            if found is None:
                return False
            self._subscriptions.remove(doc_ids=[found[0]])
            return True

    # --- delivery log ----------------------------------------------------------------------------

    def delivery(self, key: str, day: date) -> dict[str, Any] | None:
        record = self._log.get((key, day.isoformat()))
        return dict(record) if record is not None else None

    def last_delivery(self, key: str) -> dict[str, Any] | None:
        days = [d for (k, d) in self._log if k == key]
        return dict(self._log[(key, max(days))]) if days else None

    def deliveries(self) -> list[dict[str, Any]]:
        return [dict(record) for record in self._log.values()]

    def record_deliveries(self, records: Iterable[dict[str, Any]]) -> None:
        """Insert or replace delivery records (key, date, state, detail, at) in one write."""
        with self.transaction():
            for record in records:
                assert record["state"] in DELIVERY_STATES, record["state"]
                index = (record["key"], record["date"])
                existing = self._log.get(index)
                if existing is not None:
                    document = Document(dict(record), doc_id=existing.doc_id)
                    self._deliveries.upsert(document)
                else:
                    document = Document(dict(record), doc_id=self._deliveries.insert(dict(record)))
                self._log[index] = document

    def prune_deliveries(self, before: date) -> int:
        """Forget delivery records older than ``before``; they decide nothing any more."""
        old = [doc for (key, day), doc in self._log.items() if day < before.isoformat()]
        if old:
            with self.transaction():
                self._deliveries.remove(doc_ids=[doc.doc_id for doc in old])
                for doc in old:
                    del self._log[(doc["key"], doc["date"])]
        return len(old)
