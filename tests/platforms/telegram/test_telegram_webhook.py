"""Updates by webhook: the fake Bot API posts them to the bot's webhook server as Telegram does,
with the secret header, and the real python-telegram-bot Application handles them."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from telegram.error import Conflict

from bot.base.errors import ConfigError
from bot.briefings.service import Briefing
from bot.config import TelegramSettings, load_settings
from bot.digests.state import StateStore
from bot.platforms.telegram.adapter import ALLOWED_UPDATES, TelegramAdapter
from bot.platforms.telegram.platform import webhook as webhook_of
from bot.platforms.telegram.webhook import MAX_BODY, Webhook
from tests.platforms.telegram.fake_telegram import FakeBotApi
from tests.platforms.telegram.test_telegram import ALA, OTHER_PRIVATE, PRIVATE, TOKEN, ask, visible

PUBLIC_URL = "https://briefing.example/telegram/updates"
SECRET = "s3cret_Token-for-the-webhook"

Scenario = Callable[[FakeBotApi, TelegramAdapter], Awaitable[None]]


def run_webhook(briefing: Briefing, data: Path, scenario: Scenario, secret: str = SECRET) -> FakeBotApi:
    """The adapter with a webhook on a free port of 127.0.0.1, which the fake Bot API reaches
    through ``webhook_route`` as Telegram would reach it through a reverse proxy."""

    async def main() -> FakeBotApi:
        async with FakeBotApi(TOKEN) as api:
            adapter = TelegramAdapter(
                briefing,
                StateStore(data),
                TOKEN,
                api.base_url,
                max_retries=2,
                webhook=Webhook(PUBLIC_URL, "127.0.0.1", 0, secret),
            )
            await adapter.start()
            try:
                assert adapter.webhook is not None
                api.webhook_route = f"http://127.0.0.1:{adapter.webhook.port}/telegram/updates"
                await scenario(api, adapter)
            finally:
                await adapter.stop()
            return api

    return asyncio.run(main())


def update(text: str, chat: dict = OTHER_PRIVATE, update_id: int = 9000) -> dict:
    message = {
        "message_id": 1,
        "date": 1700000000,
        "chat": chat,
        "from": {"id": chat["id"], "is_bot": False, "first_name": "X"},
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    return {"update_id": update_id, "message": message}


def test_a_command_by_webhook_is_answered_and_getupdates_is_never_called(bundled: Briefing, tmp_path: Path) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        assert visible(await ask(api, "/start")).startswith("Cześć! Tu briefing-bot")
        assert visible(await ask(api, "/onthisday 01-06")).startswith("Tego dnia: 6 stycznia")
        with pytest.raises(Conflict):  # what Telegram answers a poll while a webhook is set
            await adapter.application.bot.get_updates()

    api = run_webhook(bundled, tmp_path, scenario)
    assert api.webhook == {"url": PUBLIC_URL, "secret_token": SECRET, "allowed_updates": ALLOWED_UPDATES}
    assert api.webhook_answers == [200, 200]
    assert api.polls == 1 and api.conflicts == 1  # only the test's own call: the bot never polled
    assert "deleteWebhook" not in [call.method for call in api.calls]  # left set on stop: Telegram keeps updates


def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_handled(bundled: Briefing, tmp_path: Path) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        body = json.dumps(update("/start")).encode()
        assert await api.post_to_webhook(body, "wrong") == 403
        assert await api.post_to_webhook(body, None) == 403
        assert await api.post_to_webhook(body, SECRET[:-1]) == 403
        assert await api.post_to_webhook(body, SECRET + "x") == 403
        assert visible(await ask(api, "/start")).startswith("Cześć")  # the bot has caught up since

    api = run_webhook(bundled, tmp_path, scenario)
    assert [call["chat_id"] for call in api.sent()] == [PRIVATE["id"]]  # nothing for the forged updates


def test_bodies_are_bounded_and_what_is_no_update_gets_400(bundled: Briefing, tmp_path: Path) -> None:
    big = json.dumps(update("/search " + "a" * MAX_BODY)).encode()

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the server must count
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        assert await api.post_to_webhook(big, SECRET) == 413
        async with aiohttp.ClientSession() as session:
            assert api.webhook_route is not None
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
            async with session.post(api.webhook_route, data=chunks(), headers=headers) as response:
                assert response.status == 413
        assert await api.post_to_webhook(b"{not json", SECRET) == 400
        assert await api.post_to_webhook(b'{"message": {}}', SECRET) == 400  # no update_id
        assert await api.post_to_webhook(b"[1, 2]", SECRET) == 400
        just_under = json.dumps(update("/start", update_id=9001)).encode()
        assert await api.post_to_webhook(just_under, SECRET) == 200
        await api.wait_until(lambda: any(c["chat_id"] == OTHER_PRIVATE["id"] for c in api.sent()))
        assert visible(await ask(api, "/start")).startswith("Cześć")

    api = run_webhook(bundled, tmp_path, scenario)
    assert sorted(call["chat_id"] for call in api.sent()) == sorted([PRIVATE["id"], OTHER_PRIVATE["id"]])


def test_updates_wait_at_telegram_while_the_webhook_is_down(bundled: Briefing, tmp_path: Path) -> None:
    """Telegram posts an update again until it gets a 2xx: one sent while the bot's server was
    unreachable is answered once it is back, and only once."""

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        assert adapter.webhook is not None
        route = api.webhook_route
        api.webhook_route = "http://127.0.0.1:9/telegram/updates"  # the proxy points nowhere for a while
        api.user_message("/start", PRIVATE, ALA)
        await api.wait_until(lambda: len(api.webhook_answers) >= 2, timeout=5)
        assert set(api.webhook_answers) == {0} and not api.sent()
        api.webhook_route = route
        replies = await api.wait_for("sendMessage", 1)
        assert visible(replies[0]).startswith("Cześć")
        await asyncio.sleep(0.3)
        assert len(api.sent()) == 1

    run_webhook(bundled, tmp_path, scenario)


def test_the_secret_never_reaches_the_logs(bundled: Briefing, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        await ask(api, "/start")
        await api.post_to_webhook(json.dumps(update("/start")).encode(), "wrong")

    run_webhook(bundled, tmp_path, scenario)
    assert "webhook" in caplog.text.lower()  # the set-up was logged ...
    assert SECRET not in caplog.text + "".join(str(r.exc_info) for r in caplog.records)  # ... without the secret


def test_a_refused_webhook_address_stops_the_start_with_telegrams_reason(bundled: Briefing, tmp_path: Path) -> None:
    from bot.base.errors import BriefingError

    async def main() -> str:
        async with FakeBotApi(TOKEN) as api:
            adapter = TelegramAdapter(
                bundled,
                StateStore(tmp_path),
                TOKEN,
                api.base_url,
                webhook=Webhook("http://briefing.example/hook", "127.0.0.1", 0, SECRET),
            )
            try:
                with pytest.raises(BriefingError) as refused:
                    await adapter.start()
            finally:
                await adapter.stop()
            return str(refused.value)

    message = asyncio.run(main())
    assert "webhook_url" in message and "an https url must be provided" in message.lower()


# --- settings ----------------------------------------------------------------------------------------


def test_webhook_settings_defaults_and_the_secret_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\nwebhook_url = "{PUBLIC_URL}"\n', encoding="utf-8")
    monkeypatch.delenv("BRIEFING_TELEGRAM__SECRET_TOKEN", raising=False)
    telegram = load_settings(config).telegram
    assert (telegram.webhook_url, telegram.listen, telegram.port, telegram.secret_token) == (
        PUBLIC_URL,
        "127.0.0.1",
        8443,
        None,
    )
    made = [webhook_of(telegram) for _ in range(2)]
    assert made[0] is not None and made[1] is not None
    assert len(made[0].secret) >= 32 and made[0].secret != made[1].secret  # a new one each start
    assert made[0].path == "/telegram/updates"

    monkeypatch.setenv("BRIEFING_TELEGRAM__SECRET_TOKEN", SECRET)
    telegram = load_settings(config).telegram
    assert telegram.secret_token is not None and telegram.secret_token.get_secret_value() == SECRET
    assert SECRET not in repr(telegram)
    assert webhook_of(telegram) == Webhook(PUBLIC_URL, "127.0.0.1", 8443, SECRET)
    assert webhook_of(TelegramSettings()) is None  # polling, the default


def test_a_secret_telegram_would_refuse_is_a_config_error_that_does_not_show_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFING_TELEGRAM__SECRET_TOKEN", "has spaces and ł")
    with pytest.raises(ConfigError) as error:
        load_settings(None, tmp_path, tmp_path)
    assert "BRIEFING_TELEGRAM__SECRET_TOKEN:" in str(error.value) and "has spaces" not in str(error.value)
    config = tmp_path / "config.toml"
    config.write_text('[telegram]\nport = 70000\nwebhook_url = "ftp://x"\n', encoding="utf-8")
    monkeypatch.delenv("BRIEFING_TELEGRAM__SECRET_TOKEN")
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert f"{config}: telegram.port" in str(error.value) and f"{config}: telegram.webhook_url" in str(error.value)
