"""The state store: settings survive restarts, and a write is all or nothing."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from tinydb import TinyDB

from bot.base.errors import StoreError
from bot.digests.state import STATE_FILE, StateStore
from tests.digests.state_writer import Model, transaction


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
    assert expected == sorted(
        [(f"telegram:{c}", "2027-01-06", "claimed") for c in (0, 4)]
        + [
            ("telegram:1", "2027-01-06", "sent"),
            ("telegram:2", "2027-01-06", "failed"),
            ("telegram:3", "2027-01-06", "sent"),
            ("telegram:9", "2027-01-06", "empty"),
        ]
    )
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


@contextlib.contextmanager
def disk_refusing_writes(folder: Path) -> Iterator[None]:
    """Every state write from this thread fails with a real OSError, as on a full disk: a folder
    stands where the write's temporary file would be made."""
    blocker = folder / f".{STATE_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
    blocker.mkdir()
    try:
        yield
    finally:
        blocker.rmdir()


def test_a_failed_write_leaves_memory_and_file_as_they_were(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.record_deliveries([_record(1, "2027-01-06", "claimed")])
    with disk_refusing_writes(tmp_path), pytest.raises(StoreError):
        store.record_deliveries([_record(1, "2027-01-06", "sent"), _record(2, "2027-01-06", "claimed")])
    assert store.delivery("telegram:1", date(2027, 1, 6))["state"] == "claimed"  # type: ignore[index]
    assert store.delivery("telegram:2", date(2027, 1, 6)) is None
    with store.transaction():  # nothing new: nothing of the failed transaction is saved later
        store.set_language("telegram", 9, "en")
    again = StateStore(tmp_path)
    assert [(r["key"], r["state"]) for r in again.deliveries()] == [("telegram:1", "claimed")]
    store.record_deliveries([_record(1, "2027-01-06", "sent")])  # and the store writes again
    assert StateStore(tmp_path).delivery("telegram:1", date(2027, 1, 6))["state"] == "sent"  # type: ignore[index]


def test_any_failed_transaction_is_taken_back_whole(tmp_path: Path) -> None:
    """The crash-safety writer's transactions (subscribe, change, languages, claims, outcomes,
    removals, pruning), every third one failing to write: memory and file always equal the
    transactions that succeeded, and a restart reads the same."""
    store, model = StateStore(tmp_path), Model()
    for number in range(120):
        if number % 3 == 1:
            with disk_refusing_writes(tmp_path), pytest.raises(StoreError):
                with store.transaction():
                    transaction(store, number)
        else:
            with store.transaction():
                transaction(store, number)
            transaction(model, number)
        assert _contents(store) == (model.subscriptions, model.languages, model.deliveries), number
    assert _contents(StateStore(tmp_path)) == _contents(store)


def test_an_error_inside_a_transaction_takes_its_changes_back(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    with pytest.raises(RuntimeError), store.transaction():
        store.set_language("telegram", 1, "en")
        store.remove_subscription("telegram:1:")
        raise RuntimeError("a bug halfway")
    assert store.language("telegram", 1) is None
    assert not (tmp_path / STATE_FILE).exists()


def _contents(store: StateStore) -> tuple[object, ...]:
    languages = {(p, c): store.language(p, c) for p, c in [("telegram", str(n)) for n in range(200)]}
    return (
        {s.target.key: s.to_record() for s in store.subscriptions()},
        {k: v for k, v in languages.items() if v is not None},
        {(r["key"], r["date"]): r for r in store.deliveries()},
    )


def test_pruning_keeps_each_chats_latest_record(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.record_deliveries(
        [
            _record(1, "2027-01-01", "sent"),
            _record(2, "2027-01-01", "sent"),
            _record(1, "2027-01-02", "failed"),
            _record(1, "2027-01-09", "sent"),
        ]
    )
    assert store.prune_deliveries(date(2027, 1, 5)) == 2
    again = StateStore(tmp_path)
    assert sorted((r["key"], r["date"]) for r in again.deliveries()) == [
        ("telegram:1", "2027-01-09"),
        ("telegram:2", "2027-01-01"),
    ]
    assert again.last_delivery("telegram:2")["date"] == "2027-01-01"  # type: ignore[index]
    assert again.prune_deliveries(date(2027, 1, 5)) == 0


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda path: path.write_bytes(b'{"chats": {"1": {"platform": "telegram", "chat": "\xff"}}}'), "not UTF-8"),
        (lambda path: path.mkdir(), "cannot read the state file"),
    ],
)
def test_an_unreadable_state_file_is_a_message(tmp_path: Path, make, expected: str) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path / STATE_FILE)
    with pytest.raises(StoreError, match=expected) as error:
        StateStore(tmp_path)
    assert str(error.value).startswith(f"{tmp_path / STATE_FILE}: ")


def test_a_bad_subscription_record_is_skipped_reported_and_kept(tmp_path: Path) -> None:
    good = {
        "key": "telegram:1:",
        "time": "08:00",
        "timezone": "Europe/Warsaw",
        "empty": "skip",
        "topics": [],
        "language": "pl",
        "failures": 0,
        "paused": False,
    }
    bad = [
        {**good, "key": "telegram:2:", "time": "25:99"},
        {k: v for k, v in good.items() if k != "time"} | {"key": "telegram:3:"},
        {**good, "key": "telegram:4:", "timezone": "America"},
        {**good, "key": "telegram:5:", "topics": "csto"},
        {**good, "key": "nokey"},
        {**good, "key": "telegram:6:", "empty": 3},
    ]
    table = {str(n): doc for n, doc in enumerate([good, *bad], 1)}
    (tmp_path / STATE_FILE).write_text(
        json.dumps(
            {
                "subscriptions": table,
                "deliveries": {
                    "1": {"key": "telegram:1:", "date": "2027-13-01", "state": "sent", "detail": "", "at": ""}
                },
            }
        ),
        encoding="utf-8",
    )
    store = StateStore(tmp_path)
    assert [s.target.key for s in store.subscriptions()] == ["telegram:1:"]
    assert len(store.problems) == len(bad) + 1
    assert any("'telegram:2:'" in p and "'25:99' is not HH:MM" in p for p in store.problems)
    assert any("'telegram:3:'" in p and "no 'time'" in p for p in store.problems)
    assert any("'telegram:4:'" in p and "'America' does not exist" in p for p in store.problems)
    store.set_language("telegram", 1, "en")  # a write keeps the records it could not read
    kept = json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8"))["subscriptions"]
    assert sorted(doc["key"] for doc in kept.values()) == sorted(doc["key"] for doc in [good, *bad])


def test_feeds_survive_a_restart(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.put_feed({"url": "https://kurier.example/rss", "topics": ["protesty"], "seen": {"a": "drafted a"}})
    store.put_feed({"url": "https://gazeta.example/atom", "topics": []})
    store.put_feed({"url": "https://kurier.example/rss", "topics": ["protesty"], "seen": {"b": "too short"}})
    assert store.remove_feed("https://gazeta.example/atom") and not store.remove_feed("https://gazeta.example/atom")
    again = StateStore(tmp_path)
    assert again.feeds() == [{"url": "https://kurier.example/rss", "topics": ["protesty"], "seen": {"b": "too short"}}]
    assert again.feed("https://gazeta.example/atom") is None


def test_a_state_file_from_before_feeds_loads_and_keeps_its_tables(tmp_path: Path) -> None:
    before = {
        "chats": {"1": {"platform": "telegram", "chat": "42", "language": "en"}},
        "deliveries": {"1": {"key": "telegram:42", "date": "2027-01-06", "state": "sent", "detail": "", "at": "x"}},
    }
    (tmp_path / STATE_FILE).write_text(json.dumps(before), encoding="utf-8")
    store = StateStore(tmp_path)
    assert store.feeds() == [] and not store.problems
    store.put_feed({"url": "https://kurier.example/rss"})
    again = StateStore(tmp_path)
    assert again.language("telegram", 42) == "en"
    assert again.last_delivery("telegram:42") == before["deliveries"]["1"]
    assert again.feeds() == [{"url": "https://kurier.example/rss"}]


def test_a_feed_record_without_an_address_is_reported_and_kept(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_text(json.dumps({"feeds": {"1": {"topics": []}}}), encoding="utf-8")
    store = StateStore(tmp_path)
    assert store.feeds() == [] and "feed record 1 skipped" in store.problems[0]
    store.put_feed({"url": "https://kurier.example/rss"})
    kept = json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8"))["feeds"]
    assert list(kept.values()) == [{"url": "https://kurier.example/rss"}, {"topics": []}]
