"""Digests on Telegram: who may set them up (getChatMember on the fake Bot API), and delivery."""

from __future__ import annotations

import asyncio
import socket
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.briefings.cards import Card
from bot.briefings.service import Briefing
from bot.digests.compose import Subscription, Target
from bot.digests.delivery import DeliveryFailed, Digests
from bot.digests.scheduler import DigestScheduler
from bot.digests.state import StateStore
from bot.platforms.telegram.adapter import TelegramAdapter
from bot.platforms.telegram.http import AiohttpRequest
from bot.platforms.telegram.limits import FloodLimiter
from tests.platforms.telegram.fake_telegram import ApiError, FakeBotApi
from tests.platforms.telegram.test_telegram import ALA, GROUP, OLA, PRIVATE, TOKEN, ask, visible

WARSAW = ZoneInfo("Europe/Warsaw")
CHANNEL = {"id": -1009999, "type": "channel", "title": "Kanał", "username": "kanal"}


def run(bundled: Briefing, data: Path, moment: datetime, scenario, api: FakeBotApi | None = None):  # type: ignore[no-untyped-def]
    async def main() -> None:
        async with api or FakeBotApi(TOKEN) as server:
            state = StateStore(data)
            digests = Digests(bundled, state, "Europe/Warsaw", lambda: moment)
            adapter = TelegramAdapter(bundled, state, TOKEN, server.base_url, max_retries=2, digests=digests)
            await adapter.start(poll_timeout=1)
            try:
                await scenario(server, adapter, digests)
            finally:
                await adapter.stop()

    asyncio.run(main())


def test_only_group_admins_manage_the_digest(bundled: Briefing, tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    api.admins[GROUP["id"]] = {ALA["id"]}

    async def scenario(server: FakeBotApi, adapter: TelegramAdapter, digests: Digests) -> None:
        refused = await ask(server, "/digest on 08:00", chat=GROUP, user=OLA)
        assert "tylko administratorzy" in visible(refused)
        assert digests.state.subscriptions() == []
        accepted = await ask(server, "/digest on 08:00", chat=GROUP, user=ALA)
        assert "Włączono codzienny przegląd: 08:00 (Europe/Warsaw)" in visible(accepted)
        status = await ask(server, "/digest@BriefingBot status", chat=GROUP, user=ALA)
        assert "Godzina: 08:00 (Europe/Warsaw)" in visible(status)
        assert "tylko administratorzy" in visible(await ask(server, "/digest off", chat=GROUP, user=OLA))
        assert [s.target for s in digests.state.subscriptions()] == [Target("telegram", str(GROUP["id"]))]

    run(bundled, tmp_path, datetime(2026, 11, 22, 7, tzinfo=WARSAW), scenario, api)


def test_forum_topics_channels_and_a_channel_from_a_private_chat(bundled: Briefing, tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    api.admins[GROUP["id"]] = {ALA["id"]}
    api.admins[CHANNEL["id"]] = {ALA["id"]}
    api.chats["@kanal"] = CHANNEL

    async def scenario(server: FakeBotApi, adapter: TelegramAdapter, digests: Digests) -> None:
        await ask(server, "/digest on", chat=GROUP, user=ALA, is_topic_message=True, message_thread_id=7)
        before = len(server.sent())
        server.user_message(
            "/digest on 10:00", {k: v for k, v in CHANNEL.items() if k != "username"}, None, kind="channel_post"
        )
        await server.wait_for("sendMessage", before + 1)
        refused = await ask(server, "/digest on 09:00 @kanal", chat={**PRIVATE, "id": OLA["id"]}, user=OLA)
        assert "tylko administratorzy" in visible(refused)
        accepted = await ask(server, "/digest on 11:00 @kanal", chat=PRIVATE, user=ALA)
        assert "11:00" in visible(accepted)
        missing = await ask(server, "/digest on @nieznany", chat=PRIVATE, user=ALA)
        assert "Nie mogę sprawdzić kanału @nieznany" in visible(missing)
        targets = {s.target: s.time for s in digests.state.subscriptions()}
        assert targets == {
            Target("telegram", str(GROUP["id"]), "7"): "09:00",
            Target("telegram", str(CHANNEL["id"])): "11:00",  # the channel post's 10:00, then changed
        }

    run(bundled, tmp_path, datetime(2026, 11, 22, 7, tzinfo=WARSAW), scenario, api)


def test_fan_out_with_flood_limits_and_a_blocked_chat(bundled: Briefing, tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    api.blocked_chats.add(-1002)
    api.failures["sendMessage"] = [ApiError(429, "Too Many Requests: retry after 1", retry_after=1)]
    moment = datetime(2027, 1, 6, 9, tzinfo=WARSAW)

    async def scenario(server: FakeBotApi, adapter: TelegramAdapter, digests: Digests) -> None:
        chats = [-1001, -1002, -1003, -1004]
        digests.state.put_subscriptions(
            [Subscription(Target("telegram", str(c)), "09:00", "Europe/Warsaw") for c in chats]
            + [Subscription(Target("telegram", "-1005", "42"), "09:00", "Europe/Warsaw")]
        )
        scheduler = DigestScheduler(digests, adapter.deliver)
        outcomes = await scheduler.fire("09:00", "Europe/Warsaw")
        assert sorted((o.target.chat, o.state) for o in outcomes) == [
            ("-1001", "sent"),
            ("-1002", "failed"),
            ("-1003", "sent"),
            ("-1004", "sent"),
            ("-1005", "sent"),
        ]
        delivered = [c for c in server.sent() if c["chat_id"] != -1002]
        assert {c["chat_id"] for c in delivered} == {-1001, -1003, -1004, -1005}
        assert len(server.sent()) == 6  # five chats, and one call again after the 429
        assert next(c for c in delivered if c["chat_id"] == -1005)["message_thread_id"] == 42
        assert all(visible(c).startswith("Tego dnia: 6 stycznia") for c in delivered)
        # Firing again (a double trigger) sends nothing more.
        calls = len(server.sent())
        await scheduler.fire("09:00", "Europe/Warsaw")
        assert len(server.sent()) == calls
        failed = digests.state.delivery(Target("telegram", "-1002").key, date(2027, 1, 6))
        assert failed is not None and "blocked" in failed["detail"]

    run(bundled, tmp_path, moment, scenario, api)


# --- pacing: the adapter's rate limiter against the fake Bot API ---------------------------------


def test_the_overall_rate_is_the_configured_one(bundled: Briefing, tmp_path: Path) -> None:
    """5 messages a second: the fourth of four sends cannot be accepted sooner than 0.6 s after the first."""

    async def main() -> None:
        async with FakeBotApi(TOKEN) as server:
            adapter = TelegramAdapter(bundled, StateStore(tmp_path), TOKEN, server.base_url, max_rate=5)
            await adapter.application.initialize()
            try:
                loop = asyncio.get_running_loop()
                accepted: list[float] = []

                async def send(chat: int) -> None:
                    await adapter.application.bot.send_message(chat, "x")
                    accepted.append(loop.time())

                started = loop.time()
                await asyncio.gather(*(send(-1000 - n) for n in range(4)))
                assert max(accepted) - started >= 3 / 5 - 0.01  # a lower bound only: sleeps never end early
            finally:
                await adapter.application.shutdown()

    asyncio.run(main())


def test_a_flood_limit_holds_back_only_its_own_chat(bundled: Briefing, tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    api.failures["sendMessage"] = [ApiError(429, "Too Many Requests: retry after 1", retry_after=1)]

    async def scenario(server: FakeBotApi, adapter: TelegramAdapter, digests: Digests) -> None:
        first = asyncio.create_task(adapter.application.bot.send_message(-1001, "a"))
        await server.wait_for("sendMessage", 1)  # -1001 got its 429
        await adapter.application.bot.send_message(-1002, "b")  # not held back by -1001's retry_after
        await first
        assert [call["chat_id"] for call in server.sent()] == [-1001, -1002, -1001]
        assert server.received() == {-1001: 1, -1002: 1}

    run(bundled, tmp_path, datetime(2027, 1, 6, 9, tzinfo=WARSAW), scenario, api)


def test_a_flood_limit_without_a_chat_holds_back_every_call() -> None:
    async def main() -> None:
        limiter = FloodLimiter(max_rate=0, max_retries=1)
        loop = asyncio.get_running_loop()
        calls: list[tuple[str, float]] = []

        async def call(name: str, flood: bool) -> str:
            calls.append((name, loop.time()))
            if flood:
                raise RetryAfter(0.2)
            return name

        attempts = iter([True, False])
        started = loop.time()
        commands = asyncio.create_task(
            limiter.process_request(lambda: call("setMyCommands", next(attempts)), (), {}, "setMyCommands", {}, None)
        )
        await asyncio.sleep(0)  # its first attempt is answered 429
        assert (
            await limiter.process_request(
                lambda: call("sendMessage", False), (), {}, "sendMessage", {"chat_id": 5}, None
            )
            == "sendMessage"
        )
        assert await commands == "setMyCommands"
        assert [name for name, _ in calls] == ["setMyCommands", "setMyCommands", "sendMessage"] or [
            name for name, _ in calls
        ] == ["setMyCommands", "sendMessage", "setMyCommands"]
        assert all(at - started >= 0.2 for name, at in calls[1:])  # nothing went out during the pause

    asyncio.run(main())


# --- the HTTP transport: failures become PTB's errors, which the adapter and the app handle -------


def test_an_unreachable_api_is_a_network_error_and_a_digest_a_retryable_failure(
    bundled: Briefing, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> None:
        adapter = TelegramAdapter(bundled, StateStore(tmp_path), TOKEN, f"http://127.0.0.1:{port}/bot", max_retries=1)
        with pytest.raises(NetworkError):  # what `briefing-bot run` reports as "cannot reach"
            await adapter.application.initialize()
        await adapter.application.bot.request.initialize()  # sending alone: initialize() stopped at getMe
        try:
            with pytest.raises(DeliveryFailed) as failed:
                await adapter.deliver(Target("telegram", "-1001"), Card(title="x"))
            assert not failed.value.permanent
        finally:
            await adapter.application.bot.request.shutdown()

    asyncio.run(main())


def test_a_slow_answer_is_a_timeout() -> None:
    async def main() -> None:
        release = asyncio.Event()

        async def slow(request: web.Request) -> web.Response:
            await release.wait()  # answers only after the client has given up
            return web.json_response({"ok": True, "result": True})

        app = web.Application()
        app.router.add_post("/bot{token}/{method}", slow)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        request = AiohttpRequest(read_timeout=0.2)
        await request.initialize()
        try:
            with pytest.raises(TimedOut):
                await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
        finally:
            release.set()
            await request.shutdown()
            await runner.cleanup()

    asyncio.run(main())
