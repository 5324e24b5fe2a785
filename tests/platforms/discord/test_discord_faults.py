"""Faults on Discord's REST API during commands and digests, through SimCord.

SimCord answers injected HTTP faults (``env.inject_error``) as Discord does: a status, a JSON
error code and message, surfacing as ``discord.HTTPException`` and its subclasses. Timeouts and
connections closed without an answer are not HTTP answers at all; they are raised where
discord.py's HTTP client meets them (aiohttp's ``TimeoutError``, ``ServerDisconnectedError``,
``ClientOSError``), by a thin wrapper over SimCord's HTTP client. SimCord stands in for
discord.py's own request loop, so a fault reaches the bot as it would once discord.py's own
retries (5 for a 429 or a 5xx) had not got past it.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import discord
import pytest

from bot.digests.compose import PAUSE_AFTER, Subscription, Target
from bot.digests.delivery import Digests
from bot.digests.scheduler import DigestScheduler
from bot.digests.state import StateStore
from bot.platforms.discord.adapter import UNANSWERED_ATTEMPTS
from tests.platforms.discord.test_discord import content, description, simcord_bot, title, world  # noqa: F401 (fixtures)

WARSAW = ZoneInfo("Europe/Warsaw")
MESSAGES = "/channels/{channel_id}/messages"

#: A fault, as Discord answers it: (status, JSON code, message); or raised by the transport.
HTTP_FAULTS: dict[str, tuple[int, int, str]] = {
    "429": (429, 0, "You are being rate limited."),
    "500": (500, 0, "Internal Server Error"),
    "502": (502, 0, "Bad Gateway"),
    "503": (503, 0, "Service Unavailable"),
    "504": (504, 0, "Gateway Timeout"),
    "403": (403, 50001, "Missing Access"),
}
TRANSPORT_FAULTS = {
    "timeout": lambda: TimeoutError(),
    "disconnect": lambda: aiohttp.ServerDisconnectedError(),
    "reset": lambda: aiohttp.ClientOSError(104, "Connection reset by peer"),
}
PASSING = ["429", "500", "502", "503", "504", "timeout", "disconnect", "reset"]


def interrupted_by(plan: list[str]) -> bool:
    """Whether a digest meets more unanswered sends in a row than the adapter makes (one call to
    ``deliver`` meets consecutive transport faults; an HTTP answer ends it): then it may have been
    posted, and it is given up as interrupted, the rest of the plan never met."""
    run = 0
    for fault in plan:
        run = run + 1 if fault in TRANSPORT_FAULTS else 0
        if run == UNANSWERED_ATTEMPTS:
            return True
    return False


class Faults:
    """Per channel, the faults its next message sends meet, in order."""

    def __init__(self, env: Any, bot: discord.Client) -> None:
        self.env = env
        self.plan: dict[int, list[str]] = {}
        self.answered: Counter[str] = Counter()
        self._request = bot.http.request
        bot.http.request = self._faulty  # type: ignore[method-assign]

    async def _faulty(self, route: Any, **kwargs: Any) -> Any:
        queue = self.plan.get(route.channel_id) if route.method == "POST" and route.path == MESSAGES else None
        if queue:
            fault = queue.pop(0)
            self.answered[fault] += 1
            if fault in TRANSPORT_FAULTS:
                raise TRANSPORT_FAULTS[fault]()
            status, code, message = HTTP_FAULTS[fault]
            self.env.inject_error(
                "POST", f"/channels/{route.channel_id}/messages", status=status, code=code, message=message, times=1
            )
        return await self._request(route, **kwargs)


def messages_in(channel: Any) -> list[discord.Message]:
    return channel.history()


SEED = 20270106
DAYS = 4
CHANNELS = 100


async def test_random_faults_over_many_digests_lose_none_and_repeat_none(simcord_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Four days of a 09:00 fan-out to 100 channels under a seeded random fault schedule, with a
    restart in the middle of each day; some channels are closed to the bot (a permission
    overwrite, as SimCord enforces it, or Discord's 403 Missing Access)."""
    rng = random.Random(SEED)
    bot = simcord_env.bot
    guild, _, _ = world(simcord_env)
    closed = set(rng.sample(range(CHANNELS), CHANNELS // 15))
    missing_access = set(rng.sample(sorted(set(range(CHANNELS)) - closed), CHANNELS // 20))
    channels = [
        guild.create_text_channel(f"c{n}", overwrites={bot.user: discord.PermissionOverwrite(send_messages=False)})
        if n in closed
        else guild.create_text_channel(f"c{n}")
        for n in range(CHANNELS)
    ]
    unreachable = {channels[n].id for n in closed | missing_access}
    for n in missing_access:
        simcord_env.inject_error(
            "POST", f"/channels/{channels[n].id}/messages", status=403, code=50001, message="Missing Access", times=None
        )
    faults = Faults(simcord_env, bot)
    targets = {c.id: Target("discord", str(c.id)) for c in channels}
    data = Path(bot.state.path).parent
    first_day = date(2027, 1, 6)
    rounds_per_day = []
    interrupted: set[tuple[int, date]] = set()

    def start(moment: datetime) -> tuple[Digests, DigestScheduler]:
        digests = Digests(bot.briefing, StateStore(data), "Europe/Warsaw", lambda: moment)
        return digests, DigestScheduler(digests, bot.deliver)

    for offset in range(DAYS):
        day = first_day + timedelta(days=offset)
        paused = unreachable if offset >= PAUSE_AFTER else set()
        moment = datetime(day.year, day.month, day.day, 9, tzinfo=WARSAW)
        for channel in channels:
            if channel.id not in unreachable:
                faults.plan[channel.id] = [rng.choice(PASSING) for _ in range(rng.choice([0, 0, 1, 2, 3, 5]))]
        planned = {cid: len(queue) for cid, queue in faults.plan.items()}
        cut_off = {cid for cid, queue in faults.plan.items() if interrupted_by(queue)}
        interrupted |= {(cid, day) for cid in cut_off}
        before = {c.id: len(messages_in(c)) for c in channels}

        digests, scheduler = start(moment)
        if offset == 0:
            digests.state.put_subscriptions([Subscription(t, empty="nearest") for t in targets.values()])
        outcomes = await scheduler.fire("09:00", "Europe/Warsaw")
        assert {o.target.chat for o in outcomes if o.state == "failed"} == {str(c) for c in unreachable - paused}
        pending = {o.target for o in outcomes if o.state == "retry"}
        assert pending

        digests, scheduler = start(moment + timedelta(minutes=3))  # a restart
        outcomes = await scheduler.start()
        scheduler.shutdown()  # no wall-clock job: the retries are fired by hand
        assert {o.target for o in outcomes} == pending
        rounds = 1
        while any(o.state == "retry" for o in outcomes):
            rounds += 1
            assert rounds <= 7
            outcomes = await scheduler.retry()
        rounds_per_day.append(rounds)
        assert {o.state for o in await scheduler.fire("09:00", "Europe/Warsaw")} <= {"skipped"}

        for channel in channels:
            got = len(messages_in(channel)) - before[channel.id]
            if channel.id in unreachable or channel.id in cut_off:
                assert got == 0
            else:
                assert got == 1, (channel.name, planned[channel.id])
                assert channel.last_message.embeds[0].title.startswith(("Tego dnia", "On this day"))
                assert not faults.plan[channel.id]  # every fault it was to meet, it met

        state = StateStore(data)  # as read after a restart
        for cid, target in targets.items():
            record, subscription = state.delivery(target.key, day), state.subscription(target.key)
            assert subscription is not None
            if cid in paused:
                assert record is None and subscription.paused
            elif cid in unreachable:
                assert record is not None and record["state"] == "failed"
                assert record["detail"].startswith("Forbidden")
                assert subscription.failures == offset + 1 and subscription.paused == (offset + 1 >= PAUSE_AFTER)
            elif (cid, day) in interrupted:
                assert record is not None and record["state"] == "interrupted", record
                assert record["detail"].startswith("no answer in time")
            else:
                assert record is not None and record["state"] == "sent"
                assert subscription.failures == 0 and not subscription.paused

    state = StateStore(data)
    sent = [r for r in state.deliveries() if r["state"] == "sent"]
    assert len(sent) == (CHANNELS - len(unreachable)) * DAYS - len(interrupted)
    assert interrupted  # the seed gives some
    assert not [r for r in state.deliveries() if r["state"] in ("retry", "claimed")]
    print(
        f"\n{DAYS} days x {CHANNELS} channels ({len(unreachable)} closed to the bot): {len(sent)} digests sent "
        f"once each, {len(interrupted)} given up unanswered; passing faults {dict(faults.answered)}; "
        f"rounds a day {rounds_per_day}"
    )


CALLBACK = "/interactions/*/*/callback"


@pytest.mark.parametrize("fault", ["429", "500", "503"])
async def test_a_failed_reply_gets_an_error_note_and_the_bot_goes_on(simcord_env, fault: str) -> None:  # type: ignore[no-untyped-def]
    """The reply to one command meets a fault Discord's retries did not get past: that user is
    told something went wrong, and the next commands, theirs and others', are answered."""
    guild, channel, alice = world(simcord_env)
    bob = guild.add_member(simcord_env.create_user("bob"))
    status, code, message = HTTP_FAULTS[fault]
    simcord_env.inject_error("POST", CALLBACK, status=status, code=code, message=message, times=1)
    failed = await alice.slash(channel, "onthisday", day="01-06")
    assert failed.ephemeral and "Coś poszło nie tak" in failed.response.content
    errors = simcord_env.errors  # acknowledged: logged by the bot's error handler
    assert len(errors) == 1 and status in {getattr(e, "status", None) for e in _causes(errors[0])}
    assert title(await bob.slash(channel, "onthisday", day="01-06")) == "Tego dnia: 6 stycznia"
    assert title(await alice.slash(channel, "csto")) == "ODKB (CSTO) w Kazachstanie"


async def test_a_digest_command_whose_reply_fails_has_still_taken_effect(simcord_env) -> None:  # type: ignore[no-untyped-def]
    """The settings change is made before the reply; repeating the command is harmless."""
    guild, channel, _ = world(simcord_env)
    managers = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[managers])
    simcord_env.inject_error("POST", CALLBACK, status=503, code=0, message="Service Unavailable", times=1)
    failed = await mod.slash(channel, "digest on", time="08:00")
    assert "Coś poszło nie tak" in failed.response.content
    assert len(simcord_env.errors) == 1
    again = await mod.slash(channel, "digest on", time="08:00")
    assert description(again).startswith("Włączono codzienny przegląd: 08:00")
    assert [(s.target.chat, s.time) for s in simcord_env.bot.digests.state.subscriptions()] == [
        (str(channel.id), "08:00")
    ]


def _causes(error: BaseException) -> list[BaseException]:
    found = [error]
    while error.__cause__ is not None or getattr(error, "original", None) is not None:
        error = error.__cause__ or error.original  # type: ignore[attr-defined]
        found.append(error)
    return found
