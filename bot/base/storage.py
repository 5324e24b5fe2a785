"""A TinyDB storage for the bot's own derived data: pickle, written atomically."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from bot.base.atomic import write_atomically


class PickleStorage(Storage):
    """A TinyDB storage in Python's pickle format, written atomically (``write_atomically``).

    TinyDB's JSON storage would hold the same documents, but far larger and slower to read,
    because every fact repeats its article id, topics and search keys; pickle writes each repeated
    string once and keeps Python objects (figures, parsed articles)
    as they are. Pickle runs code named in the file, which is acceptable here only because the
    fact store is the bot's own derived data in its own data folder: never load one from anyone
    else. (The state store, which is not derived, stays JSON.)
    """

    def __init__(self, path: str | Path, access_mode: str = "r+") -> None:
        super().__init__()
        self.path = Path(path)
        self.access_mode = access_mode

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            with open(self.path, "rb") as handle:
                data = pickle.load(handle)
        except FileNotFoundError:
            return None
        if not isinstance(data, dict):
            raise ValueError(f"{self.path} is not a TinyDB database")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self.access_mode == "r":
            raise OSError(f"{self.path} was opened read-only")
        write_atomically(self.path, lambda handle: pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL))
