"""Several processes on one PostgreSQL store: the leader's election, the claims of a session that
is gone, the mark before a send, and the sweeps that share a fan-out. Each "process" here is a
store or an election of its own, with its own database sessions."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import psycopg
import pytest

from bot.base.errors import StoreError
from bot.briefings.service import Briefing
from bot.digests.compose import Subscription, Target
from bot.digests.delivery import Digests
from bot.digests.leader import Leadership
from bot.digests.scheduler import DigestScheduler
from bot.digests.state_postgres import PostgresStateStore
from tests.digests.test_digests import Clock, Recorder

WARSAW = ZoneInfo("Europe/Warsaw")
DAY = date(2027, 1, 6)


def claim(chat: int, state: str = "claimed") -> dict[str, str]:
    return {"key": f"telegram:{chat}:", "date": DAY.isoformat(), "state": state, "detail": "", "at": ""}


def end_session_of(url: str, chat: int) -> None:
    """End the database session that owns a chat's claim, and wait until it is gone."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(split_part(owner, '@', 1)::int, 5000) FROM delivery WHERE key = %s",
            (f"telegram:{chat}:",),
        )


def began(store: PostgresStateStore, key: str) -> bool:
    """Whether the store marked its claim of ``key`` "sending"."""
    return store.begin_sends([(key, DAY)]) == {(key, DAY.isoformat())}


def states(store: PostgresStateStore) -> dict[str, str]:
    return {r["key"]: r["state"] for r in store.deliveries()}


def test_the_claims_of_a_session_that_is_gone_are_reopened_or_interrupted(postgres_url: str) -> None:
    dead, alive = PostgresStateStore(postgres_url), PostgresStateStore(postgres_url)
    assert len(dead.claim_deliveries([claim(1), claim(2)])) == 2
    assert began(dead, "telegram:2:")  # its send began
    alive.claim_deliveries([claim(3)])
    end_session_of(postgres_url, 1)  # the dead one's only session
    assert alive.settle_orphans("2027-01-06T09:00:00+00:00") == 1
    # Not begun: open again, for any process; begun: may have arrived, never sent again.
    assert states(alive) == {"telegram:2:": "interrupted", "telegram:3:": "claimed"}
    assert [r["key"] for r in alive.claim_deliveries([claim(1), claim(2), claim(3)])] == ["telegram:1:"]


def test_a_claim_taken_over_is_not_marked_but_ones_own_is_after_a_reconnect(postgres_url: str) -> None:
    slow, other = PostgresStateStore(postgres_url), PostgresStateStore(postgres_url)
    slow.claim_deliveries([claim(1), claim(2)])
    end_session_of(postgres_url, 1)  # its connection is lost: the call that finds out fails ...
    with pytest.raises(StoreError):
        began(slow, "telegram:2:")
    assert began(slow, "telegram:2:")  # ... the next reconnects: the claim is still its own
    other.settle_orphans("2027-01-06T09:00:00+00:00")  # chat 1's session is gone: open again
    other.claim_deliveries([claim(1)])
    assert not began(slow, "telegram:1:")  # taken over: not to be sent from here
    slow.record_deliveries([claim(1, "retry"), claim(2, "sent")])  # a stale outcome for chat 1 ...
    assert states(other) == {"telegram:1:": "claimed", "telegram:2:": "sent"}  # ... leaves the other's claim
    assert began(other, "telegram:1:")


def test_one_leader_at_a_time_and_another_takes_over_when_its_session_ends(postgres_url: str) -> None:
    async def main() -> None:
        changes: list[str] = []

        def election(name: str) -> Leadership:
            async def lead() -> None:
                changes.append(f"{name} leads")

            return Leadership(postgres_url, lead, lambda: changes.append(f"{name} follows"), every=0.2)

        first, second = election("first"), election("second")
        running = [asyncio.create_task(first.run())]
        while not first.leading:
            await asyncio.sleep(0.01)
        running.append(asyncio.create_task(second.run()))
        await asyncio.sleep(0.6)  # three tries of the second
        assert (first.leading, second.leading) == (True, False)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            )
        for _ in range(300):
            if second.leading:
                break
            await asyncio.sleep(0.01)
        assert (first.leading, second.leading) == (False, True)
        assert changes == ["first leads", "first follows", "second leads"]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        assert changes[-1] == "second follows"  # a stop lets go

    asyncio.run(main())


def test_a_follower_fires_nothing_and_sweeps_what_no_process_claimed(bundled: Briefing, postgres_url: str) -> None:
    clock = Clock(datetime(2027, 1, 6, 9, 30, tzinfo=WARSAW))
    store = PostgresStateStore(postgres_url)
    store.put_subscriptions([Subscription(Target("telegram", str(-n))) for n in range(1, 7)])
    other = PostgresStateStore(postgres_url)  # another process: it has two of them under way
    other.claim_deliveries([claim(-1), claim(-2)])
    stamp = (clock() - timedelta(minutes=10)).isoformat()
    other.record_deliveries([{**claim(-3, "retry"), "at": stamp}])  # failed in passing, 10 minutes ago
    send = Recorder()
    digests = Digests(bundled, store, "Europe/Warsaw", clock)
    scheduler = DigestScheduler(digests, send, leading=False)

    async def main() -> None:
        await scheduler.start()
        try:
            assert scheduler.scheduler.get_jobs() == []
            assert await scheduler.fire("09:00", "Europe/Warsaw") == []
            await scheduler.sweep()
            assert sorted(target.chat for target, _ in send.sent) == ["-3", "-4", "-5", "-6"]
            assert await scheduler.sweep() == []  # nothing left that is not claimed
            await scheduler.lead()
            assert [job.id for job in scheduler.scheduler.get_jobs()] == ["09:00|Europe/Warsaw"]
            scheduler.follow()
            assert scheduler.scheduler.get_jobs() == []
        finally:
            scheduler.shutdown()

    asyncio.run(main())
    assert states(store) == {
        "telegram:-1:": "claimed",
        "telegram:-2:": "claimed",
        **{f"telegram:{-n}:": "sent" for n in range(3, 7)},
    }


def test_processes_of_other_database_roles_see_each_others_claims_alive(postgres_url: str) -> None:
    """Without pg_read_all_stats a role does not see when another role's sessions started: a
    live process's claims must not be taken for orphans all the same."""
    PostgresStateStore(postgres_url)  # the tables, as the owner
    database = urlsplit(postgres_url).path.strip("/")
    names = [f"{database}_a", f"{database}_b"]
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        for name in names:
            connection.execute(f"CREATE ROLE {name} LOGIN")
            connection.execute(f"GRANT ALL ON SCHEMA public TO {name}")
            connection.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {name}")
    first, second = (PostgresStateStore(postgres_url.replace("postgres@", f"{name}@", 1)) for name in names)
    first.claim_deliveries([claim(1), claim(2)])
    assert began(first, "telegram:2:")
    assert second.settle_orphans("2027-01-06T09:00:00+00:00") == 0
    assert states(second) == {"telegram:1:": "claimed", "telegram:2:": "sending"}
    first.close()  # its process ends
    with psycopg.connect(postgres_url, autocommit=True) as connection:  # wait until the server knows
        connection.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = %s", (names[0],)
        )
    assert second.settle_orphans("2027-01-06T09:00:00+00:00") == 1
    assert states(second) == {"telegram:2:": "interrupted"}


def test_a_database_of_the_previous_version_gets_the_claims_owner(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE delivery (key text NOT NULL, day date NOT NULL, state text NOT NULL, "
            "detail text NOT NULL DEFAULT '', at text NOT NULL DEFAULT '', PRIMARY KEY (key, day))"
        )
        connection.execute("INSERT INTO delivery VALUES ('telegram:1:', %s, 'claimed', '', '')", (DAY,))
    store = PostgresStateStore(postgres_url)
    # A claim of before has no owner: its send may have begun, so it is interrupted, not sent again.
    assert store.settle_orphans("2027-01-06T09:00:00+00:00") == 1
    assert [r["key"] for r in store.claim_deliveries([claim(1), claim(2)])] == ["telegram:2:"]
    assert began(store, "telegram:2:")
