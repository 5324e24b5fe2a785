"""A TinyDB storage for the bot's own derived data: pickle, written atomically; and the
temporary files that atomic writes (here and in the state store) go through."""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
from pathlib import Path
from typing import Any

from tinydb.storages import Storage


def temporary_path(path: Path) -> Path:
    """Where the next version of ``path`` is written before it is renamed into place: a name of
    this process and thread, so that two writers never write into one temporary file, and a
    writer's leftovers can be told from a live one's."""
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def remove_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files left in ``folder`` by writers that died before renaming them
    into place (a crash, SIGKILL); each is as large as the file it was to replace."""
    for temporary in folder.glob(".*.tmp"):
        try:
            os.kill(int(temporary.name.split(".")[-3]), 0)
        except ProcessLookupError:  # its writer is gone
            with contextlib.suppress(OSError):
                temporary.unlink()
        except (ValueError, IndexError, OSError):  # not one of ours, or another user's live process
            continue


class PickleStorage(Storage):
    """A TinyDB storage in Python's pickle format, written atomically (temporary file, fsync, rename).

    TinyDB's JSON storage would hold the same documents, but at 250,000 facts that is ~150 MB
    that takes ~4 s to parse, because every fact repeats its article id, topics and search keys;
    pickle writes each repeated string once and keeps Python objects (figures, parsed articles)
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
        temporary = temporary_path(self.path)
        try:
            with open(temporary, "wb") as handle:
                pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
