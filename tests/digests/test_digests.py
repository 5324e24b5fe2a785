"""Digests: their content, the /digest commands, and delivery exactly once (time is injected)."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import signal
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.base.errors import BriefingError
from bot.briefings.cards import Card
from bot.briefings.service import Briefing
from bot.digests.compose import MAX_ITEMS, Subscription, Target, build_digest
from bot.digests.delivery import DeliveryFailed, Digests
from bot.digests.scheduler import trigger
from bot.digests.state import StateStore
from bot.extraction.facts import Fact
from bot.knowledge.indexes import Knowledge
from bot.language.dates import day
from tests.digests.stores import both_stores

WARSAW = ZoneInfo("Europe/Warsaw")
CHAT = Target("telegram", "-100123")
OTHER = Target("discord", "555", None)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


class Recorder:
    """A sender that records what it was asked to send, and can fail like a platform."""

    def __init__(self) -> None:
        self.sent: list[tuple[Target, Card]] = []
        self.fail: dict[str, DeliveryFailed] = {}

    async def __call__(self, target: Target, card: Card) -> None:
        await asyncio.sleep(0)  # let overlapping runs interleave
        if target.key in self.fail:
            raise self.fail[target.key]
        self.sent.append((target, card))


def digests_at(bundled: Briefing, data: Path, moment: datetime) -> tuple[Digests, Clock]:
    clock = Clock(moment)
    return Digests(bundled, StateStore(data), "Europe/Warsaw", clock), clock


def local(year: int, month: int, day_: int, hour: int, minute: int = 0, zone: ZoneInfo = WARSAW) -> datetime:
    return datetime(year, month, day_, hour, minute, tzinfo=zone)


# --- content ------------------------------------------------------------------------------------


def test_digest_of_6_january_with_sources_and_the_corrected_year(bundled: Briefing) -> None:
    card = build_digest(bundled.knowledge, date(2026, 1, 6), "pl")
    assert card is not None and card.title == "Tego dnia: 6 stycznia"
    # The contingent's arrival, and the arson in Almaty that the source misdates to 2021.
    assert [line.label for line in card.lines] == ["6 stycznia 2022 · 4 lata temu"] * 2
    assert any(line.text.endswith("(w źródle: 06.01.2021 r.)") for line in card.lines)
    assert all(line.sources for line in card.lines) and card.sources


def test_empty_day_policies(bundled: Briefing) -> None:
    today = date(2026, 11, 22)
    assert build_digest(bundled.knowledge, today, "pl", empty="skip") is None
    card = build_digest(bundled.knowledge, today, "pl", empty="nearest")
    assert card is not None
    # 23-30 November (8 days) + December (31) + 2 January = 41 days to the outbreak of the protests.
    assert card.body == "Dziś nie ma rocznic. Najbliższa: 2 stycznia (za 41 dni)."
    assert any(line.label == "2 stycznia 2022 · 5 lat temu" for line in card.lines)


def test_topics_filter(bundled: Briefing) -> None:
    assert build_digest(bundled.knowledge, date(2026, 1, 6), "pl", topics=("wojna",)) is None
    card = build_digest(bundled.knowledge, date(2026, 1, 6), "pl", topics=("csto",))
    # The contingent's arrival (NBC News) and the troops entering (Wolne Media's curated fact):
    # one event, reported by both.
    assert card is not None and [line.label for line in card.lines] == ["6 stycznia 2022 · 4 lata temu"]
    assert "kontyngent" in card.lines[0].text and len(card.lines[0].sources) == 2


def _fact(ident: str, when: date, topic: str = "t") -> Fact:
    return Fact(ident, day(when), f"Zdarzenie {ident}.", f"Zdarzenie {ident}.", "a", (topic,), "extracted", 1)


def test_29_february_is_remembered_on_28_february_in_common_years(bundled: Briefing) -> None:
    from dataclasses import replace

    knowledge = Knowledge.build(list(bundled.knowledge.articles.values())[:1], [], [])
    article = next(iter(knowledge.articles))
    knowledge = Knowledge.build(
        list(knowledge.articles.values()), [], [replace(_fact("leap", date(2020, 2, 29)), article=article)]
    )
    assert build_digest(knowledge, date(2023, 2, 28), "pl") is not None
    assert build_digest(knowledge, date(2024, 2, 28), "pl") is None
    card = build_digest(knowledge, date(2024, 2, 29), "en")
    assert card is not None and card.lines[0].label == "29 February 2020 · 4 years ago"


def test_at_most_a_handful_round_first_then_topics_mixed(bundled: Briefing) -> None:
    from dataclasses import replace

    article = next(iter(bundled.knowledge.articles))
    facts = [replace(_fact(f"a{n}", date(2011 + n, 3, 1), "a"), article=article) for n in range(4)] + [
        replace(_fact(f"b{n}", date(2012 + n, 3, 1), "b"), article=article) for n in range(4)
    ]
    knowledge = Knowledge.build(list(bundled.knowledge.articles.values()), [], facts)
    card = build_digest(knowledge, date(2026, 3, 1), "pl")
    assert card is not None and len(card.lines) == MAX_ITEMS
    ids = [line.text.removeprefix("Zdarzenie ").rstrip(".") for line in card.lines]  # the facts' own texts
    # Years back from 2026: a = 15 (round), 14, 13, 12; b = 14, 13, 12, 11. Only a0 is round.
    assert ids[0] == "a0"
    assert ids[1:] == ["a1", "b0", "a2", "b1"]  # then one topic after the other, oldest first
    assert card.footer == "Więcej: /onthisday 03-01"


# --- /digest ----------------------------------------------------------------------------------------


def test_non_admins_change_nothing(bundled: Briefing, tmp_path: Path) -> None:
    digests, _ = digests_at(bundled, tmp_path, local(2026, 11, 22, 8))
    for arguments in ("on 10:00", "off", "status", "preview", "empty nearest", "topics csto"):
        reply = digests.handle(arguments, CHAT, "pl", is_admin=False)
        assert reply.cards[0].body == "Przeglądem zarządzają tylko administratorzy tego czatu."
    assert digests.state.subscriptions() == []


def test_on_status_settings_and_off(bundled: Briefing, tmp_path: Path) -> None:
    digests, _ = digests_at(bundled, tmp_path, local(2026, 11, 22, 8))
    changes: list[int] = []
    digests.listeners.append(lambda: changes.append(1))
    on = digests.handle("on", CHAT, "pl", is_admin=True).cards[0].body
    assert on == "Włączono codzienny przegląd: 09:00 (Europe/Warsaw). Następny: 22 listopada 2026, 09:00."
    on = digests.handle("on 7:30 Asia/Almaty", CHAT, "pl", is_admin=True).cards[0].body
    # 08:00 in Warsaw (UTC+1) is 12:00 in Almaty (UTC+5): 7:30 there has passed, so tomorrow.
    assert on == "Włączono codzienny przegląd: 07:30 (Asia/Almaty). Następny: 23 listopada 2026, 07:30."
    assert (
        digests.handle("empty nearest", CHAT, "pl", True).cards[0].body
        == "W dni bez rocznic: zapowiedz najbliższą rocznicę."
    )
    assert (
        digests.handle("topics ODKB, protesty", CHAT, "pl", True).cards[0].body == "Tematy przeglądu: csto, protesty."
    )
    assert "Nie znam tematów: pogoda" in (digests.handle("topics pogoda", CHAT, "pl", True).cards[0].body or "")
    status = {f.name: f.value for f in digests.handle("status", CHAT, "pl", True).cards[0].fields}
    assert status == {
        "Godzina": "07:30 (Asia/Almaty)",
        "Następny": "23 listopada 2026, 07:30",
        "W dni bez rocznic": "zapowiedz najbliższą rocznicę",
        "Tematy": "csto, protesty",
        "Ostatnia próba": "jeszcze żadnej",
    }
    assert len(changes) == 4
    assert digests.handle("off", CHAT, "pl", True).cards[0].body == "Wyłączono codzienny przegląd w tym czacie."
    assert "nie ma przeglądu" in (digests.handle("status", CHAT, "pl", True).cards[0].body or "")
    assert StateStore(tmp_path).subscriptions() == []


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("on 25:00", "Nie rozumiem godziny „25:00”"),
        ("on 09:00 Mars/Olympus", "Nie znam strefy czasowej „Mars/Olympus”"),
        ("frobnicate", "Użycie: /digest on"),
        ("empty sometimes", "Użycie: /digest on"),
        ("preview 02-30", "MM-DD"),
    ],
)
def test_bad_arguments(bundled: Briefing, tmp_path: Path, arguments: str, expected: str) -> None:
    digests, _ = digests_at(bundled, tmp_path, local(2026, 11, 22, 8))
    digests.handle("on", CHAT, "pl", True)
    assert expected in (digests.handle(arguments, CHAT, "pl", True).cards[0].body or "")
    assert [s.time for s in digests.state.subscriptions()] == ["09:00"]


def test_preview(bundled: Briefing, tmp_path: Path) -> None:
    digests, _ = digests_at(bundled, tmp_path, local(2026, 11, 22, 8))
    assert digests.handle("preview 01-06", CHAT, "en", True).cards[0].title == "On this day: 6 January"
    assert "nie zostałby wysłany" in (digests.handle("preview", CHAT, "pl", True).cards[0].body or "")


# --- delivery ---------------------------------------------------------------------------------------


def subscribe(digests: Digests, target: Target = CHAT, time: str = "09:00", **extra: object) -> Subscription:
    subscription = Subscription(target, time, "Europe/Warsaw", **extra)  # type: ignore[arg-type]
    digests.state.put_subscriptions([subscription])
    return subscription


def test_double_triggers_and_overlapping_runs_send_once(bundled: Briefing, tmp_path: Path) -> None:
    digests, _ = digests_at(bundled, tmp_path, local(2027, 1, 6, 9))
    subscription = subscribe(digests)
    send = Recorder()

    async def main() -> None:
        items = [(subscription, date(2027, 1, 6))]
        await asyncio.gather(digests.deliver(items, send), digests.deliver(items, send))
        await digests.deliver(items, send)

    asyncio.run(main())
    assert len(send.sent) == 1
    assert send.sent[0][1].lines[0].label == "6 stycznia 2022 · 5 lat temu"
    # A new process on the same state file sends nothing either.
    again, _ = digests_at(bundled, tmp_path, local(2027, 1, 6, 9, 30))
    asyncio.run(again.deliver(again.recover(again.clock()), send))
    assert len(send.sent) == 1


def test_restart_between_claim_and_send_never_sends_twice(bundled: Briefing, tmp_path: Path) -> None:
    digests, _ = digests_at(bundled, tmp_path, local(2027, 1, 6, 9))
    subscribe(digests)
    # The process wrote its claim and died before the platform answered.
    digests.state.record_deliveries(
        [{"key": CHAT.key, "date": "2027-01-06", "state": "claimed", "detail": "", "at": "2027-01-06T08:00:00+00:00"}]
    )
    restarted, _ = digests_at(bundled, tmp_path, local(2027, 1, 6, 9, 5))
    send = Recorder()
    asyncio.run(restarted.deliver(restarted.recover(restarted.clock()), send))
    assert send.sent == []
    status = {f.name: f.value for f in restarted.handle("status", CHAT, "pl", True).cards[0].fields}
    assert status["Ostatnia próba"].startswith("6 stycznia 2027: przerwane restartem")


def test_catch_up_the_same_day_and_missed_days_later(bundled: Briefing, tmp_path: Path) -> None:
    digests, clock = digests_at(bundled, tmp_path, local(2027, 1, 5, 9))
    subscribe(digests, empty="nearest")
    send = Recorder()
    asyncio.run(digests.deliver(digests.recover(clock()), send))  # 5 January, on time
    assert len(send.sent) == 1
    # Down from before 09:00 on 6 January until 11:00: still 6 January, so it is sent on start-up.
    later, clock = digests_at(bundled, tmp_path, local(2027, 1, 6, 11))
    asyncio.run(later.deliver(later.recover(clock()), send))
    assert len(send.sent) == 2 and send.sent[1][1].title == "Tego dnia: 6 stycznia"
    # Down from before 09:00 on 7 January until 08:00 on 8 January: the 7th is missed, and said so.
    last, clock = digests_at(bundled, tmp_path, local(2027, 1, 8, 8))
    assert last.recover(clock()) == []
    status = {f.name: f.value for f in last.handle("status", CHAT, "pl", True).cards[0].fields}
    assert status["Ostatnia próba"] == "7 stycznia 2027: pominięto: bot był wtedy wyłączony"


def test_empty_days_are_recorded_not_sent(bundled: Briefing, tmp_path: Path) -> None:
    digests, clock = digests_at(bundled, tmp_path, local(2026, 11, 22, 9))
    subscribe(digests)
    send = Recorder()
    outcomes = asyncio.run(digests.deliver(digests.recover(clock()), send))
    assert [o.state for o in outcomes] == ["empty"] and send.sent == []
    status = {f.name: f.value for f in digests.handle("status", CHAT, "pl", True).cards[0].fields}
    assert status["Ostatnia próba"] == "22 listopada 2026: brak rocznic, nic nie wysłano"


def test_a_chat_that_keeps_failing_is_paused_and_others_still_get_theirs(bundled: Briefing, tmp_path: Path) -> None:
    digests, clock = digests_at(bundled, tmp_path, local(2027, 1, 2, 9))
    subscribe(digests, empty="nearest")
    subscribe(digests, OTHER, empty="nearest")
    send = Recorder()
    send.fail[CHAT.key] = DeliveryFailed("Forbidden: bot was blocked by the user", permanent=True)
    for offset in range(3):
        day_ = date(2027, 1, 2) + timedelta(days=offset)
        asyncio.run(digests.deliver(digests.due_on(day_), send))
    assert [target for target, _ in send.sent] == [OTHER] * 3
    paused = digests.state.subscription(CHAT.key)
    assert paused is not None and paused.paused and paused.failures == 3
    assert digests.due_on(date(2027, 1, 5)) == [(digests.state.subscription(OTHER.key), date(2027, 1, 5))]
    status = {f.name: f.value for f in digests.handle("status", CHAT, "pl", True).cards[0].fields}
    assert status["Wstrzymany"].startswith("po 3 nieudanych próbach")
    assert status["Ostatnia próba"] == "4 stycznia 2027: błąd platformy (Forbidden: bot was blocked by the user)"
    digests.handle("on", CHAT, "pl", True)  # an admin resumes it
    resumed = digests.state.subscription(CHAT.key)
    assert resumed is not None and not resumed.paused and resumed.failures == 0


# --- time zones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "now", "expected_utc"),
    [
        # Warsaw leaves summer time on 25 October 2026: 09:00 is 07:00 UTC before, 08:00 UTC after.
        ("Europe/Warsaw", datetime(2026, 10, 24, 12, tzinfo=UTC), datetime(2026, 10, 25, 8, tzinfo=UTC)),
        ("Europe/Warsaw", datetime(2026, 10, 24, 6, tzinfo=UTC), datetime(2026, 10, 24, 7, tzinfo=UTC)),
        # and enters it on 28 March 2027: 09:00 is 08:00 UTC before, 07:00 UTC after.
        ("Europe/Warsaw", datetime(2027, 3, 27, 12, tzinfo=UTC), datetime(2027, 3, 28, 7, tzinfo=UTC)),
        ("Asia/Almaty", datetime(2026, 11, 22, 3, 59, tzinfo=UTC), datetime(2026, 11, 22, 4, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 11, 1, 12, tzinfo=UTC), datetime(2026, 11, 1, 14, tzinfo=UTC)),
        ("Asia/Kolkata", datetime(2026, 11, 22, 4, tzinfo=UTC), datetime(2026, 11, 23, 3, 30, tzinfo=UTC)),
    ],
)
def test_the_cron_trigger_and_the_status_agree_across_zones_and_dst(
    zone: str, now: datetime, expected_utc: datetime
) -> None:
    subscription = Subscription(CHAT, "09:00", zone)
    fired = trigger(subscription).get_next_fire_time(None, now)
    assert fired is not None and fired == expected_utc
    assert subscription.next_run(now) == expected_utc


def test_a_large_fan_out_is_recorded_in_batches_and_fully_reported(bundled: Briefing, tmp_path: Path) -> None:
    clock = Clock(local(2027, 1, 6, 9))
    digests = Digests(bundled, StateStore(tmp_path), "Europe/Warsaw", clock, batch=2)
    targets = [Target("telegram", str(-n)) for n in range(1, 8)]
    digests.state.put_subscriptions([Subscription(target) for target in targets])
    send = Recorder()
    send.fail[targets[3].key] = DeliveryFailed("Bad Gateway", permanent=False)
    outcomes = asyncio.run(digests.deliver(digests.due_on(date(2027, 1, 6)), send))
    assert sorted((o.target.chat, o.state) for o in outcomes) == sorted(
        (t.chat, "failed" if t == targets[3] else "sent") for t in targets
    )
    stored = StateStore(tmp_path)  # what reached the file
    assert {r["key"]: r["state"] for r in stored.deliveries()} == {
        t.key: ("failed" if t == targets[3] else "sent") for t in targets
    }


@pytest.mark.tinydb_only  # a state file per run, removed between them
def test_outcomes_wait_for_a_batch_or_the_flush_interval(bundled: Briefing, tmp_path: Path) -> None:
    """Outcomes are written per batch, or sooner when the flush interval has passed (here: always)."""
    targets = [Target("telegram", str(-n)) for n in range(1, 6)]
    day_ = date(2027, 1, 6)

    def states_on_disk() -> list[str]:
        return sorted(r["state"] for r in StateStore(tmp_path).deliveries())

    for flush_seconds, expected in ((3600.0, ["claimed"] * 5), (0.0, ["claimed"] + ["sent"] * 4)):
        for path in tmp_path.iterdir():
            path.unlink()
        digests = Digests(
            bundled,
            StateStore(tmp_path),
            "Europe/Warsaw",
            Clock(local(2027, 1, 6, 9)),
            batch=100,
            flush_seconds=flush_seconds,
        )
        digests.state.put_subscriptions([Subscription(target) for target in targets])
        seen: list[list[str]] = []

        async def send(target: Target, card: Card) -> None:
            if target == targets[-1]:
                for _ in range(10):  # let the four other sends finish first
                    await asyncio.sleep(0)
                seen.append(states_on_disk())  # what the file held before the last send

        asyncio.run(digests.deliver(digests.due_on(day_), send))
        assert seen == [expected]
        assert states_on_disk() == ["sent"] * 5


def test_a_fan_out_prunes_old_delivery_records(bundled: Briefing, tmp_path: Path) -> None:
    """The log would otherwise grow until the next restart, and every write rewrites it whole."""
    digests, _ = digests_at(bundled, tmp_path, local(2027, 1, 20, 9))
    digests.state.put_subscriptions([Subscription(CHAT), Subscription(OTHER)])
    digests.state.record_deliveries(
        {"key": target.key, "date": f"2027-01-{d:02}", "state": "sent", "detail": "", "at": "x"}
        for target in (CHAT, OTHER)
        for d in range(1, 10)
    )
    asyncio.run(digests.deliver([(Subscription(CHAT), date(2027, 1, 20))], Recorder()))
    days = sorted((r["key"], r["date"]) for r in StateStore(tmp_path).deliveries())
    assert days == sorted([(CHAT.key, "2027-01-20"), (OTHER.key, "2027-01-09")])  # OTHER's latest: its status


def test_a_day_older_than_the_delivery_log_is_not_sent_again(bundled: Briefing, tmp_path: Path) -> None:
    digests, _ = digests_at(bundled, tmp_path, local(2027, 1, 20, 9))
    assert digests.due_on(date(2027, 1, 13)) == []  # within the log (no subscriptions here): answered
    with pytest.raises(BriefingError, match="keeps 7 days"):
        digests.due_on(date(2027, 1, 6))


@contextlib.contextmanager
def full_disk() -> Iterator[None]:
    """Every file write of this process past its first byte fails with a real OSError (EFBIG), in
    every thread, as on a full disk."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (1, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@pytest.mark.tinydb_only  # a full disk, through the file size limit
def test_a_refused_digest_change_is_not_made_and_the_reply_says_so(bundled: Briefing, tmp_path: Path) -> None:
    digests, _ = digests_at(bundled, tmp_path, local(2026, 11, 22, 8))
    digests.handle("on 08:00", CHAT, "pl", True)
    with full_disk():
        replies = [
            digests.handle(arguments, CHAT, "en", True).cards[0].body
            for arguments in ("on 10:00", "off", "topics csto", "empty nearest")
        ]
    assert (
        replies
        == [
            "The change was not saved: the bot cannot write its data right now. Nothing has "
            "changed; please try again later."
        ]
        * 4
    )
    assert [(s.time, s.topics, s.empty) for s in digests.state.subscriptions()] == [("08:00", (), "skip")]
    digests.handle("on 09:30", CHAT, "pl", True)  # the next write saves this change, and only this one
    assert [(s.time, s.topics) for s in StateStore(tmp_path).subscriptions()] == [("09:30", ())]


@pytest.mark.tinydb_only  # a full disk, through the file size limit
def test_a_slot_whose_claims_could_not_be_written_is_sent_by_the_retry(bundled: Briefing, tmp_path: Path) -> None:
    digests, clock = digests_at(bundled, tmp_path, local(2027, 1, 6, 9))
    targets = [Target("telegram", str(-n)) for n in range(1, 6)]
    digests.state.put_subscriptions([Subscription(target) for target in targets])
    send = Recorder()
    with full_disk():
        outcomes = asyncio.run(digests.deliver(digests.due_in_slot("09:00", "Europe/Warsaw", clock()), send))
    assert send.sent == [] and {o.state for o in outcomes} == {"retry"}
    assert digests.state.deliveries() == []  # no claim stayed behind in memory to be saved later
    clock.moment = local(2027, 1, 6, 9, 5)
    outcomes = asyncio.run(digests.deliver(digests.retries(clock()), send))
    assert sorted(t.chat for t, _ in send.sent) == sorted(t.chat for t in targets)
    assert {r["state"] for r in StateStore(tmp_path).deliveries()} == {"sent"}
    assert digests.retries(clock()) == []


def test_claims_are_written_in_batches_just_before_their_sends(
    bundled: Briefing, tmp_path: Path, state_store: str
) -> None:
    """What a crash mid-fan-out can cost: the chats claimed but not sent, at most a batch plus the
    sends in flight; the others have no record and are sent by the next run. (On PostgreSQL a
    claim counts as begun once marked "sending", so those whose marks are under way count too,
    at most another batch: there a dead process's unsent claims are open again anyway.)"""
    clock = Clock(local(2027, 1, 6, 9))
    digests = Digests(bundled, StateStore(tmp_path), "Europe/Warsaw", clock, claim_batch=4)
    targets = [Target("telegram", str(-n)) for n in range(1, 30)]
    digests.state.put_subscriptions([Subscription(target) for target in targets])
    started: set[str] = set()
    unstarted_claims: list[int] = []

    async def send(target: Target, card: Card) -> None:
        started.add(target.key)
        on_disk = {r["key"]: r["state"] for r in StateStore(tmp_path).deliveries()}
        unstarted_claims.append(sum(1 for key, state in on_disk.items() if state == "claimed" and key not in started))
        await recorder(target, card)

    recorder = Recorder()
    asyncio.run(digests.deliver(digests.due_on(date(2027, 1, 6)), send))
    assert len(recorder.sent) == len(targets)
    # never more claimed and waiting than the rest of one batch (and, on PostgreSQL, one being marked)
    assert max(unstarted_claims) < (4 if state_store == "tinydb" else 8)


def test_a_day_before_the_chat_subscribed_is_neither_missed_nor_caught_up(bundled: Briefing, tmp_path: Path) -> None:
    digests, clock = digests_at(bundled, tmp_path, local(2027, 1, 5, 8))
    digests.handle("on 09:00", CHAT, "pl", True)
    clock.moment = local(2027, 1, 5, 9)
    send = Recorder()
    asyncio.run(digests.deliver(digests.due_in_slot("09:00", "Europe/Warsaw", clock()), send))
    digests.handle("off", CHAT, "pl", True)
    clock.moment = local(2027, 1, 7, 10)  # back on after 09:00: the first digest is tomorrow's
    assert "8 stycznia 2027, 09:00" in (digests.handle("on 09:00", CHAT, "pl", True).cards[0].body or "")
    restarted, clock = digests_at(bundled, tmp_path, local(2027, 1, 7, 11))
    assert restarted.recover(clock()) == []  # not caught up: 7 January was never due
    restarted, clock = digests_at(bundled, tmp_path, local(2027, 1, 8, 8))
    assert restarted.recover(clock()) == []
    assert restarted.state.delivery(CHAT.key, date(2027, 1, 7)) is None  # and not "missed"
    status = {f.name: f.value for f in restarted.handle("status", CHAT, "pl", True).cards[0].fields}
    assert status["Ostatnia próba"] == "5 stycznia 2027: wysłano"


@pytest.mark.tinydb_only  # a full disk, through the file size limit
def test_retries_go_on_while_the_state_cannot_be_written(bundled: Briefing, tmp_path: Path) -> None:
    """Giving up yesterday's retries is a write; when it fails, today's retries are still found."""
    digests, clock = digests_at(bundled, tmp_path, local(2027, 1, 6, 9))
    digests.state.put_subscriptions([Subscription(CHAT), Subscription(OTHER)])
    digests.state.record_deliveries(
        [
            {"key": CHAT.key, "date": "2027-01-05", "state": "retry", "detail": "HTTP 502", "at": "x"},
            {"key": OTHER.key, "date": "2027-01-06", "state": "retry", "detail": "HTTP 502", "at": "x"},
        ]
    )
    with full_disk():
        due = digests.retries(clock())
    assert [(s.target, d) for s, d in due] == [(OTHER, date(2027, 1, 6))]
    assert digests.state.delivery(CHAT.key, date(2027, 1, 5))["state"] == "retry"  # type: ignore[index]


state_store = both_stores(sys.modules[__name__])
