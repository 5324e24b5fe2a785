"""The state store: per-chat settings (and, later, subscriptions and the delivery log).

Unlike the fact store this data cannot be rebuilt, so every write replaces the file atomically
(temporary file, flush, fsync, rename): TinyDB's own JSONStorage rewrites the file in place, and
a crash in the middle of that leaves a corrupt file.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import Storage

from bot.core.errors import StoreError
from bot.core.i18n import LANGUAGES, Language

STATE_FILE = "state.json"


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


class StateStore:
    """Chat settings, read once and kept in memory; every change is written through."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / STATE_FILE
        self._db = TinyDB(self.path, storage=AtomicJSONStorage)
        self._lock = threading.Lock()
        self._languages: dict[tuple[str, str], Language] = {
            (doc["platform"], doc["chat"]): doc["language"]
            for doc in self._db.table("chats").all()
            if doc.get("language") in LANGUAGES
        }

    def language(self, platform: str, chat: str | int) -> Language | None:
        return self._languages.get((platform, str(chat)))

    def set_language(self, platform: str, chat: str | int, language: Language) -> None:
        key = (platform, str(chat))
        with self._lock:
            chat_query = Query()
            self._db.table("chats").upsert(
                {"platform": platform, "chat": key[1], "language": language},
                (chat_query.platform == platform) & (chat_query.chat == key[1]),
            )
            self._languages[key] = language
