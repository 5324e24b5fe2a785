"""The Telegram checks against the fake Bot API: the token through the configured base_url, and
whether the bot can post in each chat that gets a digest."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.briefings.service import Briefing
from bot.config import read_settings
from bot.digests.compose import Subscription, Target
from bot.digests.state import StateStore
from bot.doctor.checks import Finding, Setup
from bot.doctor.report import report
from bot.doctor.telegram import telegram
from bot.platforms.telegram.adapter import TelegramAdapter
from tests.platforms.telegram.fake_telegram import ApiError, FakeBotApi, Reset, chat_member
from tests.platforms.telegram.test_telegram import TOKEN as BOT_TOKEN
from tests.platforms.telegram.test_telegram_webhook import run_webhook

TOKEN = "123456789:AAdoctor-token-that-must-never-be-printed"
BOT_ID = 777000111  # the fake's getMe


@pytest.fixture(autouse=True)
def _only_these_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in os.environ:
        if name.upper().startswith("BRIEFING_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def setup_for(api: FakeBotApi, data: Path, *chats: str, token: str = TOKEN) -> Setup:
    """The set-up of a bot with this token, talking to the fake, with digests in these chats."""
    StateStore(data).put_subscriptions(Subscription(Target("telegram", chat)) for chat in chats)
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("BRIEFING_TELEGRAM_TOKEN", token)
        environment.setenv("BRIEFING_TELEGRAM__BASE_URL", api.base_url)
        return Setup(read_settings(data=data))


def lines(findings: list[Finding]) -> list[str]:
    return [str(finding) for finding in findings]


async def test_a_good_token_is_accepted_with_the_bots_username(tmp_path: Path) -> None:
    async with FakeBotApi(TOKEN) as api:
        findings = await telegram(setup_for(api, tmp_path / "data"))
    assert lines(findings) == [f"✓ telegram token: accepted by {api.base_url}… as @BriefingBot (id {BOT_ID})"]
    assert [call.method for call in api.calls] == ["getMe"]


async def test_a_revoked_token_is_rejected_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async with FakeBotApi("987654321:AAAnotherTokenFromBotFather_000000") as api:  # Telegram answers 401
        findings = await telegram(setup_for(api, tmp_path / "data", "-1001"))
    assert len(findings) == 1 and not findings[0].ok
    assert str(findings[0]) == (
        f"✗ telegram token: token rejected by {api.base_url}… → "
        "get a new one from @BotFather (/token) and set BRIEFING_TELEGRAM_TOKEN"
    )
    assert report(findings, sys.stdout) == 1
    assert TOKEN not in capsys.readouterr().out


async def test_an_unreachable_api_is_one_failed_line(tmp_path: Path) -> None:
    async with FakeBotApi(TOKEN) as api:
        api.failures["getMe"] = [Reset()]
        findings = await telegram(setup_for(api, tmp_path / "data"))
    assert len(findings) == 1 and not findings[0].ok
    assert "cannot reach" in findings[0].found and TOKEN not in str(findings[0])


GROUP, CHANNEL, ADMIN_CHANNEL, RESTRICTED, KICKED, GONE, PRIVATE, MIGRATED = (
    "-1001",
    "-1002",
    "-1003",
    "-1004",
    "-1005",
    "-1006",
    "4242",
    "-1007",
)


async def test_each_digest_chat_says_whether_the_bot_can_post(tmp_path: Path) -> None:
    async with FakeBotApi(TOKEN) as api:
        for chat, kind, title in (
            (GROUP, "supergroup", "Grupa"),
            (CHANNEL, "channel", "Kanał"),
            (ADMIN_CHANNEL, "channel", "Kanał admina"),
            (RESTRICTED, "group", "Cicha"),
            (KICKED, "supergroup", "Wyrzucony"),
            (PRIVATE, "private", None),
        ):
            record: dict[str, Any] = {"id": int(chat), "type": kind}
            record.update({"title": title} if title else {"first_name": "Ala"})
            api.chats[chat] = record
        api.members = {
            int(CHANNEL): {BOT_ID: chat_member("member")},
            int(ADMIN_CHANNEL): {BOT_ID: chat_member("administrator", can_post_messages=True)},
            int(RESTRICTED): {BOT_ID: chat_member("restricted", can_send_messages=False)},
            int(KICKED): {BOT_ID: chat_member("kicked")},
        }
        api.chat_failures[int(GONE)] = [ApiError(403, "Forbidden: bot was kicked from the supergroup chat")]
        api.migrated[int(MIGRATED)] = -1009
        chats = (GROUP, CHANNEL, ADMIN_CHANNEL, RESTRICTED, KICKED, GONE, PRIVATE, MIGRATED)
        found = await telegram(setup_for(api, tmp_path / "data", *chats))
        assert found[0].ok and len(found) == 1 + len(chats)
        findings = {finding.name.split(" (")[0].removeprefix("digest chat "): finding for finding in found[1:]}
    assert {chat: finding.ok for chat, finding in findings.items()} == {
        GROUP: True,
        CHANNEL: False,
        ADMIN_CHANNEL: True,
        RESTRICTED: False,
        KICKED: False,
        GONE: False,
        PRIVATE: True,
        MIGRATED: False,
    }
    assert str(findings[GROUP]) == f"✓ digest chat {GROUP} (Grupa): a supergroup: the bot is member and can post"
    assert str(findings[CHANNEL]) == (
        f"✗ digest chat {CHANNEL} (Kanał): a channel where the bot is member → make it an administrator allowed to post"
    )
    assert "restricted from sending" in findings[RESTRICTED].found
    assert "not a member (kicked)" in findings[KICKED].found
    assert "bot was kicked" in findings[GONE].found
    assert "-1009" in findings[MIGRATED].found


async def test_flood_control_and_a_lost_answer_are_failed_lines_not_tracebacks(tmp_path: Path) -> None:
    async with FakeBotApi(TOKEN) as api:
        api.chats[GROUP] = {"id": int(GROUP), "type": "supergroup", "title": "Grupa"}
        api.chats[CHANNEL] = {"id": int(CHANNEL), "type": "channel", "title": "Kanał"}
        api.chat_failures[int(GROUP)] = [ApiError(429, "Too Many Requests: retry after 3", retry_after=3)]
        api.chat_failures[int(CHANNEL)] = [Reset()]
        findings = await telegram(setup_for(api, tmp_path / "data", GROUP, CHANNEL))
    assert [(finding.ok, finding.fix) for finding in findings[1:]] == [
        (False, "run briefing-bot doctor again later"),
        (False, "check the network, then try again"),
    ]
    assert findings[1].found == "Telegram's flood control asks the bot to wait"


# --- the webhook -------------------------------------------------------------------------------

PUBLIC_URL = "https://briefing.example/telegram/updates"
SECRET = "s3cret_Token-for-the-webhook"


def webhook_setup(api: FakeBotApi, data: Path, port: int, token: str = TOKEN) -> Setup:
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("BRIEFING_TELEGRAM__WEBHOOK_URL", PUBLIC_URL)
        environment.setenv("BRIEFING_TELEGRAM__PORT", str(port))
        environment.setenv("BRIEFING_TELEGRAM__SECRET_TOKEN", SECRET)
        return setup_for(api, data, token=token)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_running_bots_webhook_is_set_and_refuses_updates_without_the_secret(
    bundled: Briefing, tmp_path: Path
) -> None:
    found: list[str] = []
    ports: list[int] = []

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        assert adapter.webhook is not None
        ports.append(adapter.webhook.port)
        setup = webhook_setup(api, tmp_path / "data", adapter.webhook.port, BOT_TOKEN)  # the adapter's
        found.extend(lines(await telegram(setup)))

    run_webhook(bundled, tmp_path / "bot", scenario)
    assert found[1:] == [
        f"✓ telegram webhook: set to {PUBLIC_URL}, 0 update(s) waiting",
        f"✓ webhook server: http://127.0.0.1:{ports[0]}/telegram/updates answers and refuses an update without "
        "the secret",
    ]
    assert not any(SECRET in line for line in found)


async def test_a_stopped_bots_webhook_is_shown_unverified(tmp_path: Path) -> None:
    async with FakeBotApi(TOKEN) as api:
        findings = await telegram(webhook_setup(api, tmp_path / "data", free_port()))
    assert [(f.name, f.ok, f.verified) for f in findings[1:]] == [
        ("telegram webhook", True, False),
        ("webhook server", True, False),
    ]
    assert "the bot sets https://briefing.example/telegram/updates when it starts" in findings[1].found


async def test_a_webhook_set_elsewhere_or_failing_is_a_failure(tmp_path: Path) -> None:
    port = free_port()
    async with FakeBotApi(TOKEN) as api:
        api.webhook = {"url": "https://other.example/hook", "secret_token": "x"}
        elsewhere = (await telegram(webhook_setup(api, tmp_path / "a", port)))[1]
        api.webhook = {"url": PUBLIC_URL, "secret_token": SECRET}
        api.webhook_route = f"http://127.0.0.1:{port}/telegram/updates"  # nothing listens there
        assert await api.post_to_webhook(b"{}", SECRET) == 0
        failing = (await telegram(webhook_setup(api, tmp_path / "b", port)))[1]
    assert not elsewhere.ok and "posts updates to https://other.example/hook" in elsewhere.found
    assert not failing.ok and "cannot deliver" in failing.found and "Connection refused" in failing.found
    assert (
        failing.fix == f"check that the reverse proxy forwards {PUBLIC_URL} to http://127.0.0.1:{port}/telegram/updates"
    )


async def test_a_server_that_takes_updates_without_the_secret_is_a_failure(tmp_path: Path) -> None:
    async def accept(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/telegram/updates", accept)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with FakeBotApi(TOKEN) as api:
            findings = await telegram(webhook_setup(api, tmp_path / "data", port))
    finally:
        await runner.cleanup()
    assert not findings[2].ok and "answered 200 to an update without the secret" in findings[2].found
