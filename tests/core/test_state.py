"""The state store: settings survive restarts, and a write is all or nothing."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from bot.core.errors import StoreError
from bot.core.state import STATE_FILE, StateStore


def test_language_survives_a_restart(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    assert store.language("telegram", 42) is None
    store.set_language("telegram", 42, "en")
    store.set_language("telegram", 42, "pl")
    store.set_language("discord", "42", "en")
    again = StateStore(tmp_path)
    assert again.language("telegram", "42") == "pl"
    assert again.language("discord", 42) == "en"
    chats = json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8"))["chats"]
    assert len(chats) == 2


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    StateStore(tmp_path).set_language("telegram", 1, "en")
    assert sorted(p.name for p in tmp_path.iterdir()) == [STATE_FILE]


def test_a_corrupt_state_file_is_reported_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_text('{"chats": {"1": ', encoding="utf-8")
    with pytest.raises(StoreError, match="not valid JSON"):
        StateStore(tmp_path)
    assert (tmp_path / STATE_FILE).read_text(encoding="utf-8") == '{"chats": {"1": '


def test_a_failed_write_keeps_the_previous_state(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.set_language("telegram", 1, "en")
    before = (tmp_path / STATE_FILE).read_bytes()
    # Occupy the temporary file's name with a folder, so that the write fails half-way.
    blocker = tmp_path / f".{STATE_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
    blocker.mkdir()
    with pytest.raises(StoreError, match="cannot write the state file"):
        store.set_language("telegram", 1, "pl")
    assert (tmp_path / STATE_FILE).read_bytes() == before
    blocker.rmdir()
    assert StateStore(tmp_path).language("telegram", 1) == "en"
