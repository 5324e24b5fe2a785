"""One chat's flood must not hold up another chat: a member's quota in private chats too, and the
bot's overall rate shared round the chats that wait. Measured by the order of the sends, not by
seconds."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.briefings.service import Briefing
from bot.digests.state import StateStore
from bot.platforms.telegram.adapter import TelegramAdapter
from bot.platforms.telegram.limits import FloodLimiter
from tests.platforms.telegram.fake_telegram import FakeBotApi
from tests.platforms.telegram.test_telegram import ALA, OLA, OTHER_PRIVATE, PRIVATE, TOKEN, visible
from tests.platforms.telegram.test_telegram_faults import calls_to, idle

FLOOD = 200


def test_a_flood_from_one_private_chat_holds_up_no_other_chat(bundled: Briefing, tmp_path: Path) -> None:
    """Ala sends /start 200 times in her private chat; Ola then asks once in hers. Ala has 10
    answers and one notice, and Ola's reply goes out next (at most a send or two of Ala's first),
    not behind Ala's backlog."""

    async def main() -> None:
        async with FakeBotApi(TOKEN) as api:
            # 10 sends a second, one at a time: Ala's replies are a backlog of a second.
            adapter = TelegramAdapter(bundled, StateStore(tmp_path), TOKEN, api.base_url, max_rate=10)
            await adapter.start(poll_timeout=1)
            try:
                for _ in range(FLOOD):
                    api.user_message("/start", PRIVATE, ALA)
                await api.wait_until(lambda: calls_to(api, PRIVATE["id"]) >= 1)  # the flood is being answered
                asked = len(api.sent())
                api.user_message("/start", OTHER_PRIVATE, OLA)
                await api.wait_until(lambda: calls_to(api, OTHER_PRIVATE["id"]) >= 1)
                chats = [call["chat_id"] for call in api.sent()]
                ahead = chats.index(OTHER_PRIVATE["id"]) - asked
                assert ahead <= 2, f"Ola's reply waited behind {ahead} of Ala's"
                await api.wait_until(lambda: calls_to(api, PRIVATE["id"]) >= 11)
                await idle(adapter)
                texts = [visible(call) for call in api.sent() if call["chat_id"] == PRIVATE["id"]]
                assert len(texts) == 11, texts
                assert sum(text.startswith("Cześć") for text in texts) == 10
                assert sum("Za dużo pytań naraz" in text for text in texts) == 1
            finally:
                await adapter.stop()

    asyncio.run(main())


def test_the_overall_rate_goes_round_the_chats_that_wait() -> None:
    """40 sends to one chat are waiting when another chat's one send comes: it goes out after at
    most one more of the 40, not after all of them."""

    async def main() -> tuple[list[int], int]:
        limiter = FloodLimiter(max_rate=100)  # 10 at once, then one every 10 ms
        order: list[int] = []
        started = asyncio.Event()

        async def send(chat: int) -> None:
            order.append(chat)
            started.set()

        def request(chat: int) -> asyncio.Future[None]:
            return asyncio.ensure_future(
                limiter.process_request(send, (chat,), {}, "sendMessage", {"chat_id": chat}, None)
            )

        backlog = [request(1) for _ in range(40)]
        await started.wait()
        asked = len(order)
        await request(2)
        await asyncio.gather(*backlog)
        return order, asked

    order, asked = asyncio.run(main())
    assert len(order) == 41 and asked < 40
    assert order.index(2) - asked <= 1, order
