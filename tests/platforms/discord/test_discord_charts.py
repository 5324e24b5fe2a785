"""Timeline pictures on Discord, through SimCord: ``/timeline … chart:True`` (and a topic command's
chart option) answers with an embed showing the picture, attached as a PNG; a timeline's chart
button sends the same; nothing to draw is the core's notice."""

from __future__ import annotations

import io

from PIL import Image

from bot.export.png import WIDTH
from bot.platforms.quota import SenderQuota
from tests.platforms.discord.test_discord import content, simcord_bot, world  # noqa: F401  (fixtures)
from tests.platforms.fake_charts import VanishedCharts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def picture_of(message) -> tuple[bytes, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """The PNG a message carries, checked to be the one its embed shows."""
    (attachment,) = message.attachments
    assert attachment.filename == "timeline.png"
    (embed,) = message.embeds
    assert embed.image.url in (f"attachment://{attachment.filename}", attachment.url)
    data = await attachment.read()
    assert data.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "PNG"
        return data, image.size


async def test_timeline_chart_option_answers_with_the_picture(simcord_env) -> None:  # type: ignore[no-untyped-def]
    _, channel, alice = world(simcord_env)
    result = await alice.slash(channel, "timeline", period="2022-01", chart=True)
    message = channel.last_message
    assert message.embeds[0].title == "Wykres: styczeń 2022"
    assert "jako lista: /timeline 2022-01" in (message.embeds[0].description or "")
    data, (width, height) = await picture_of(message)
    assert width == WIDTH and width + height <= 10_000
    assert simcord_env.bot.charts.drawn == 1 and not result.ephemeral
    topic = await alice.slash(channel, "csto", chart=True)
    assert not topic.ephemeral and channel.last_message.embeds[0].title == "Wykres: ODKB (CSTO) w Kazachstanie"
    await picture_of(channel.last_message)
    assert simcord_env.bot.charts.drawn == 2


async def test_the_chart_button_sends_the_picture_from_the_cache(simcord_env) -> None:  # type: ignore[no-untyped-def]
    _, channel, alice = world(simcord_env)
    first = await alice.slash(channel, "timeline", period="2022-01")
    labels = [button.label for button in channel.last_message.components[0].children]
    assert labels == ["‹ Poprzednia", "Następna ›", "Wykres"]
    await alice.click(first.response, label="Wykres")
    data, _ = await picture_of(channel.last_message)
    assert simcord_env.bot.charts.drawn == 1
    await alice.slash(channel, "timeline", period="2022-01", chart=True)  # the same picture: kept
    again, _ = await picture_of(channel.last_message)
    assert again == data and simcord_env.bot.charts.drawn == 1
    single = await alice.slash(channel, "csto")  # one card: the chart button alone
    assert [b.label for b in channel.last_message.components[0].children] == ["Wykres"]
    assert single.response.embeds[0].title == "ODKB (CSTO) w Kazachstanie"


async def test_a_chart_of_nothing_is_the_notice(simcord_env) -> None:  # type: ignore[no-untyped-def]
    _, channel, alice = world(simcord_env)
    result = await alice.slash(channel, "timeline", period="2030", chart=True)
    embed = result.response.embeds[0]
    assert embed.description == "Nie ma czego narysować: brak wydarzeń dla: 2030."
    assert not result.response.attachments and embed.image.url is None
    assert simcord_env.bot.charts.drawn == 0
    plain = await alice.slash(channel, "timeline", period="2030")
    assert not plain.response.components  # nothing to draw: no button


async def test_a_chart_press_counts_against_the_members_quota(simcord_env) -> None:  # type: ignore[no-untyped-def]
    simcord_env.bot.quota = SenderQuota(2)
    _, channel, alice = world(simcord_env)
    first = await alice.slash(channel, "timeline", period="2022-01")
    await alice.click(first.response, label="Wykres")
    await picture_of(channel.last_message)
    refused = await alice.click(first.response, label="Wykres")
    assert refused.ephemeral and "Za dużo pytań" in refused.response.content
    assert simcord_env.bot.charts.drawn == 1


async def test_a_picture_that_cannot_be_drawn_is_a_notice(simcord_env) -> None:  # type: ignore[no-untyped-def]
    simcord_env.bot.charts = VanishedCharts()
    _, channel, alice = world(simcord_env)
    await alice.slash(channel, "timeline", period="2022-01", chart=True)
    message = channel.last_message
    assert message.embeds[0].description == "Nie udało się narysować wykresu tych wydarzeń; zapytaj jeszcze raz."
    assert not message.attachments and message.embeds[0].image.url is None
