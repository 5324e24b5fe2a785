"""Telegram as a ``Platform``: the adapter started, watched and stopped for the application."""

from __future__ import annotations

import logging
import secrets

from telegram.error import InvalidToken, NetworkError

from bot.base.errors import BriefingError
from bot.briefings.cards import Card
from bot.config import TelegramSettings
from bot.digests.compose import Target
from bot.platforms.base import Core
from bot.platforms.telegram.adapter import TelegramAdapter
from bot.platforms.telegram.webhook import Webhook

log = logging.getLogger(__name__)

TOKEN_REFUSED = (
    "the Telegram token was refused ({status}): revoked? set a new one in BRIEFING_TELEGRAM_TOKEN (or [telegram] token)"
)


class TelegramPlatform:
    #: Its rate limiter calls ``bot.digests.sending.admitted()`` as each request goes out.
    reports_admission = True

    def __init__(self, adapter: TelegramAdapter) -> None:
        self.adapter = adapter

    @classmethod
    def create(cls, core: Core) -> TelegramPlatform:
        settings = core.settings.telegram
        assert settings.token is not None
        return cls(
            TelegramAdapter(
                core.briefing,
                core.state,
                settings.token.get_secret_value(),
                settings.base_url,
                digests=core.digests,
                max_rate=settings.max_rate,
                webhook=webhook(settings),
                charts=core.charts,
            )
        )

    async def start(self, listen: bool = True) -> None:
        try:
            if listen:
                await self.adapter.start()
                log.warning("Telegram adapter running")
            else:
                await self.adapter.application.initialize()
        except InvalidToken:
            raise BriefingError(
                "Telegram rejected the token: check BRIEFING_TELEGRAM_TOKEN or [telegram] token"
            ) from None
        except NetworkError as error:
            raise BriefingError(f"cannot reach the Telegram Bot API at the configured base_url: {error}") from None

    async def wait_closed(self) -> None:
        """Raise once Telegram refuses the token while polling. The whole process stops (Discord
        too, if it runs beside): a bot deaf on Telegram should say so and exit, not run on."""
        status = await self.adapter.token_refused()
        raise BriefingError(TOKEN_REFUSED.format(status=status))

    async def stop(self) -> None:
        await self.adapter.stop()

    async def send(self, target: Target, card: Card) -> None:
        await self.adapter.deliver(target, card)


def webhook(settings: TelegramSettings) -> Webhook | None:
    """The webhook the settings ask for, if any. Without a configured secret, one is made for this
    run (Telegram is given it with the webhook), so that no webhook goes unprotected."""
    if settings.webhook_url is None:
        return None
    secret = settings.secret_token.get_secret_value() if settings.secret_token else secrets.token_urlsafe(32)
    return Webhook(settings.webhook_url, settings.listen, settings.port, secret)
