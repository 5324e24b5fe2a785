"""``briefing-bot state migrate``: a TinyDB file into PostgreSQL and back, verified, end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from bot.cli import main
from bot.digests.compose import Subscription, Target
from bot.digests.migrate import checks
from bot.digests.state import STATE_FILE, TinyDBStateStore
from bot.digests.state_postgres import PostgresStateStore


def _fill(store: TinyDBStateStore) -> None:
    with store.transaction():
        store.set_language("telegram", "-100", "en")
        store.set_language("discord", "7", "ru")
        store.put_subscriptions(
            [
                Subscription(Target("telegram", "-100", "5"), "07:30", "Europe/Warsaw", topics=("csto",)),
                Subscription(Target("discord", "7"), since=datetime(2027, 1, 2, 8, tzinfo=UTC), empty="nearest"),
            ]
        )
        store.put_feed({"url": "https://z.example/rss", "topics": ["csto"], "etag": '"v1"', "failures": 0})
        store.put_feed({"url": "https://a.example/rss", "topics": [], "failures": 3, "error": "HTTP 502 — zły"})
        store.record_deliveries(
            {"key": key, "date": day, "state": state, "detail": "", "at": f"{day}T08:00:00+00:00"}
            for key, day, state in [
                ("telegram:-100:5", "2027-01-05", "sent"),
                ("telegram:-100:5", "2027-01-06", "retry"),
                ("discord:7:", "2027-01-06", "interrupted"),
            ]
        )


def migrate(data: Path, to: str, *more: str) -> int:
    return main(["state", "migrate", "--to", to, "--data", str(data), "--content", str(data), *more])


def test_a_tinydb_file_moves_to_postgresql_and_back_unchanged(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    _fill(TinyDBStateStore(data))
    before = checks(TinyDBStateStore(data))
    assert migrate(data, postgres_url) == 0
    out = capsys.readouterr().out
    assert "every table's count and checksum match" in out
    assert [line.split()[:2] for line in out.splitlines()[:4]] == [
        ["chats", "2"],
        ["subscriptions", "2"],
        ["feeds", "2"],
        ["deliveries", "3"],
    ]
    database = PostgresStateStore(postgres_url)
    assert checks(database) == before
    assert [feed["url"] for feed in database.feeds()] == ["https://z.example/rss", "https://a.example/rss"]

    back = tmp_path / "back" / "state.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BRIEFING_STATE", postgres_url)  # the source: the database
        assert migrate(tmp_path / "other", str(back)) == 0
    restored = TinyDBStateStore(back.parent, back.name)
    assert checks(restored) == before
    assert json.loads(back.read_text(encoding="utf-8")).keys() >= {"chats", "subscriptions", "feeds", "deliveries"}
    assert not list(back.parent.glob(".*"))  # no scratch file left


def test_a_non_empty_target_is_refused_unless_forced(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    _fill(TinyDBStateStore(data))
    target = PostgresStateStore(postgres_url)
    target.set_language("telegram", "999", "pl")
    target.put_feed({"url": "https://only.example/rss"})
    assert migrate(data, postgres_url) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not empty (chats 1, feeds 1)" in err and "--force" in err
    assert target.language("telegram", "999") == "pl"
    assert migrate(data, postgres_url, "--force") == 0
    assert checks(PostgresStateStore(postgres_url)) == checks(TinyDBStateStore(data))
    assert target.language("telegram", "999") is None


def test_a_source_with_unreadable_records_is_refused(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    record = {"key": "telegram:1:", "time": "25:99", "timezone": "Europe/Warsaw"}
    (data / STATE_FILE).write_text(json.dumps({"subscriptions": {"1": record}}), encoding="utf-8")
    assert migrate(data, postgres_url) == 1
    assert "1 record(s) that cannot be read" in capsys.readouterr().err
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT to_regclass('subscriptions')").fetchone() == (None,)  # untouched


def test_a_database_that_cannot_be_reached_is_one_line_without_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    _fill(TinyDBStateStore(data))
    assert migrate(data, "postgresql://bot:Tajne-Haslo-1@127.0.0.1:1/briefing?connect_timeout=2") == 2
    err = capsys.readouterr().err
    assert err.startswith("briefing-bot: postgresql://bot:***@127.0.0.1:1/briefing")
    assert err.count("\n") == 1 and "Tajne" not in err
