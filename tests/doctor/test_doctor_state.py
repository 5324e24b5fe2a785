"""The doctor's state store check, on a TinyDB file and on a real PostgreSQL: readable or
reachable, the schema there or not, and the processes seen with their content hashes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from bot.briefings.service import Briefing
from bot.cli import main
from bot.config import read_settings
from bot.digests.compose import Subscription, Target
from bot.digests.open_state import open_state_store
from bot.digests.state_postgres import TABLES, missing_tables
from bot.doctor.checks import Setup
from bot.doctor.local import time_zone
from bot.doctor.state_store import state_store
from tests.conftest import BUNDLED_CONTENT

NOW = datetime(2027, 1, 6, 8, 0, tzinfo=UTC)


def setup_for(data: Path) -> Setup:
    return Setup(read_settings(content=BUNDLED_CONTENT, data=data), clock=lambda: NOW)


async def lines(setup: Setup) -> list[str]:
    return [str(finding) for finding in await state_store(setup)]


async def test_a_tinydb_file_readable_or_not(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert await lines(setup_for(data)) == [
        f"✓ state store: {data}/state.json (TinyDB) does not exist yet; the bot makes it at start"
    ]
    assert not (data / "state.json").exists()
    open_state_store(None, data).put_subscriptions([Subscription(Target("telegram", "1"))])
    found = await lines(setup_for(data))
    assert found[0] == f"✓ state store: {data}/state.json (TinyDB): readable, 1 subscription(s)"
    assert found[1].startswith("✓ processes: none seen in the last 5 minutes; this content folder's hash ")
    (data / "state.json").write_text("{not json", encoding="utf-8")
    (broken,) = await lines(setup_for(data))
    assert broken.startswith(f"✗ state store: {data}/state.json: the state file is not valid JSON")
    assert broken.endswith("→ restore the file from a backup or move it away")


async def test_an_unreachable_database_is_one_line_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"postgresql://bot:s3cret-pass@/briefing?host={tmp_path}&port=1&connect_timeout=2"
    monkeypatch.setenv("BRIEFING_STATE", url)
    (found,) = await lines(setup_for(tmp_path / "data"))
    assert found.startswith("✗ state store: postgresql://bot:***@/briefing?host=")
    assert "s3cret-pass" not in found and found.endswith("that the server runs and lets this user in")


async def test_an_empty_database_is_reachable_and_left_without_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    monkeypatch.setenv("BRIEFING_STATE", postgres_url)
    (found,) = await lines(setup_for(tmp_path / "data"))
    assert found.startswith("✓ state store: postgresql://") and "reachable, no tables yet" in found
    assert missing_tables(postgres_url) == list(TABLES)  # the doctor created none
    open_state_store(postgres_url, tmp_path).close()
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DROP TABLE processes")  # as an older bot left it
    (found,) = await lines(setup_for(tmp_path / "data"))
    assert "reachable, tables missing: processes; the bot creates them at start" in found
    assert missing_tables(postgres_url) == ["processes"]


async def test_the_processes_seen_and_whether_their_content_is_this_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str, bundled: Briefing
) -> None:
    store = open_state_store(postgres_url, tmp_path)
    store.put_subscriptions([Subscription(Target("telegram", "1")), Subscription(Target("telegram", "2"))])
    ours = bundled.content_hash()
    seen = (NOW - timedelta(minutes=1)).isoformat()
    store.put_process({"id": "a:/data", "host": "host-a", "content": ours, "seen": seen})
    store.put_process(
        {"id": "old:/data", "host": "host-old", "content": "0123456789ab", "seen": "2027-01-06T07:00:00+00:00"}
    )
    monkeypatch.setenv("BRIEFING_STATE", postgres_url)
    found = await lines(setup_for(tmp_path / "data"))
    assert found[0].endswith("(PostgreSQL): reachable, tables present, 2 subscription(s)")
    assert found[1] == f"✓ processes: seen in the last 5 minutes: host-a ({ours}); the same content as this folder's"
    store.put_process({"id": "b:/data", "host": "host-b", "content": "0123456789ab", "seen": seen})
    found = await lines(setup_for(tmp_path / "data"))
    assert found[1] == (
        f"✗ processes: seen in the last 5 minutes: host-a ({ours}), host-b (0123456789ab); their content differs "
        f"from this folder's ({ours}) → give every process the same content files, or run the doctor where they run"
    )


async def test_the_subscriptions_are_read_from_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    store = open_state_store(postgres_url, tmp_path)
    store.put_subscriptions([Subscription(Target("telegram", "1"), timezone="America/New_York")])
    monkeypatch.setenv("BRIEFING_STATE", postgres_url)
    (zones,) = [str(finding) for finding in await time_zone(setup_for(tmp_path / "data"))]
    assert zones == "✓ time zone: Europe/Warsaw, and 1 other zone(s) of subscriptions"
    assert not (tmp_path / "data" / "state.json").exists()


def test_the_doctor_end_to_end_on_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    open_state_store(postgres_url, tmp_path).put_subscriptions([Subscription(Target("telegram", "1"))])
    monkeypatch.setenv("BRIEFING_STATE", postgres_url)
    code = main(["--content", str(BUNDLED_CONTENT), "--data", str(tmp_path / "data"), "doctor"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0, out
    assert [line.split(":")[0] for line in out if line.startswith(("✓ state store", "✓ processes"))] == [
        "✓ state store",
        "✓ processes",
    ]
    assert any(line.startswith("✓ state store: postgresql://") and "1 subscription(s)" in line for line in out)
