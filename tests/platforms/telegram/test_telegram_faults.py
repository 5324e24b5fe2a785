"""Faults on the Bot API during commands and digests: 429 with retry_after, 5xx, slow answers (the
client times out), connections closed without an answer, and 403.

What must hold: a fault in one chat holds up no other chat; a command's reply that can succeed
later (429, 5xx, timeouts, resets) is retried; a digest is retried only when it certainly did not
get through (429, 5xx, a refused connection), never when the request went out unanswered (a
timeout, a reset, an answer that came late: it may have been posted, and is recorded as
interrupted); what cannot succeed (403, chat not found) is not retried, and is recorded; and once
the faults clear, every reachable chat has had each day's digest at most once, and exactly once
unless an unanswered send interrupted it, as the state file says after a restart.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.briefings.service import Briefing
from bot.digests.compose import PAUSE_AFTER, Subscription, Target
from bot.digests.delivery import Digests
from bot.digests.scheduler import DigestScheduler
from bot.digests.state import StateStore
from bot.platforms.telegram.adapter import TelegramAdapter
from tests.platforms.telegram.fake_telegram import ApiError, FakeBotApi, Fault, Late, Reset, Slow
from tests.platforms.telegram.test_telegram import ALA, GROUP, OLA, OTHER_PRIVATE, PRIVATE, TOKEN, ask, visible

WARSAW = ZoneInfo("Europe/Warsaw")
#: Short enough to keep the suite quick, long enough for a loaded machine to answer in time.
READ_TIMEOUT = 0.3


def flood(seconds: float = 1) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {seconds:g}", retry_after=seconds)


def server_error(code: int) -> ApiError:
    return ApiError(
        code,
        {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}[code],
    )


BLOCKED = ApiError(403, "Forbidden: bot was blocked by the user")
KICKED = ApiError(403, "Forbidden: bot was kicked from the supergroup chat")
GONE = ApiError(400, "Bad Request: chat not found")


def adapter_for(
    briefing: Briefing, state: StateStore, api: FakeBotApi, digests: Digests | None = None, **options: object
) -> TelegramAdapter:
    settings: dict[str, object] = {"read_timeout": READ_TIMEOUT, "retry_delay": 0.02, **options}
    return TelegramAdapter(briefing, state, TOKEN, api.base_url, digests=digests, **settings)  # type: ignore[arg-type]


def calls_to(api: FakeBotApi, chat: int, method: str = "sendMessage") -> int:
    return sum(1 for call in api.sent(method) if call.get("chat_id") == chat)


async def idle(adapter: TelegramAdapter, timeout: float = 15) -> None:
    """Until the bot has finished handling every update it has taken (retries included)."""

    async def drained() -> None:
        while adapter.application.update_processor.current_concurrent_updates:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(drained(), timeout)


# --- commands ------------------------------------------------------------------------------------

COMMAND_FAULTS = {
    "429": [flood(1)],
    "5xx": [server_error(502), server_error(500)],
    "timeout": [Slow(1.0)],
    "reset": [Reset(), Reset()],
    "all-at-once": [flood(1), Slow(1.0), server_error(503)],
    "403": [BLOCKED],
}


@pytest.mark.parametrize("kind", list(COMMAND_FAULTS))
def test_a_fault_in_one_chat_holds_up_no_other(bundled: Briefing, tmp_path: Path, kind: str) -> None:
    """Ala's reply meets the fault; Ola, asking just after, is answered first. Ala's reply is then
    delivered exactly once, or, blocked, tried once and never again."""
    faults = COMMAND_FAULTS[kind]

    async def main() -> None:
        async with FakeBotApi(TOKEN) as api:
            api.chat_failures[PRIVATE["id"]] = list(faults)
            # A backoff long enough that the retried reply comes well after Ola's.
            adapter = adapter_for(bundled, StateStore(tmp_path), api, retry_delay=0.5)
            await adapter.start(poll_timeout=1)
            try:
                api.user_message("/csto", PRIVATE, ALA)
                await api.wait_until(lambda: calls_to(api, PRIVATE["id"]) >= 1)  # the first fault is answered
                other = await ask(api, "/onthisday 01-06", chat=OTHER_PRIVATE, user=OLA)
                assert visible(other).startswith("Tego dnia")
                assert api.received()[PRIVATE["id"]] == 0  # Ala's reply is still on its way
                await idle(adapter)
                if kind == "403":
                    assert calls_to(api, PRIVATE["id"]) == 1  # a blocked chat is not asked again
                    return
                assert calls_to(api, PRIVATE["id"]) == len(faults) + 1  # one call per fault, then it got through
                assert api.received()[PRIVATE["id"]] == 1
                assert [m["text"].startswith("ODKB") for (c, _), m in api.messages.items() if c == PRIVATE["id"]] == [
                    True
                ]
            finally:
                await adapter.stop()

    asyncio.run(main())


def test_polling_and_admin_checks_ride_out_faults(bundled: Briefing, tmp_path: Path) -> None:
    """getUpdates and getChatMember meet faults too: polling goes on, an admin check is retried
    (a passing fault must not refuse an admin), and a 403 on it refuses without retrying."""

    async def main() -> None:
        async with FakeBotApi(TOKEN) as api:
            api.admins[GROUP["id"]] = {ALA["id"], OLA["id"]}
            state = StateStore(tmp_path)
            digests = Digests(bundled, state, "Europe/Warsaw", lambda: datetime(2027, 1, 6, 7, tzinfo=WARSAW))
            adapter = adapter_for(bundled, state, api, digests)
            await adapter.start(poll_timeout=1)
            try:
                api.failures["getUpdates"] = [server_error(502), Reset()]
                assert visible(await ask(api, "/start")).startswith("Cześć")
                assert not api.failures["getUpdates"]  # both were answered, and polling went on

                api.failures["getChatMember"] = [Reset(), server_error(503), Slow(1.0)]
                accepted = await ask(api, "/digest on 08:00", chat=GROUP, user=ALA)
                assert "Włączono codzienny przegląd" in visible(accepted)
                assert len(api.sent("getChatMember")) == 4

                api.failures["getChatMember"] = [ApiError(403, "Forbidden: bot is not a member of the supergroup chat")]
                refused = await ask(api, "/digest off", chat=GROUP, user=OLA)
                assert "tylko administratorzy" in visible(refused)
                assert len(api.sent("getChatMember")) == 5  # asked once, not again
                assert [s.target for s in state.subscriptions()] == [Target("telegram", str(GROUP["id"]))]
            finally:
                await adapter.stop()

    asyncio.run(main())


# --- digests -------------------------------------------------------------------------------------

TRANSIENT: list[Fault] = [flood(0.2), server_error(500), server_error(502), server_error(503), server_error(504)]
#: The request went out and no answer came in time: dropped, carried out and answered late, or cut off.
UNANSWERED: list[Fault] = [Slow(2 * READ_TIMEOUT), Late(2 * READ_TIMEOUT), Reset()]
PERMANENT: list[Fault] = [BLOCKED, KICKED, GONE]
SEED = 20270106
DAYS = 4
CHATS = 100


def schedule(rng: random.Random, chats: list[int], unreachable: set[int]) -> dict[int, list[Fault]]:
    """Each reachable chat: up to six passing faults before its digest gets through (more than
    one send's retries, so some wait for the scheduler's retry), and for one in six, an unanswered
    send after them; each unreachable chat: refused."""
    plan: dict[int, list[Fault]] = {}
    for chat in chats:
        if chat in unreachable:
            plan[chat] = [rng.choice(PERMANENT)] * 50
        else:
            plan[chat] = [rng.choice(TRANSIENT) for _ in range(rng.choice([0, 0, 1, 2, 3, 4, 6]))]
            if rng.random() < 1 / 6:
                plan[chat].append(rng.choice(UNANSWERED))
    return plan


def unanswered(faults: list[Fault]) -> Fault | None:
    """The fault that ends a chat's plan when its last send goes out unanswered."""
    return faults[-1] if faults and isinstance(faults[-1], (Slow, Late, Reset)) else None


def test_random_faults_over_many_digests_lose_none_and_repeat_none(bundled: Briefing, tmp_path: Path) -> None:
    """Four days of a 09:00 fan-out to 40 chats (channels, groups, forum topics, private chats) under
    a seeded random fault schedule, with a restart in the middle of each day."""
    rng = random.Random(SEED)
    channels = [-1001000000 - n for n in range(CHATS // 2)]
    privates = [7000 + n for n in range(CHATS // 2)]
    chats = channels + privates
    unreachable = set(rng.sample(chats, CHATS // 10))
    topic = {chat: "3" for chat in channels[:4]}  # forum topics: the thread goes with each send
    targets = {chat: Target("telegram", str(chat), topic.get(chat)) for chat in chats}
    tally: Counter[str] = Counter()
    rounds_per_day: list[int] = []
    interrupted: set[tuple[int, date]] = set()

    async def one_day(day: date) -> None:
        moment = datetime.combine(day, datetime.min.time(), WARSAW).replace(hour=9)
        async with FakeBotApi(TOKEN) as api:
            plan = schedule(rng, chats, unreachable)
            api.chat_failures = {chat: list(faults) for chat, faults in plan.items()}
            tally.update(
                type(f).__name__ if not isinstance(f, ApiError) else str(f.code)
                for chat, faults in plan.items()
                if chat not in unreachable
                for f in faults
            )

            def bot(state: StateStore, clock_moment: datetime) -> tuple[Digests, TelegramAdapter, DigestScheduler]:
                digests = Digests(bundled, state, "Europe/Warsaw", lambda: clock_moment)
                # max_rate 0: pacing is not under test here, and would make this suite slow.
                adapter = adapter_for(bundled, state, api, digests, max_retries=1, max_rate=0)
                return digests, adapter, DigestScheduler(digests, adapter.deliver)

            digests, adapter, scheduler = bot(StateStore(tmp_path), moment)
            if day == FIRST:
                # "nearest": a day without anniversaries still has a digest to send.
                digests.state.put_subscriptions([Subscription(targets[chat], empty="nearest") for chat in chats])
            await adapter.application.initialize()
            try:
                outcomes = await scheduler.fire("09:00", "Europe/Warsaw")
            finally:
                await adapter.application.shutdown()
            first = Counter(o.state for o in outcomes)
            assert first["failed"] == len(unreachable - paused_before(day))
            pending = {o.target for o in outcomes if o.state == "retry"}

            # A restart: today's passing failures are caught up on at start-up ...
            digests, adapter, scheduler = bot(StateStore(tmp_path), moment + timedelta(minutes=3))
            await adapter.application.initialize()
            rounds = 1
            try:
                outcomes = await scheduler.start()
                scheduler.shutdown()  # no wall-clock job: the retries below are fired by hand
                assert {o.target for o in outcomes} == pending and pending  # exactly those, and some
                assert all(o.state in ("sent", "retry", "interrupted") for o in outcomes)
                # ... and the rest by the scheduler's retries, until none is left.
                while any(o.state == "retry" for o in outcomes):
                    rounds += 1
                    assert rounds <= 8, "faults that clear must not need more rounds than they are long"
                    outcomes = await scheduler.retry()
                # A double trigger of the slot sends nothing more.
                calls = len(api.sent())
                assert {o.state for o in await scheduler.fire("09:00", "Europe/Warsaw")} <= {"skipped"}
                assert len(api.sent()) == calls
            finally:
                await adapter.application.shutdown()
            rounds_per_day.append(rounds)

            received = api.received()
            for chat in chats:
                if chat in unreachable:
                    assert received[chat] == 0
                    expected = 0 if chat in paused_before(day) else 1
                    assert calls_to(api, chat) == expected, chat  # refused once, never retried
                elif unanswered(plan[chat]):  # sent once and never again; posted only if answered late
                    assert received[chat] == isinstance(unanswered(plan[chat]), Late), (chat, plan[chat])
                    assert calls_to(api, chat) == len(plan[chat]), (chat, plan[chat])
                    interrupted.add((chat, day))
                else:
                    assert received[chat] == 1, (chat, plan[chat])
                    assert calls_to(api, chat) == len(plan[chat]) + 1, (chat, plan[chat])
            threads = {c["chat_id"]: c.get("message_thread_id") for c in api.sent()}
            assert all(threads[chat] == 3 for chat in topic if chat in threads)

        # What the state file says, read afresh as after a restart.
        state = StateStore(tmp_path)
        for chat in chats:
            key, subscription = targets[chat].key, state.subscription(targets[chat].key)
            assert subscription is not None
            record = state.delivery(key, day)
            if chat in unreachable:
                if chat in paused_before(day):
                    assert record is None and subscription.paused
                    continue
                assert record is not None and record["state"] == "failed"
                assert any(why in record["detail"].lower() for why in ("blocked", "kicked", "chat not found"))
                days = (day - FIRST).days + 1
                assert subscription.failures == days and subscription.paused == (days >= PAUSE_AFTER)
            elif (chat, day) in interrupted:
                assert record is not None and record["state"] == "interrupted", (chat, record)
                assert record["detail"] == "no answer in time"
            else:
                assert record is not None and record["state"] == "sent", (chat, record)
                assert subscription.failures == 0 and not subscription.paused

    def paused_before(day: date) -> set[int]:
        return unreachable if (day - FIRST).days >= PAUSE_AFTER else set()

    FIRST = date(2027, 1, 6)

    async def main() -> None:
        for offset in range(DAYS):
            await one_day(FIRST + timedelta(days=offset))

    asyncio.run(main())
    state = StateStore(tmp_path)
    sent = [r for r in state.deliveries() if r["state"] == "sent"]
    assert len(sent) == (CHATS - len(unreachable)) * DAYS - len(interrupted)
    assert interrupted  # the seed gives some
    assert not [r for r in state.deliveries() if r["state"] in ("retry", "claimed")]
    print(
        f"\n{DAYS} days x {CHATS} chats ({len(unreachable)} unreachable): {len(sent)} digests sent once each, "
        f"{len(interrupted)} interrupted by an unanswered send, passing faults {dict(tally)}, "
        f"rounds a day {rounds_per_day}"
    )


def test_a_revoked_token_keeps_the_digest_for_later(bundled: Briefing, tmp_path: Path) -> None:
    """A 401 (the token was revoked) is the bot's trouble, not the chat's: the digest stays due for a
    retry, the chat is not counted as failing, and it goes out once the server takes the token."""
    moment = datetime(2027, 1, 6, 9, 0, tzinfo=WARSAW)
    target = Target("telegram", str(PRIVATE["id"]))

    async def main() -> tuple[list[str], list[str]]:
        async with FakeBotApi(TOKEN) as api:
            state = StateStore(tmp_path)
            state.put_subscriptions([Subscription(target, empty="nearest")])
            digests = Digests(bundled, state, "Europe/Warsaw", lambda: moment)
            adapter = adapter_for(bundled, state, api, digests, max_rate=0)
            scheduler = DigestScheduler(digests, adapter.deliver)
            api.failures["sendMessage"] = [ApiError(401, "Unauthorized")]
            await adapter.application.initialize()
            try:
                first = [o.state for o in await scheduler.fire("09:00", "Europe/Warsaw")]
                subscription = state.subscription(target.key)
                assert subscription is not None and subscription.failures == 0
                then = [o.state for o in await scheduler.retry()]
            finally:
                await adapter.application.shutdown()
            assert api.received()[PRIVATE["id"]] == 1
            return first, then

    assert asyncio.run(main()) == (["retry"], ["sent"])


OLD_GROUP, SUPERGROUP_ID = -4321, -1004321


def migration(bundled: Briefing, tmp_path: Path, setup: Callable[[StateStore], None]) -> tuple[list, list, Counter]:
    """Fire the 09:00 slot twice with OLD_GROUP upgraded to SUPERGROUP_ID on the fake Bot API."""
    moment = datetime(2027, 1, 6, 9, 0, tzinfo=WARSAW)

    async def main() -> tuple[list, list, Counter]:
        async with FakeBotApi(TOKEN) as api:
            api.migrated[OLD_GROUP] = SUPERGROUP_ID
            state = StateStore(tmp_path)
            setup(state)
            digests = Digests(bundled, state, "Europe/Warsaw", lambda: moment)
            adapter = adapter_for(bundled, state, api, digests, max_rate=0)
            scheduler = DigestScheduler(digests, adapter.deliver)
            await adapter.application.initialize()
            try:
                first = [(o.target.chat, o.state) for o in await scheduler.fire("09:00", "Europe/Warsaw")]
                again = [(o.target.chat, o.state) for o in await scheduler.fire("09:00", "Europe/Warsaw")]
            finally:
                await adapter.application.shutdown()
            return first, again, api.received()

    return asyncio.run(main())


def test_a_group_upgraded_to_a_supergroup_keeps_its_digest(bundled: Briefing, tmp_path: Path) -> None:
    """Telegram answers a basic group's old id with "upgraded to a supergroup" and the new id: the
    subscription and the chat's language move there, and the digest goes there, once."""

    def setup(state: StateStore) -> None:
        state.put_subscriptions(
            [Subscription(Target("telegram", str(OLD_GROUP)), "09:00", empty="nearest", topics=("csto",))]
        )
        state.set_language("telegram", OLD_GROUP, "en")

    first, again, received = migration(bundled, tmp_path, setup)
    assert first == [(str(SUPERGROUP_ID), "sent")]
    assert again == [(str(SUPERGROUP_ID), "skipped")]
    assert received == {SUPERGROUP_ID: 1}
    state = StateStore(tmp_path)  # as a restart finds it
    new, old = Target("telegram", str(SUPERGROUP_ID)), Target("telegram", str(OLD_GROUP))
    assert state.subscription(old.key) is None
    moved = state.subscription(new.key)
    assert moved is not None and moved.topics == ("csto",) and moved.time == "09:00"
    assert state.language("telegram", SUPERGROUP_ID) == "en"
    record = state.delivery(new.key, date(2027, 1, 6))
    assert record is not None and record["state"] == "sent"


def test_an_upgraded_group_with_a_digest_of_its_own_gets_one_digest(bundled: Briefing, tmp_path: Path) -> None:
    """The new id already has a subscription, whose digest went out today: it stands, the old one
    goes, and nothing more is sent."""

    def setup(state: StateStore) -> None:
        new = Subscription(Target("telegram", str(SUPERGROUP_ID)), "08:00", topics=("csto",))
        state.put_subscriptions([Subscription(Target("telegram", str(OLD_GROUP)), "09:00", empty="nearest"), new])
        state.record_deliveries(
            [
                {
                    "key": new.target.key,
                    "date": "2027-01-06",
                    "state": "sent",
                    "detail": "",
                    "at": "2027-01-06T07:00:00+00:00",
                }
            ]
        )

    first, again, received = migration(bundled, tmp_path, setup)
    assert first == [(str(SUPERGROUP_ID), "skipped")]
    assert again == []
    assert not received
    state = StateStore(tmp_path)
    assert [s.target.chat for s in state.subscriptions()] == [str(SUPERGROUP_ID)]
    assert state.subscriptions()[0].time == "08:00"


def test_a_send_that_went_out_unanswered_is_never_sent_again(bundled: Briefing, tmp_path: Path) -> None:
    """A server that posts the message and answers after the client's timeout, one that drops the
    call, one that cuts the connection: from the bot's side all three went out without an answer,
    so each digest is sent once, recorded as interrupted, and neither the adapter's retries, the
    scheduler's nor a restart send it again. A refused connection or a 5xx is still retried."""
    moment = datetime(2027, 1, 6, 9, 0, tzinfo=WARSAW)
    late, dropped, cut, refused = 7001, 7002, 7003, 7004
    faults: dict[int, list[Fault]] = {
        late: [Late(2 * READ_TIMEOUT)],
        dropped: [Slow(2 * READ_TIMEOUT)],
        cut: [Reset()],
        refused: [server_error(503)] * 5,
    }

    async def main() -> tuple[dict[int, str], Counter[int], dict[int, int]]:
        async with FakeBotApi(TOKEN) as api:
            api.chat_failures = {chat: list(queued) for chat, queued in faults.items()}
            state = StateStore(tmp_path)
            state.put_subscriptions([Subscription(Target("telegram", str(chat)), empty="nearest") for chat in faults])
            for clock in (moment, moment + timedelta(minutes=5)):  # a run, then a restart
                digests = Digests(bundled, StateStore(tmp_path), "Europe/Warsaw", lambda clock=clock: clock)
                adapter = adapter_for(bundled, digests.state, api, digests, max_retries=3, max_rate=0)
                scheduler = DigestScheduler(digests, adapter.deliver)
                await adapter.application.initialize()
                try:
                    if clock == moment:
                        await scheduler.fire("09:00", "Europe/Warsaw")
                    else:
                        await scheduler.start()
                        scheduler.shutdown()
                    await scheduler.retry()
                finally:
                    await adapter.application.shutdown()
            states = {
                chat: StateStore(tmp_path).delivery(f"telegram:{chat}:", date(2027, 1, 6))["state"]  # type: ignore[index]
                for chat in faults
            }
            return states, api.received(), {chat: calls_to(api, chat) for chat in faults}

    states, received, calls = asyncio.run(main())
    assert states == {late: "interrupted", dropped: "interrupted", cut: "interrupted", refused: "sent"}
    assert calls == {late: 1, dropped: 1, cut: 1, refused: 6}
    assert (received[late], received[dropped], received[cut], received[refused]) == (1, 0, 0, 1)
