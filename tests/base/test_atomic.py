"""The one atomic write: a failed write leaves the old file and no temporary file; a finished
one is durable, its folder fsynced too, for both stores."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

import pytest

from bot.base.atomic import temporary_path, write_atomically
from bot.base.storage import PickleStorage
from bot.digests.state import STATE_FILE, StateStore
from bot.store.fact_store import FactStore


def test_a_write_replaces_the_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "file.db"
    path.write_bytes(b"old")
    write_atomically(path, lambda handle: handle.write(b"new"))
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["file.db"]


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "file.db"
    path.write_bytes(b"old")

    def half(handle: BinaryIO) -> None:
        handle.write(b"half of the n")
        handle.flush()
        assert temporary_path(path).read_bytes() == b"half of the n"
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        write_atomically(path, half)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.db"]


def test_a_write_the_disk_refuses_is_an_os_error_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "file.db"
    path.write_bytes(b"old")
    temporary_path(path).mkdir()  # a folder where the temporary file would be made
    with pytest.raises(OSError):
        write_atomically(path, lambda handle: handle.write(b"new"))
    assert path.read_bytes() == b"old"


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What was fsynced, in order: "file" or "folder"."""
    done: list[str] = []
    fsync = os.fsync

    def recording(fd: int) -> None:
        fsync(fd)
        done.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")

    monkeypatch.setattr(os, "fsync", recording)
    return done


def test_the_state_store_fsyncs_the_file_then_its_folder(tmp_path: Path, synced: list[str]) -> None:
    StateStore(tmp_path).set_language("telegram", 1, "en")
    assert synced == ["file", "folder"]
    assert (tmp_path / STATE_FILE).is_file()


def test_the_fact_store_fsyncs_the_file_then_its_folder(tmp_path: Path, synced: list[str]) -> None:
    PickleStorage(tmp_path / "shard.db").write({"meta": {"1": {"format": 0}}})
    assert synced == ["file", "folder"]
    synced.clear()
    store = FactStore(tmp_path)
    store.write_views(store.generations(), {"order": []})  # the saved views go through the same write
    assert synced == ["file", "folder"]
    assert store.read_views(store.generations()) == {"order": []}
