"""The one way both stores replace a file: all or nothing, and durable once it returns."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Replace ``path`` with what ``write`` writes to the binary handle it is given.

    The bytes go to a temporary file beside ``path``, which is flushed, fsynced and renamed over
    it, and then the folder is fsynced so that the rename itself survives a power cut. A reader,
    or a restart after a crash, finds the old file or the new one, never a part of either. On
    failure the temporary file is removed and the error goes on; ``path`` is as it was unless
    only the folder's fsync failed.
    """
    temporary = temporary_path(path)
    try:
        with open(temporary, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


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
