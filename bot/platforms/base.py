"""What the application asks of a chat platform, and how a platform tells it that it exists.

A ``Platform`` starts, stops and sends a card to a target; ``send`` turns the platform's own
errors into the core's delivery outcomes (``DeliveryFailed``: permanent, to retry, or uncertain;
``ChatMoved``), so that the digests' bookkeeping never sees a library's exception. A
``PlatformEntry`` names a platform, says whether the settings turn it on (a token) and builds it;
``bot.platforms.registry`` lists the entries, and ``bot.app`` starts every one that is on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.briefings.cards import Card
from bot.briefings.service import Briefing
from bot.config import Settings
from bot.digests.compose import Target
from bot.digests.delivery import Digests
from bot.digests.state_store import StateStore
from bot.export.charts import Charts


class Platform(Protocol):
    """A chat platform as the application drives it."""

    async def start(self, listen: bool = True) -> None:
        """Connect. With ``listen``, answer the chats too (``briefing-bot run``); without, only
        send (``briefing-bot digest run``). A refused token raises ``BriefingError``."""

    async def wait_closed(self) -> None:
        """Return once the platform has stopped by itself; raise ``BriefingError`` saying why when
        a failure stopped it (a token refused while running), which ends the whole process."""

    async def stop(self) -> None:
        """Disconnect; safe to call after a failed or partial start."""

    async def send(self, target: Target, card: Card) -> None:
        """Send one card to a chat; raise ``DeliveryFailed`` (or ``ChatMoved``) when it did not
        certainly arrive, with a short, classified reason that never quotes a library.

        A platform whose sends wait in a rate limiter of its own says ``reports_admission = True``
        and calls ``bot.digests.sending.admitted()`` once the limiter lets a request go; for the
        others the router calls it just before ``send``."""


@dataclass(frozen=True, slots=True)
class Core:
    """What a platform is built from: the settings and the core's running parts, among them the
    process's one cache of timeline pictures (``charts``), which the web side shares."""

    settings: Settings
    briefing: Briefing
    state: StateStore
    digests: Digests
    charts: Charts = field(default_factory=Charts)


@dataclass(frozen=True, slots=True)
class PlatformEntry:
    """One platform in the registry: its name (as in digest targets and the state store), whether
    the settings turn it on, and how to build it. ``create`` imports the platform's library
    only when called, so that the console needs none."""

    name: str
    enabled: Callable[[Settings], bool]
    create: Callable[[Core], Platform]
