"""The real python-telegram-bot Application, polling a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.briefings.commands import all_commands
from bot.briefings.service import Briefing
from bot.digests.state import STATE_FILE, StateStore
from bot.export.charts import Charts
from bot.platforms.quota import SenderQuota
from bot.platforms.telegram.adapter import TelegramAdapter
from tests.platforms.telegram.fake_telegram import ApiError, FakeBotApi, check_html

TOKEN = "123456789:AAFakeTokenForTheLoopbackServer_0123"
ALA = {"id": 501, "is_bot": False, "first_name": "Ala", "language_code": "pl"}
OLA = {"id": 502, "is_bot": False, "first_name": "Ola"}
PRIVATE = {"id": 501, "type": "private", "first_name": "Ala"}
OTHER_PRIVATE = {"id": 502, "type": "private", "first_name": "Ola"}
GROUP = {"id": -1001234, "type": "supergroup", "title": "Grupa", "is_forum": True}
CHANNEL = {"id": -1005678, "type": "channel", "title": "Kanał"}

Scenario = Callable[[FakeBotApi, TelegramAdapter], Awaitable[None]]


def run(
    briefing: Briefing,
    data: Path,
    scenario: Scenario,
    api: FakeBotApi | None = None,
    quota: SenderQuota | None = None,
    charts: Charts | None = None,
) -> FakeBotApi:
    async def main() -> FakeBotApi:
        async with api or FakeBotApi(TOKEN) as server:
            adapter = TelegramAdapter(
                briefing, StateStore(data), TOKEN, server.base_url, max_retries=2, quota=quota, charts=charts
            )
            await adapter.start(poll_timeout=1)
            try:
                await scenario(server, adapter)
            finally:
                await adapter.stop()
            return server

    return asyncio.run(main())


async def ask(api: FakeBotApi, text: str, chat: dict = PRIVATE, user: dict | None = ALA, **extra: object) -> dict:
    """Send a message as a user and return the bot's reply in that chat."""
    before = len(api.sent())

    def replies() -> list[dict]:
        return [call for call in api.sent()[before:] if call["chat_id"] == chat["id"]]

    api.user_message(text, chat, user, **extra)
    await api.wait_until(lambda: bool(replies()))
    return replies()[0]


async def silence(api: FakeBotApi, text: str, chat: dict, user: dict | None = ALA) -> None:
    """Send a message the bot must ignore; a /start afterwards shows it has caught up."""
    before = len(api.sent())
    api.user_message(text, chat, user)
    api.user_message("/start", PRIVATE, ALA)
    replies = await api.wait_for("sendMessage", before + 1)
    assert len(replies) == before + 1 and replies[-1]["chat_id"] == PRIVATE["id"]


def visible(params: dict) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", params["text"]))


COMMANDS = [
    ("/start", "Cześć! Tu briefing-bot"),
    ("/help", "Komendy"),
    ("/help timeline", "/timeline"),
    ("/timeline 2022-01", "Oś czasu: styczeń 2022"),
    ("/timeline csto", "Oś czasu: ODKB (CSTO) w Kazachstanie"),
    ("/sources", "Źródła"),
    ("/card odkb-w-kazachstanie", "Wojska ODKB strzegą strategicznych obiektów w Kazachstanie"),
    ("/onthisday 01-06", "Tego dnia: 6 stycznia"),
    ("/search Kazachstanu", "Szukam: Kazachstanu"),
    ("/figures", "Liczby w źródłach"),
    ("/figures csto", "Liczby w źródłach: ODKB (CSTO) w Kazachstanie"),
    ("/csto", "ODKB (CSTO) w Kazachstanie"),
    ("/protesty", "Protesty w Kazachstanie (styczeń 2022)"),
    ("/wojna", "Kazachstan wobec wojny w Ukrainie"),
]


@pytest.mark.parametrize(
    ("chat", "suffix"),
    [(PRIVATE, ""), (GROUP, ""), (GROUP, "@BriefingBot")],
    ids=["private", "group", "group-with-bot-name"],
)
def test_every_command(bundled: Briefing, tmp_path: Path, chat: dict, suffix: str) -> None:
    fact = bundled.knowledge.facts[0]

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        for text, title in [*COMMANDS, (f"/sources {fact.id}", f"Źródło faktu {fact.id}")]:
            name, _, arguments = text.partition(" ")
            reply = await ask(api, f"{name}{suffix} {arguments}".strip(), chat=chat)
            assert visible(reply).startswith(title), text
            assert reply["parse_mode"] == "HTML" and reply["chat_id"] == chat["id"]
            assert check_html(reply["text"]) is None
            assert len(visible(reply)) <= 4096

    run(bundled, tmp_path, scenario, quota=SenderQuota(100))  # more commands than one member may give a minute


def test_the_january_timeline_has_dates_sources_and_links(bundled: Briefing, tmp_path: Path) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        reply = await ask(api, "/timeline 2022-01")
        text = visible(reply)
        assert text.index("2–9 stycznia 2022 — W Kazachstanie trwają protesty") < text.index("\n[1] ")
        assert reply["link_preview_options"] == {"is_disabled": True}  # several sources
        keyboard = reply["reply_markup"]["inline_keyboard"]
        assert [b["callback_data"] for b in keyboard[0]] == ["c:/timeline 2022-01", "p:1:/timeline 2022-01"]
        card = await ask(api, "/card zamieszki-w-kazachstanie")
        assert '<a href="https://wolnemedia.net/kazachstan/">' in card["text"]

    run(bundled, tmp_path, scenario)


def test_group_commands_with_and_without_the_bot_name(bundled: Briefing, tmp_path: Path) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        reply = await ask(api, "/csto@BriefingBot", chat=GROUP)
        assert visible(reply).startswith("ODKB (CSTO)") and reply["chat_id"] == GROUP["id"]
        assert reply["reply_parameters"]["message_id"] > 0
        assert visible(await ask(api, "/onthisday 01-06", chat=GROUP)).startswith("Tego dnia")
        await silence(api, "/csto@SomeOtherBot", GROUP)
        await silence(api, "/weather", GROUP)  # may be another bot's command
        assert "Nie znam komendy /weather" in visible(await ask(api, "/weather@BriefingBot", chat=GROUP))
        await silence(api, "dzień dobry", GROUP)
        assert "Komendy zaczynają się" in visible(await ask(api, "dzień dobry"))

    run(bundled, tmp_path, scenario)


def test_forum_topics_and_channels(bundled: Briefing, tmp_path: Path) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        reply = await ask(api, "/start", chat=GROUP, is_topic_message=True, message_thread_id=7)
        assert reply["message_thread_id"] == 7
        before = len(api.sent())
        api.user_message("/onthisday 01-06", CHANNEL, None, kind="channel_post")
        post = (await api.wait_for("sendMessage", before + 1))[before]
        assert post["chat_id"] == CHANNEL["id"] and visible(post).startswith("Tego dnia: 6 stycznia")

    run(bundled, tmp_path, scenario)


def test_paging_buttons_edit_the_message_in_place(bundled: Briefing, tmp_path: Path) -> None:
    pages = len(bundled.ask("/timeline").cards)

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        first = await ask(api, "/timeline")
        message = api.messages[(PRIVATE["id"], max(k[1] for k in api.messages))]
        api.press(message, "p:1:/timeline", ALA)
        edit = (await api.wait_for("editMessageText", 1))[0]
        assert edit["message_id"] == message["message_id"]
        assert f"Strona 2/{pages}" in visible(edit) and f"Strona 1/{pages}" in visible(first)
        labels = [b["text"] for b in edit["reply_markup"]["inline_keyboard"][0]]
        assert labels == ["‹ Poprzednia", "Wykres", "Następna ›"]
        # Stale, forged and malformed data get a polite answer and change nothing.
        for data in (f"p:{pages}:/timeline", "p:1:timeline", "k:1:0123456789ab", "x" * 64, "p:-1:/timeline"):
            api.press(message, data, OLA)
        answers = await api.wait_for("answerCallbackQuery", 6)
        assert [a.get("text") for a in answers[1:]] == ["Ta lista wygasła: zapytaj jeszcze raz."] * 5
        assert len(api.sent("editMessageText")) == 1

    run(bundled, tmp_path, scenario)


def test_a_button_repeats_only_read_only_commands(bundled: Briefing, tmp_path: Path) -> None:
    """A forged button naming a command that changes a setting (/lang, /digest), or no command the
    bot knows, is answered as an expired list and edits nothing: the message never says "Reply
    language: English." while the language stays Polish."""
    from tests.platforms.telegram.test_telegram_faults import idle

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        await ask(api, "/timeline")
        message = api.messages[(PRIVATE["id"], max(k[1] for k in api.messages))]
        forged = [
            "p:0:/lang en",
            "p:0:/LANG en",
            "p:0:/lang@BriefingBot en",
            f"k:0:{adapter.pages.key('/lang en')}",
            "p:0:/digest off",
            "p:0:/digest status",
            "p:0:/nieznana",
        ]
        for data in forged:
            api.press(message, data, ALA)  # her own chat, her own message: still not a way to /lang
        answers = await api.wait_for("answerCallbackQuery", len(forged))
        api.press(message, "p:1:/timeline", ALA)  # a read-only command still pages
        await api.wait_until(lambda: any("Strona 2/" in visible(e) for e in api.sent("editMessageText")))
        await idle(adapter)
        edits = [visible(e) for e in api.sent("editMessageText")]
        assert len(edits) == 1 and "Reply language" not in edits[0], edits
        assert [a.get("text") for a in answers] == ["Ta lista wygasła: zapytaj jeszcze raz."] * len(forged)
        assert adapter.state.language("telegram", PRIVATE["id"]) is None

    run(bundled, tmp_path, scenario)


def test_long_requests_page_through_a_short_key(bundled: Briefing, tmp_path: Path) -> None:
    request = "/search Kazachstan Kazachstanu Kazachstanie Kazachstanem kazachstan"
    assert len(request) > 60 and len(bundled.ask(request).cards) > 1

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        reply = await ask(api, request)
        data = reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        assert data.startswith("k:1:") and len(data.encode()) <= 64
        message = api.messages[(PRIVATE["id"], max(k[1] for k in api.messages))]
        api.press(message, data, ALA)
        edit = (await api.wait_for("editMessageText", 1))[0]
        assert "Strona 2/" in visible(edit)

    run(bundled, tmp_path, scenario)


def test_command_menu_in_every_language(bundled: Briefing, tmp_path: Path) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        await ask(api, "/start")
        menus = {call.get("language_code"): call["commands"] for call in api.sent("setMyCommands")}
        assert set(menus) == {None, "en", "ru"}
        polish = {c["command"]: c["description"] for c in menus[None]}
        english = {c["command"]: c["description"] for c in menus["en"]}
        russian = {c["command"]: c["description"] for c in menus["ru"]}
        assert polish["timeline"] == "wydarzenia w kolejności dat"
        assert english["timeline"] == "events in date order"
        assert russian["timeline"] == "события в порядке дат"
        assert {"start", "help", "sources", "card", "onthisday", "search", "lang", "csto"} <= set(polish)

    run(bundled, tmp_path, scenario)


def test_command_menu_is_the_command_table(bundled: Briefing, tmp_path: Path) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        await ask(api, "/start")
        menus = {call.get("language_code"): call["commands"] for call in api.sent("setMyCommands")}
        specs = all_commands(bundled.knowledge)
        for code, language in ((None, "pl"), ("en", "en")):
            assert [(c["command"], c["description"]) for c in menus[code]] == [
                (spec.name, spec.summary[language]) for spec in specs
            ]

    run(bundled, tmp_path, scenario)


def test_a_failing_command_menu_does_not_stop_the_bot(bundled: Briefing, tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    api.failures["setMyCommands"] = [ApiError(400, "Bad Request: BOT_COMMAND_INVALID")] * 2

    async def scenario(server: FakeBotApi, adapter: TelegramAdapter) -> None:
        assert visible(await ask(server, "/start")).startswith("Cześć")

    run(bundled, tmp_path, scenario, api)


def test_language_is_per_chat_and_survives_a_restart(bundled: Briefing, tmp_path: Path) -> None:
    async def first(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        assert visible(await ask(api, "/lang en")).endswith("Reply language: English.")
        assert visible(await ask(api, "/onthisday 01-06")).startswith("On this day: 6 January")
        other = await ask(api, "/onthisday 01-06", chat=OTHER_PRIVATE, user=OLA)
        assert visible(other).startswith("Tego dnia")

    async def after_restart(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        assert visible(await ask(api, "/start")).startswith("Hello! This is briefing-bot")

    run(bundled, tmp_path, first)
    run(bundled, tmp_path, after_restart)


def test_lang_ru_answers_in_russian(bundled: Briefing, tmp_path: Path) -> None:
    """/lang ru: the replies, dates, page labels and buttons in Russian; the content stays Polish."""

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        assert visible(await ask(api, "/lang ru")).endswith("Язык ответов: русский.")
        reply = await ask(api, "/timeline 2022-01")
        text = visible(reply)
        assert text.startswith("Хронология: январь 2022")
        assert "2 января 2022 — Protesty w Kazachstanie" in text and "Страница 1/2" in text
        assert "stycznia" not in text and "Strona" not in text
        assert [b["text"] for b in reply["reply_markup"]["inline_keyboard"][0]] == ["График", "Далее ›"]
        assert visible(await ask(api, "/onthisday 01-06")).startswith("В этот день: 6 января")

    run(bundled, tmp_path, scenario)


def test_flood_limits_and_server_errors_are_retried(bundled: Briefing, tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    api.failures["sendMessage"] = [
        ApiError(429, "Too Many Requests: retry after 1", retry_after=1),
        ApiError(502, "Bad Gateway"),
    ]

    async def scenario(server: FakeBotApi, adapter: TelegramAdapter) -> None:
        server.user_message("/start", PRIVATE, ALA)
        calls = await server.wait_for("sendMessage", 3)
        assert [c["chat_id"] for c in calls] == [PRIVATE["id"]] * 3
        await asyncio.sleep(0.2)
        assert len(server.sent()) == 3  # delivered once, on the third try

    run(bundled, tmp_path, scenario, api)


def test_a_chat_that_blocked_the_bot_does_not_stop_the_others(bundled: Briefing, tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN)
    api.blocked_chats.add(OTHER_PRIVATE["id"])

    async def scenario(server: FakeBotApi, adapter: TelegramAdapter) -> None:
        server.user_message("/start", OTHER_PRIVATE, OLA)
        assert visible(await ask(server, "/csto")).startswith("ODKB")
        # Updates are handled concurrently: the refused reply may come before or after the other.
        await server.wait_until(lambda: any(c["chat_id"] == OTHER_PRIVATE["id"] for c in server.sent()))
        assert sorted(c["chat_id"] for c in server.sent()) == sorted([OTHER_PRIVATE["id"], PRIVATE["id"]])
        assert not server.received().get(OTHER_PRIVATE["id"])  # tried once, refused

    run(bundled, tmp_path, scenario, api)


def test_user_text_is_escaped(bundled: Briefing, tmp_path: Path) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        reply = await ask(api, "/timeline <b>x</b> & <script>")
        assert "<b>x</b> & <script>" in visible(reply)
        reply = await ask(api, "/search " + "a" * 5000)
        assert "za długie" in visible(reply)

    run(bundled, tmp_path, scenario)


def test_the_token_never_reaches_the_logs(bundled: Briefing, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api = FakeBotApi(TOKEN)
    api.failures["sendMessage"] = [ApiError(502, "Bad Gateway")]

    async def scenario(server: FakeBotApi, adapter: TelegramAdapter) -> None:
        await ask(server, "/start")
        server.press({"message_id": 1, "date": 0, "chat": PRIVATE}, "forged", ALA)
        await server.wait_for("answerCallbackQuery", 1)

    run(bundled, tmp_path, scenario, api)
    logged = caplog.text + "".join(str(r.exc_info) for r in caplog.records)
    assert "Set Bot API URL" in logged or "getUpdates" in logged or "retrying" in logged  # there were logs
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged


def test_briefing_bot_run_serves_telegram_until_stopped(tmp_path: Path, content_dir: Path, bundled_data: Path) -> None:
    """The installed command, with the token in the environment and base_url in the config."""
    import os
    import shutil
    import signal
    import sys

    shutil.copytree(bundled_data, tmp_path / "data")

    async def main() -> tuple[int, str]:
        async with FakeBotApi(TOKEN) as api:
            (tmp_path / "config.toml").write_text(f'[telegram]\nbase_url = "{api.base_url}"\n', encoding="utf-8")
            env = {**os.environ, "BRIEFING_TELEGRAM_TOKEN": TOKEN}
            command = shutil.which("briefing-bot", path=str(Path(sys.executable).parent)) or "briefing-bot"
            process = await asyncio.create_subprocess_exec(
                command,
                "--verbose",
                "run",
                cwd=tmp_path,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                reply = await ask(api, "/onthisday 01-06")
                assert visible(reply).startswith("Tego dnia: 6 stycznia")
            finally:
                process.send_signal(signal.SIGTERM)
                _, stderr = await asyncio.wait_for(process.communicate(), 30)
            return process.returncode or 0, stderr.decode()

    code, stderr = asyncio.run(main())
    assert code == 0, stderr
    assert "Telegram adapter running" in stderr
    assert TOKEN not in stderr and TOKEN.split(":")[1] not in stderr


def test_briefing_bot_run_with_a_rejected_token(tmp_path: Path, content_dir: Path, bundled_data: Path) -> None:
    import os
    import shutil
    import sys

    shutil.copytree(bundled_data, tmp_path / "data")

    async def main() -> tuple[int, str]:
        async with FakeBotApi("987654321:AAOtherTokenTheServerExpects_000000") as api:
            (tmp_path / "config.toml").write_text(f'[telegram]\nbase_url = "{api.base_url}"\n', encoding="utf-8")
            env = {**os.environ, "BRIEFING_TELEGRAM_TOKEN": TOKEN}
            command = shutil.which("briefing-bot", path=str(Path(sys.executable).parent)) or "briefing-bot"
            process = await asyncio.create_subprocess_exec(
                command,
                "run",
                cwd=tmp_path,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
            return process.returncode or 0, stderr.decode()

    code, stderr = asyncio.run(main())
    assert code == 2
    assert "Telegram rejected the token" in stderr
    assert TOKEN not in stderr


def test_a_member_flooding_a_group_is_told_once_then_ignored(bundled: Briefing, tmp_path: Path) -> None:
    """A group's replies share Telegram's 20 a minute: past their quota a member gets one notice and
    then no answers, while others in the group, and the same person in a private chat (a quota of
    its own), still do."""

    async def scenario(server: FakeBotApi, adapter: TelegramAdapter) -> None:
        for _ in range(5):
            server.user_message("/start", GROUP, ALA)
        server.user_message("/help", GROUP, OLA)
        await server.wait_for("sendMessage", 5)  # 3 answers and a notice for Ala, an answer for Ola
        await asyncio.sleep(0.5)  # time for a reply that should not come
        texts = [visible(call) for call in server.sent() if call["chat_id"] == GROUP["id"]]
        assert len(texts) == 5, texts
        assert sum(text.startswith("Cześć") for text in texts) == 3
        assert sum(text.startswith("Komendy") for text in texts) == 1
        assert sum("Za dużo pytań naraz" in text for text in texts) == 1
        for _ in range(3):
            assert visible(await ask(server, "/start", PRIVATE, ALA)).startswith("Cześć")

    run(bundled, tmp_path, scenario, quota=SenderQuota(3, 60))


def test_a_language_that_cannot_be_saved_is_not_changed_and_the_reply_says_so(
    bundled: Briefing, tmp_path: Path
) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        # A full disk, as the state store meets it: the write's temporary file cannot be made.
        blocker = tmp_path / f".{STATE_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
        blocker.mkdir()
        try:
            assert visible(await ask(api, "/lang en")).endswith(
                "Nie zapisano zmiany: bot nie może teraz zapisać swoich danych. Nic się nie zmieniło; "
                "spróbuj ponownie później."
            )
        finally:
            blocker.rmdir()
        assert visible(await ask(api, "/start")).startswith("Cześć!")  # still Polish, in memory too

    run(bundled, tmp_path, scenario)
    assert StateStore(tmp_path).language("telegram", PRIVATE["id"]) is None
