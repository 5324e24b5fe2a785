"""The adapter contract: the application runs whatever the registry lists, through ``Platform``
(start, stop, send, wait until closed) alone; a fake platform, registered by one entry, gets the
digests of its chats and its failures counted as the core's delivery outcomes."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bot import app
from bot.base.errors import BriefingError
from bot.briefings.cards import Card
from bot.briefings.service import Briefing
from bot.config import Settings, load_settings, token_sections
from bot.digests.compose import Subscription, Target
from bot.digests.delivery import DeliveryFailed, Digests
from bot.digests.state import StateStore
from bot.platforms.base import Core, Platform, PlatformEntry
from bot.platforms.console.render import render_card
from bot.platforms.registry import PLATFORMS
from bot.platforms.telegram.render import render_html
from tests.conftest import REPO
from tests.digests.test_digests import Clock

WARSAW = ZoneInfo("Europe/Warsaw")


class FakePlatform:
    """Records what it is asked to do; a chat listed in ``fail`` fails as a platform would."""

    def __init__(
        self,
        name: str,
        journal: list[str],
        fail: dict[str, DeliveryFailed] | None = None,
        start_error: BriefingError | None = None,
        closed_error: BriefingError | None = None,
    ) -> None:
        self.name, self.journal, self.fail = name, journal, fail or {}
        self.start_error, self.closed_error = start_error, closed_error
        self.sent: list[tuple[Target, Card]] = []

    async def start(self, listen: bool = True) -> None:
        self.journal.append(f"{self.name} start listen={listen}")
        if self.start_error is not None:
            raise self.start_error

    async def wait_closed(self) -> None:
        await asyncio.sleep(0.05)  # after the scheduler's catch-up has run
        if self.closed_error is not None:
            raise self.closed_error
        await asyncio.Event().wait()

    async def stop(self) -> None:
        self.journal.append(f"{self.name} stop")

    async def send(self, target: Target, card: Card) -> None:
        if target.chat in self.fail:
            raise self.fail[target.chat]
        self.sent.append((target, card))


def entry(platform: FakePlatform, enabled: bool = True) -> PlatformEntry:
    def create(core: Core) -> Platform:
        platform.journal.append(f"{platform.name} created")
        return platform

    return PlatformEntry(platform.name, lambda settings: enabled, create)


def test_digest_run_sends_through_a_registered_platform_and_maps_its_failures(
    bundled: Briefing, tmp_path: Path
) -> None:
    settings = load_settings(data=tmp_path)
    state = StateStore(tmp_path)
    digests = Digests(bundled, state, "Europe/Warsaw", Clock(datetime(2027, 1, 6, 7, tzinfo=WARSAW)))
    journal: list[str] = []
    fake = FakePlatform("fake", journal, fail={"2": DeliveryFailed("403: blocked", permanent=True)})
    off = FakePlatform("off", journal)
    items = [
        (Subscription(Target(platform, chat)), date(2027, 1, 6))
        for platform, chat in (("fake", "1"), ("fake", "2"), ("off", "3"))
    ]
    out = io.StringIO()
    code = asyncio.run(
        app._deliver_now(
            settings, bundled, state, digests, items, out, platforms=(entry(fake), entry(off, enabled=False))
        )
    )
    assert journal == ["fake created", "fake start listen=False", "fake stop"]  # the one turned off: never built
    assert [(target.key, card.title) for target, card in fake.sent] == [("fake:1:", "Tego dnia: 6 stycznia")]
    assert out.getvalue().splitlines() == ["fake:1:  sent", "fake:2:  failed (403: blocked)"]
    assert code == 1
    assert state.last_delivery("fake:2:")["state"] == "failed"  # type: ignore[index]


def test_run_serves_every_enabled_platform_until_one_fails(bundled: Briefing, tmp_path: Path) -> None:
    """The scheduler sends through the platforms started from the registry; a platform that stops
    with an error stops the process, and every platform started is stopped."""
    settings = Settings(data=tmp_path, reload_seconds=0)
    state = StateStore(tmp_path)
    state.put_subscriptions([Subscription(Target("fake", "1"), "09:00", empty="nearest")])  # due: a catch-up
    journal: list[str] = []
    fake = FakePlatform("fake", journal, closed_error=BriefingError("the fake token was refused"))
    other = FakePlatform("other", journal)
    with pytest.raises(BriefingError, match="the fake token was refused"):
        asyncio.run(app._serve(settings, bundled, state, platforms=(entry(fake), entry(other))))
    assert journal == [
        "fake created",
        "fake start listen=True",
        "other created",
        "other start listen=True",
        "other stop",
        "fake stop",
    ]
    assert [target.key for target, _ in fake.sent] == ["fake:1:"]


def test_a_platform_that_fails_to_start_is_stopped_and_the_rest_not_started(bundled: Briefing, tmp_path: Path) -> None:
    journal: list[str] = []
    refused = FakePlatform("fake", journal, start_error=BriefingError("the fake rejected the token"))
    later = FakePlatform("later", journal)
    with pytest.raises(BriefingError, match="rejected"):
        asyncio.run(
            app._serve(
                Settings(data=tmp_path, reload_seconds=0),
                bundled,
                StateStore(tmp_path),
                platforms=(entry(refused), entry(later)),
            )
        )
    assert journal == ["fake created", "fake start listen=True", "fake stop"]


def test_each_platform_is_on_when_its_token_is_set() -> None:
    names = [platform.name for platform in PLATFORMS]
    assert names == ["telegram", "discord"] == token_sections()
    tokens = Settings.model_validate({name: {"token": f"{name}-token"} for name in names})
    assert all(platform.enabled(tokens) for platform in PLATFORMS)
    assert [token.get_secret_value() for token in tokens.tokens()] == ["telegram-token", "discord-token"]
    assert not any(platform.enabled(tokens.without_tokens()) for platform in PLATFORMS)
    assert not any(platform.enabled(Settings()) for platform in PLATFORMS)
    one = Settings.model_validate({"discord": {"token": SecretStr("d")}})
    assert [platform.name for platform in PLATFORMS if platform.enabled(one)] == ["discord"]


def test_the_registry_imports_no_platform_library() -> None:
    """The console needs none: a platform's library is imported only when it is built."""
    script = (
        "import sys, bot.platforms.registry, bot.app\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'discord')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("render", [render_card, render_html], ids=["console", "telegram"])
def test_a_topic_card_reads_events_first_then_where_sources_differ(
    bundled: Briefing, render: Callable[[Card], str]
) -> None:
    """A wire editor's order: what it is about, what happened, where the sources differ, who says
    so. The notes of where sources differ once stood above the events."""
    card = bundled.ask("/csto").cards[0]
    assert card.lines and card.notes
    text = render(card)
    first_event = text.index(card.lines[0].text.split("…")[0][:30])
    notes = [text.index(note.name) for note in card.notes]
    sources = text.index(card.sources[0].outlet)
    assert all(first_event < where < sources for where in notes)
