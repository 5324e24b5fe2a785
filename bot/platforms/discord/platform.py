"""Discord as a ``Platform``: the bot connected, watched and closed for the application."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

import discord

from bot.base.errors import BriefingError
from bot.briefings.cards import Card
from bot.digests.compose import Target
from bot.platforms.base import Core
from bot.platforms.discord.adapter import BriefingBot, create_bot

log = logging.getLogger(__name__)


class DiscordPlatform:
    def __init__(self, client: BriefingBot, token: str) -> None:
        self.client, self._token = client, token
        self._connection: asyncio.Task[None] | None = None

    @classmethod
    def create(cls, core: Core) -> DiscordPlatform:
        assert core.settings.discord.token is not None
        client = create_bot(core.settings, core.briefing, core.state, core.digests, core.charts)
        return cls(client, core.settings.discord.token.get_secret_value())

    async def start(self, listen: bool = True) -> None:
        """With ``listen``, connect to the gateway and return once ready; without, log in to the
        REST API only."""
        if not listen:
            await self._refused(self.client.login(self._token))
            return
        if isinstance(self.client, discord.AutoShardedClient):
            count, ids = self.client.shard_count, self.client.shard_ids
            log.warning(
                "Discord adapter starting: shards %s of %s",
                "all" if ids is None else ", ".join(map(str, ids)),
                count or "as many as Discord recommends",
            )
        else:
            log.warning("Discord adapter starting")
        self._connection = asyncio.create_task(self._refused(self.client.start(self._token)))
        ready = asyncio.create_task(self.client.wait_until_ready())
        await asyncio.wait([ready, self._connection], return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if self._connection.done():
            self._connection.result()  # a rejected token raises here

    @staticmethod
    async def _refused(connect: Awaitable[None]) -> None:
        try:
            await connect
        except discord.LoginFailure:
            raise BriefingError("Discord rejected the token: check BRIEFING_DISCORD_TOKEN or [discord] token") from None
        except discord.PrivilegedIntentsRequired as error:
            raise BriefingError(f"Discord refused the bot's intents: {error}") from None

    async def wait_closed(self) -> None:
        """Return when the gateway connection ends; raise what ended it, if anything did."""
        if self._connection is not None:
            await self._connection

    async def stop(self) -> None:
        if self._connection is not None:
            self._connection.cancel()
        await self.client.close()

    async def send(self, target: Target, card: Card) -> None:
        await self.client.deliver(target, card)
