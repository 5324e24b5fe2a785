"""Content agreement between processes sharing a state store: each publishes its content hash
and compares it with the others seen recently, on a real PostgreSQL (one store per process)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.briefings.service import Briefing
from bot.digests.processes import RECENT, ContentAgreement, keep_agreeing, process_id
from bot.digests.state_postgres import PostgresStateStore
from tests.conftest import BUNDLED_CONTENT, WARSAW

START = datetime(2027, 1, 6, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def process(url: str, name: str, content: list[str], clock: Clock) -> ContentAgreement:
    """A process on host ``name`` with its own connection, whose content hash is ``content[0]``."""
    return ContentAgreement(PostgresStateStore(url), lambda: content[0], clock, f"{name}:/data", name)


def test_two_processes_on_the_same_content_agree_and_both_see_a_change(postgres_url: str) -> None:
    clock = Clock()
    first, second = ["aaaaaaaaaaaa"], ["aaaaaaaaaaaa"]
    one, two = process(postgres_url, "one", first, clock), process(postgres_url, "two", second, clock)
    assert one.beat() is None and two.beat() is None
    second[0] = "bbbbbbbbbbbb"  # the second host pulled a newer checkout
    clock.now += timedelta(minutes=1)
    expected = "differs from other processes (signature {} vs {})"
    assert two.beat() == expected.format("bbbbbbbbbbbb", "aaaaaaaaaaaa")
    assert one.beat() == expected.format("aaaaaaaaaaaa", "bbbbbbbbbbbb")  # one to one: neither can tell
    first[0] = "bbbbbbbbbbbb"
    clock.now += timedelta(minutes=1)
    assert one.beat() is None and two.beat() is None and one.differs is None


def test_of_three_only_the_odd_one_out_differs(postgres_url: str) -> None:
    clock = Clock()
    odd = process(postgres_url, "odd", ["cccccccccccc"], clock)
    agreeing = [process(postgres_url, name, ["aaaaaaaaaaaa"], clock) for name in ("one", "two")]
    for agreement in (odd, *agreeing):
        agreement.beat()
    assert odd.beat() == "differs from other processes (signature cccccccccccc vs aaaaaaaaaaaa)"
    assert [agreement.beat() for agreement in agreeing] == [None, None]


def test_a_process_not_seen_lately_no_longer_counts(postgres_url: str) -> None:
    clock = Clock()
    gone = process(postgres_url, "gone", ["aaaaaaaaaaaa"], clock)
    here = process(postgres_url, "here", ["bbbbbbbbbbbb"], clock)
    gone.beat()
    assert here.beat() is not None
    clock.now += RECENT + timedelta(seconds=1)
    assert here.beat() is None
    assert {record["id"] for record in here.state.processes()} == {"gone:/data", "here:/data"}
    clock.now += timedelta(days=1, seconds=1)  # a day on, its record is forgotten
    here.beat()
    assert [record["id"] for record in here.state.processes()] == ["here:/data"]


async def test_the_running_beat_reports_what_it_finds(postgres_url: str) -> None:
    clock = Clock()
    process(postgres_url, "other", ["bbbbbbbbbbbb"], clock).beat()
    found: asyncio.Queue[str | None] = asyncio.Queue()
    beating = asyncio.create_task(
        keep_agreeing(process(postgres_url, "ours", ["aaaaaaaaaaaa"], clock), found.put_nowait)
    )
    try:
        finding = await asyncio.wait_for(found.get(), 10)
    finally:
        beating.cancel()
    assert finding == "differs from other processes (signature aaaaaaaaaaaa vs bbbbbbbbbbbb)"


def test_a_restarted_process_replaces_its_own_record(postgres_url: str, tmp_path: Path) -> None:
    clock = Clock()
    before = ContentAgreement(PostgresStateStore(postgres_url), lambda: "aaaaaaaaaaaa", clock, process_id(tmp_path))
    before.beat()
    clock.now += timedelta(minutes=1)
    after = ContentAgreement(PostgresStateStore(postgres_url), lambda: "bbbbbbbbbbbb", clock, process_id(tmp_path))
    assert after.beat() is None  # not its earlier self on the old content
    assert [record["content"] for record in after.state.processes()] == ["bbbbbbbbbbbb"]


def test_the_content_hash_is_the_files_bytes_not_their_place_or_time(
    bundled: Briefing, content_dir: Path, tmp_path: Path
) -> None:
    copy = Briefing.load(content_dir, tmp_path / "data", WARSAW)
    assert copy.content_dir != BUNDLED_CONTENT and copy.signature != bundled.signature
    assert copy.content_hash() == bundled.content_hash() and len(bundled.content_hash()) == 12
    article = sorted((content_dir / "articles").glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\nJeszcze jedno zdanie.\n", encoding="utf-8")
    assert copy.reload()
    assert copy.content_hash() != bundled.content_hash()
