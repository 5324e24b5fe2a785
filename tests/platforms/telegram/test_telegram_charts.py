"""Timeline pictures on Telegram: the chart button beside the paging buttons, the photo it sends
(or ``/timeline … chart`` sends), drawn once and then served from the cache, and the fake Bot
API's ``sendPhoto``, which takes only what Telegram takes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from telegram.error import BadRequest

from bot.briefings.service import Briefing
from bot.export.charts import Charts
from bot.export.png import WIDTH
from bot.platforms.quota import SenderQuota
from bot.platforms.telegram.adapter import TelegramAdapter
from tests.platforms.fake_charts import VanishedCharts
from tests.platforms.telegram.fake_telegram import FakeBotApi, check_html
from tests.platforms.telegram.test_telegram import ALA, GROUP, PRIVATE, Scenario, ask, visible
from tests.platforms.telegram.test_telegram import run as run_bot
from tests.platforms.telegram.test_telegram_faults import idle

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STALE = "Ta lista wygasła: zapytaj jeszcze raz."


def run(
    briefing: Briefing, data: Path, scenario: Scenario, charts: Charts, quota: SenderQuota | None = None
) -> FakeBotApi:
    return run_bot(briefing, data, scenario, quota=quota if quota is not None else SenderQuota(100), charts=charts)


def buttons(reply: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["text"], b["callback_data"]) for row in reply["reply_markup"]["inline_keyboard"] for b in row]


def last_message(api: FakeBotApi, chat: dict[str, Any] = PRIVATE) -> dict[str, Any]:
    return api.messages[(chat["id"], max(k[1] for k in api.messages if k[0] == chat["id"]))]


def image(photo: bytes) -> tuple[str | None, tuple[int, int]]:
    with Image.open(io.BytesIO(photo)) as opened:
        opened.load()
        return opened.format, opened.size


def test_the_chart_button_sends_the_picture_then_serves_it_from_the_cache(bundled: Briefing, tmp_path: Path) -> None:
    charts = Charts()

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        reply = await ask(api, "/timeline 2022-01")
        assert buttons(reply) == [("Wykres", "c:/timeline 2022-01"), ("Następna ›", "p:1:/timeline 2022-01")]
        timeline = last_message(api)
        api.press(timeline, "c:/timeline 2022-01", ALA)
        first = (await api.wait_for("sendPhoto", 1))[0]
        await idle(adapter)
        assert first["chat_id"] == PRIVATE["id"] and first["reply_parameters"]["message_id"] == timeline["message_id"]
        assert check_html(first["caption"]) is None
        caption = visible({"text": first["caption"]})
        assert caption.startswith("Wykres: styczeń 2022\n") and "jako lista: /timeline 2022-01" in caption
        photo = api.photos[(PRIVATE["id"], max(api.photos)[1])]
        assert photo.startswith(PNG_SIGNATURE)
        kind, (width, height) = image(photo)
        assert kind == "PNG" and width == WIDTH and width + height <= 10_000
        assert charts.drawn == 1
        api.press(timeline, "c:/timeline 2022-01", ALA)  # again: the same picture, not drawn again
        await api.wait_for("sendPhoto", 2)
        await idle(adapter)  # the bot has had Telegram's answer: the photo is stored
        assert charts.drawn == 1 and len(api.photos) == 2 and len(set(api.photos.values())) == 1
        # The typed request for the same picture is served from the cache too.
        api.user_message("/timeline 2022-01 chart", PRIVATE, ALA)
        typed = (await api.wait_for("sendPhoto", 3))[2]
        assert visible({"text": typed["caption"]}) == caption and charts.drawn == 1
        assert len(api.sent("sendMessage")) == 1  # only the timeline: every picture went as a photo

    run(bundled, tmp_path, scenario, charts)


def test_a_topic_card_and_a_group_get_the_picture_too(bundled: Briefing, tmp_path: Path) -> None:
    charts = Charts()

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        card = await ask(api, "/csto@BriefingBot", chat=GROUP)
        assert buttons(card) == [("Wykres", "c:/csto@BriefingBot")]
        api.press(last_message(api, GROUP), "c:/csto@BriefingBot", ALA)
        photo = (await api.wait_for("sendPhoto", 1))[0]
        assert photo["chat_id"] == GROUP["id"]
        assert visible({"text": photo["caption"]}).startswith("Wykres: ODKB (CSTO) w Kazachstanie\n")
        api.user_message("/protesty chart", GROUP, ALA)
        await api.wait_for("sendPhoto", 2)
        await idle(adapter)
        assert charts.drawn == 2 and len(api.photos) == 2
        assert all(image(p)[0] == "PNG" for p in api.photos.values())

    run(bundled, tmp_path, scenario, charts)


def test_a_chart_press_counts_against_the_senders_quota(bundled: Briefing, tmp_path: Path) -> None:
    """Unlike a page turned, a picture is a new message in the chat: a member pressing the button
    over and over is held to the quota of requests, told so in the button's answer."""

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        await ask(api, "/timeline 2022-01")  # the first request of two a minute
        timeline = last_message(api)
        for _ in range(3):
            api.press(timeline, "c:/timeline 2022-01", ALA)
        answers = await api.wait_for("answerCallbackQuery", 3)
        assert sorted(a.get("text") or "" for a in answers) == [
            "",
            *["Za dużo pytań naraz: odpowiem znowu za chwilę."] * 2,
        ]
        await api.wait_for("sendPhoto", 1)
        await idle(adapter)
        assert len(api.sent("sendPhoto")) == 1

    run(bundled, tmp_path, scenario, Charts(), SenderQuota(2))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pl", "Nie ma czego narysować: brak wydarzeń dla: 2030."),
        ("en", "Nothing to draw: no events for: 2030."),
    ],
)
def test_a_chart_of_nothing_is_a_notice_in_the_chats_language(
    bundled: Briefing, tmp_path: Path, language: str, expected: str
) -> None:
    charts = Charts()

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        if language != "pl":
            await ask(api, f"/lang {language}")
        empty = await ask(api, "/timeline 2030")
        assert "reply_markup" not in empty  # nothing to draw: no button
        notice = await ask(api, "/timeline 2030 chart")
        assert visible(notice).endswith(expected) and "reply_markup" not in notice
        assert api.sent("sendPhoto") == [] and charts.drawn == 0

    run(bundled, tmp_path, scenario, charts)


def test_chart_buttons_keep_to_64_bytes_and_refuse_what_is_forged(bundled: Briefing, tmp_path: Path) -> None:
    request = "/timeline@BriefingBot Organizacja Układu o Bezpieczeństwie Zbiorowym"
    assert len(f"c:{request}".encode()) > 64
    charts = Charts()

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        reply = await ask(api, request)
        (label, data), *_ = buttons(reply)
        assert label == "Wykres" and data.startswith("d:") and len(data.encode()) <= 64
        message = last_message(api)
        api.press(message, data, ALA)
        photo = (await api.wait_for("sendPhoto", 1))[0]
        assert visible({"text": photo["caption"]}).startswith("Wykres: ODKB (CSTO) w Kazachstanie")
        forged = ["c:/lang en", "c:/digest off", f"d:{adapter.pages.key('/lang en')}", "d:0123456789ab", "c:timeline"]
        for data in forged:
            api.press(message, data, ALA)
        answers = await api.wait_for("answerCallbackQuery", 1 + len(forged))
        assert [a.get("text") for a in answers[1:]] == [STALE] * len(forged)
        assert len(api.sent("sendPhoto")) == 1 and adapter.state.language("telegram", PRIVATE["id"]) is None

    run(bundled, tmp_path, scenario, charts)


def test_a_picture_that_cannot_be_drawn_is_a_notice_not_the_exports_english(bundled: Briefing, tmp_path: Path) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        await ask(api, "/lang ru")
        notice = await ask(api, "/timeline 2022-01 chart")
        assert visible(notice) == "График: январь 2022\n\nНе удалось нарисовать график этих событий; спросите ещё раз."
        assert api.sent("sendPhoto") == []

    run(bundled, tmp_path, scenario, VanishedCharts())


def png_of(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_fake_bot_api_takes_only_photos_telegram_takes(tmp_path: Path, bundled: Briefing) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter) -> None:
        bot = adapter.application.bot
        chat = PRIVATE["id"]
        sent = await bot.send_photo(chat, png_of(1080, 600), caption="<b>Wykres</b>", parse_mode="HTML")
        assert sent.photo[-1].width == 1080 and sent.caption == "Wykres"
        jpeg = io.BytesIO()
        Image.new("RGB", (400, 300)).save(jpeg, format="JPEG")
        assert (await bot.send_photo(chat, jpeg.getvalue())).photo[-1].height == 300
        refused = [
            ({"photo": b"not a picture at all"}, "IMAGE_PROCESS_FAILED"),
            ({"photo": png_of(1080, 600)[:200]}, "IMAGE_PROCESS_FAILED"),  # cut short
            ({"photo": png_of(1080, 9000)}, "PHOTO_INVALID_DIMENSIONS"),  # width + height > 10000
            ({"photo": png_of(2100, 100)}, "PHOTO_INVALID_DIMENSIONS"),  # a ratio over 20
            ({"photo": png_of(100, 100), "caption": "x" * 1025}, "message caption is too long"),
            ({"photo": png_of(100, 100), "caption": "<b>x", "parse_mode": "HTML"}, "can't parse entities"),
            ({"photo": "AgACAgIAAxkBAAIB"}, "wrong file identifier"),
        ]
        for arguments, error in refused:
            with pytest.raises(BadRequest, match=f"(?i){error}"):
                await bot.send_photo(chat, **arguments)
        gif = io.BytesIO()
        Image.new("RGB", (10, 10)).save(gif, format="GIF")
        with pytest.raises(BadRequest, match="(?i)image_process_failed"):
            await bot.send_photo(chat, gif.getvalue())
        assert len(api.photos) == 2

    run(bundled, tmp_path, scenario, Charts())
