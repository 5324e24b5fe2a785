"""The state store's contract, run on both implementations: TinyDB on a file in a temporary
folder, and PostgreSQL on a real server started for the session (a fresh database per test)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from bot.base.errors import StoreError
from bot.briefings.cards import Card
from bot.briefings.service import Briefing
from bot.cli import main
from bot.digests.compose import Subscription, Target
from bot.digests.delivery import Digests, Outcome
from bot.digests.open_state import open_state_store
from bot.digests.state_postgres import PostgresStateStore
from bot.digests.state_store import StateStore

Opener = Callable[[], StateStore]


@pytest.fixture(params=["tinydb", "postgresql"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """Opens the store again on the same storage each time it is called: a second process, or a restart."""
    if request.param == "tinydb":
        return lambda: open_state_store(None, tmp_path)
    url = request.getfixturevalue("postgres_url")
    return lambda: open_state_store(url, tmp_path)


def _record(chat: int, day: str, state: str, detail: str = "") -> dict[str, str]:
    return {"key": f"telegram:{chat}:", "date": day, "state": state, "detail": detail, "at": f"{day}T08:00:00+00:00"}


def _subscription(chat: int, time: str = "09:00") -> Subscription:
    return Subscription(Target("telegram", str(chat)), time, "Europe/Warsaw", topics=("csto",), language="en")


def test_chat_languages_survive_a_restart(opener: Opener) -> None:
    store = opener()
    assert store.language("telegram", 42) is None
    store.set_language("telegram", 42, "en")
    store.set_language("telegram", 42, "ru")
    store.set_language("discord", "42", "en")
    again = opener()
    assert again.language("telegram", "42") == "ru"
    assert again.language("discord", 42) == "en"
    assert again.languages() == {("telegram", "42"): "ru", ("discord", "42"): "en"}


def test_subscriptions_are_put_replaced_and_removed(opener: Opener) -> None:
    store = opener()
    store.put_subscriptions([_subscription(1), _subscription(2)])
    store.put_subscriptions([_subscription(1, "07:30")])
    assert store.remove_subscription(_subscription(2).target.key)
    assert not store.remove_subscription(_subscription(2).target.key)
    again = opener()
    assert again.subscriptions() == [_subscription(1, "07:30")]
    assert again.subscription(_subscription(1).target.key) == _subscription(1, "07:30")
    assert again.subscription(_subscription(2).target.key) is None
    assert again.problems == []


def test_feeds_keep_the_order_they_were_added_in(opener: Opener) -> None:
    store = opener()
    for url in ("https://b.example/rss", "https://a.example/rss", "https://c.example/rss"):
        store.put_feed({"url": url, "topics": ["csto"], "failures": 0})
    store.put_feed({"url": "https://b.example/rss", "topics": [], "failures": 2, "etag": 'W/"1"'})
    assert store.remove_feed("https://c.example/rss")
    assert not store.remove_feed("https://c.example/rss")
    again = opener()
    assert [feed["url"] for feed in again.feeds()] == ["https://b.example/rss", "https://a.example/rss"]
    assert again.feed("https://b.example/rss") == {
        "url": "https://b.example/rss",
        "topics": [],
        "failures": 2,
        "etag": 'W/"1"',
    }
    assert again.feed("https://c.example/rss") is None


def test_delivery_records_latest_and_pruning(opener: Opener) -> None:
    store = opener()
    store.record_deliveries([_record(1, "2027-01-01", "sent"), _record(2, "2027-01-01", "sent")])
    store.record_deliveries([_record(1, "2027-01-05", "claimed")])
    store.record_deliveries([_record(1, "2027-01-05", "failed", "403: blocked")])
    again = opener()
    assert again.delivery("telegram:1:", date(2027, 1, 5)) == _record(1, "2027-01-05", "failed", "403: blocked")
    assert again.delivery("telegram:1:", date(2027, 1, 4)) is None
    assert again.last_delivery("telegram:1:") == _record(1, "2027-01-05", "failed", "403: blocked")
    assert again.last_delivery("telegram:3:") is None
    # Chat 1's record of 1 January goes; chat 2's is its latest, kept for its status.
    assert again.prune_deliveries(date(2027, 1, 4)) == 1
    assert sorted((r["key"], r["date"]) for r in opener().deliveries()) == [
        ("telegram:1:", "2027-01-05"),
        ("telegram:2:", "2027-01-01"),
    ]


def test_batch_reads_answer_as_the_single_ones_do(opener: Opener) -> None:
    store = opener()
    store.put_subscriptions([_subscription(1), _subscription(2, "07:30")])
    store.record_deliveries(
        [
            _record(1, "2027-01-05", "sent"),
            _record(1, "2027-01-06", "retry", "429"),
            _record(2, "2027-01-04", "claimed"),
            _record(3, "2027-01-06", "claimed"),
        ]
    )
    again = opener()
    wanted = [("telegram:1:", date(2027, 1, 6)), ("telegram:2:", date(2027, 1, 6)), ("telegram:1:", date(2027, 1, 5))]
    assert again.deliveries_of(wanted + wanted[:1]) == {
        ("telegram:1:", "2027-01-06"): _record(1, "2027-01-06", "retry", "429"),
        ("telegram:1:", "2027-01-05"): _record(1, "2027-01-05", "sent"),
    }
    assert again.deliveries_of([]) == {}
    keys = ["telegram:1:", "telegram:2:", "telegram:4:"]
    assert again.last_deliveries(keys) == {
        "telegram:1:": _record(1, "2027-01-06", "retry", "429"),
        "telegram:2:": _record(2, "2027-01-04", "claimed"),
    }
    assert again.subscriptions_of(keys) == {
        "telegram:1:": _subscription(1),
        "telegram:2:": _subscription(2, "07:30"),
    }
    assert sorted(r["key"] for r in again.deliveries("claimed")) == ["telegram:2:", "telegram:3:"]
    assert again.deliveries("retry") == [_record(1, "2027-01-06", "retry", "429")]


def test_process_records_are_kept_replaced_and_forgotten_after_a_day(opener: Opener) -> None:
    store = opener()
    first = {"id": "a:/data", "host": "a", "content": "aaaaaaaaaaaa", "seen": "2027-01-05T08:00:00+00:00"}
    second = {"id": "b:/data", "host": "b", "content": "bbbbbbbbbbbb", "seen": "2027-01-06T08:00:00+00:00"}
    store.put_process(first)
    store.put_process(second)
    store.put_process({**second, "content": "cccccccccccc"})
    assert sorted(opener().processes(), key=lambda r: r["id"]) == [first, {**second, "content": "cccccccccccc"}]
    store.put_process({**second, "seen": "2027-01-06T08:00:01+00:00"})  # more than a day after a's
    assert [record["id"] for record in opener().processes()] == ["b:/data"]


def test_a_claim_is_won_once_and_again_only_after_a_retry(opener: Opener) -> None:
    store = opener()
    store.record_deliveries([_record(2, "2027-01-06", "retry"), _record(3, "2027-01-06", "interrupted")])
    claims = [_record(chat, "2027-01-06", "claimed") for chat in (1, 2, 3, 1)]
    assert sorted(r["key"] for r in store.claim_deliveries(claims)) == ["telegram:1:", "telegram:2:"]
    assert opener().claim_deliveries(claims) == []
    assert store.delivery("telegram:3:", date(2027, 1, 6)) == _record(3, "2027-01-06", "interrupted")
    assert store.claim_deliveries([_record(1, "2027-01-07", "empty")]) == [_record(1, "2027-01-07", "empty")]


def test_a_transaction_that_raises_changes_nothing(opener: Opener) -> None:
    store = opener()
    store.set_language("telegram", 1, "en")
    with pytest.raises(RuntimeError), store.transaction():
        store.set_language("telegram", 1, "ru")
        store.put_subscriptions([_subscription(1)])
        with store.transaction():  # a nested one joins it, and goes with it
            store.claim_deliveries([_record(1, "2027-01-06", "claimed")])
        store.put_feed({"url": "https://a.example/rss"})
        raise RuntimeError("half-way")
    for view in (store, opener()):
        assert view.language("telegram", 1) == "en"
        assert view.subscriptions() == [] and view.feeds() == [] and view.deliveries() == []


def test_two_stores_claiming_the_same_500_chats_from_threads_claim_each_once(
    request: pytest.FixtureRequest, opener: Opener
) -> None:
    """Two processes' stores (two connections; TinyDB, one file for one process, shares one
    store between the threads) claim the same chats in batches at the same time."""
    first = opener()
    second = first if "tinydb" in request.node.callspec.id else opener()
    claims = [_record(chat, "2027-01-06", "claimed") for chat in range(500)]
    won: dict[str, list[str]] = {"first": [], "second": []}
    start = threading.Barrier(2)

    def claim(name: str, store: StateStore, order: list[dict[str, str]]) -> None:
        start.wait()
        for batch in range(0, len(order), 25):
            won[name] += [record["key"] for record in store.claim_deliveries(order[batch : batch + 25])]

    threads = [
        threading.Thread(target=claim, args=("first", first, claims)),
        threading.Thread(target=claim, args=("second", second, claims[::-1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(won["first"] + won["second"]) == sorted(record["key"] for record in claims)
    assert len(opener().deliveries()) == 500


# --- PostgreSQL only: connections -----------------------------------------------------------------


def test_an_unreachable_database_is_one_line_without_its_password(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as raised:
        PostgresStateStore("postgresql://bot:Sekret-Hasło-99@127.0.0.1:1/briefing", connect_timeout=2)
    message = str(raised.value)
    assert "\n" not in message and "Sekret" not in message
    assert message.startswith("postgresql://bot:***@127.0.0.1:1/briefing: ")


def test_a_lost_connection_fails_one_call_and_the_next_reconnects(postgres_url: str) -> None:
    store = PostgresStateStore(postgres_url)
    store.set_language("telegram", 1, "en")
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    try:
        store.set_language("telegram", 2, "ru")
    except StoreError as error:  # the call that finds the connection gone
        assert "\n" not in str(error)
    assert store.language("telegram", 1) == "en"
    store.set_language("telegram", 2, "ru")
    assert PostgresStateStore(postgres_url).language("telegram", 2) == "ru"


def test_a_bad_subscription_row_is_reported_and_kept(postgres_url: str) -> None:
    store = PostgresStateStore(postgres_url)
    store.put_subscriptions([_subscription(1)])
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(
            "INSERT INTO subscriptions VALUES ('telegram:2:', "
            """'{"key": "telegram:2:", "time": "25:99", "timezone": "Europe/Warsaw"}')"""
        )
    again = PostgresStateStore(postgres_url)
    assert again.subscriptions() == [_subscription(1)]
    assert len(again.problems) == 1 and "'telegram:2:'" in again.problems[0] and "HH:MM" in again.problems[0]
    with psycopg.connect(postgres_url) as admin:
        assert admin.execute("SELECT count(*) FROM subscriptions").fetchone() == (2,)


def test_two_processes_delivering_the_same_chats_send_each_digest_once(
    request: pytest.FixtureRequest, opener: Opener, bundled: Briefing
) -> None:
    """Two bots' fan-outs (each its own store, event loop and thread) over the same 500 chats."""
    moment = datetime(2027, 1, 6, 9, tzinfo=ZoneInfo("Europe/Warsaw"))
    first = opener()
    first.put_subscriptions(Subscription(Target("telegram", str(chat))) for chat in range(500))
    stores = [first, first if "tinydb" in request.node.callspec.id else opener()]
    sent: list[str] = []
    outcomes: list[Outcome] = []
    start = threading.Barrier(2)

    async def send(target: Target, card: Card) -> None:
        await asyncio.sleep(0)
        sent.append(target.key)

    def bot(store: StateStore) -> None:
        digests = Digests(bundled, store, "Europe/Warsaw", lambda: moment, claim_batch=16)
        items = digests.due_on(date(2027, 1, 6))
        start.wait()
        outcomes.extend(asyncio.run(digests.deliver(items, send)))

    threads = [threading.Thread(target=bot, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(sent) == sorted(f"telegram:{chat}:" for chat in range(500))
    assert Counter(outcome.state for outcome in outcomes) == {"sent": 500, "skipped": 500}
    assert Counter(record["state"] for record in opener().deliveries()) == {"sent": 500}


def test_the_command_line_on_an_unreachable_database_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRIEFING_STATE", "postgresql://bot:Haslo-Tajne-7@127.0.0.1:1/briefing")
    assert main(["digest", "list", "--data", str(tmp_path), "--content", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("briefing-bot: postgresql://bot:***@127.0.0.1:1/briefing: ")
    assert err.count("\n") == 1 and "Haslo" not in err and "Traceback" not in err


def test_digest_list_reads_the_database(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = PostgresStateStore(postgres_url)
    store.put_subscriptions([_subscription(5)])
    store.record_deliveries([_record(5, "2027-01-06", "sent")])
    monkeypatch.setenv("BRIEFING_STATE", postgres_url)
    assert main(["digest", "list", "--data", str(tmp_path), "--content", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "telegram:5:  09:00 Europe/Warsaw  empty=skip  topics=csto  last=2027-01-06 sent"
    ]
