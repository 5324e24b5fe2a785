"""The state store: settings survive restarts, and a write is all or nothing."""

from __future__ import annotations

import json
import os
import threading
from datetime import date
from pathlib import Path

import pytest
from tinydb import TinyDB

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


def _record(chat: int, day: str, state: str) -> dict[str, str]:
    return {"key": f"telegram:{chat}", "date": day, "state": state, "detail": "", "at": f"{day}T08:00:00+00:00"}


def test_incremental_writes_keep_a_tinydb_file_equal_to_the_store(tmp_path: Path) -> None:
    """Claims replaced by outcomes, a new day, a pruned day, a foreign table: the file says what the store says."""
    (tmp_path / STATE_FILE).write_text('{"notes": {"1": {"text": "zażółć"}}}', encoding="utf-8")
    store = StateStore(tmp_path)
    store.record_deliveries(_record(chat, "2027-01-05", "sent") for chat in range(5))
    store.record_deliveries(_record(chat, "2027-01-06", "claimed") for chat in range(5))
    store.record_deliveries([_record(1, "2027-01-06", "sent"), _record(2, "2027-01-06", "failed")])
    store.set_language("telegram", 1, "en")
    store.record_deliveries([_record(3, "2027-01-06", "sent"), _record(9, "2027-01-06", "empty")])
    assert store.prune_deliveries(date(2027, 1, 6)) == 5

    expected = sorted((r["key"], r["date"], r["state"]) for r in store.deliveries())
    assert expected == sorted([(f"telegram:{c}", "2027-01-06", "claimed") for c in (0, 4)]
                              + [("telegram:1", "2027-01-06", "sent"), ("telegram:2", "2027-01-06", "failed"),
                                 ("telegram:3", "2027-01-06", "sent"), ("telegram:9", "2027-01-06", "empty")])
    with TinyDB(tmp_path / STATE_FILE) as db:  # TinyDB itself reads what the store wrote
        in_file = sorted((d["key"], d["date"], d["state"]) for d in db.table("deliveries").all())
        assert len({d.doc_id for d in db.table("deliveries").all()}) == len(in_file)
        assert db.table("notes").all() == [{"text": "zażółć"}]
    assert in_file == expected
    again = StateStore(tmp_path)
    assert sorted((r["key"], r["date"], r["state"]) for r in again.deliveries()) == expected
    assert again.language("telegram", 1) == "en"
    again.record_deliveries([_record(4, "2027-01-06", "interrupted")])  # a restarted store writes on
    assert StateStore(tmp_path).delivery("telegram:4", date(2027, 1, 6))["state"] == "interrupted"  # type: ignore[index]


def test_the_next_transaction_retries_a_failed_write(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.record_deliveries([_record(1, "2027-01-06", "claimed")])
    blocker = tmp_path / f".{STATE_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
    blocker.mkdir()
    with pytest.raises(StoreError):
        store.record_deliveries([_record(1, "2027-01-06", "sent")])
    blocker.rmdir()
    with store.transaction():  # nothing new: it writes what the failed one could not
        pass
    assert StateStore(tmp_path).delivery("telegram:1", date(2027, 1, 6))["state"] == "sent"  # type: ignore[index]


def test_pruning_keeps_each_chats_latest_record(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.record_deliveries([_record(1, "2027-01-01", "sent"), _record(2, "2027-01-01", "sent"),
                             _record(1, "2027-01-02", "failed"), _record(1, "2027-01-09", "sent")])
    assert store.prune_deliveries(date(2027, 1, 5)) == 2
    again = StateStore(tmp_path)
    assert sorted((r["key"], r["date"]) for r in again.deliveries()) == [
        ("telegram:1", "2027-01-09"), ("telegram:2", "2027-01-01")]
    assert again.last_delivery("telegram:2")["date"] == "2027-01-01"  # type: ignore[index]
    assert again.prune_deliveries(date(2027, 1, 5)) == 0
