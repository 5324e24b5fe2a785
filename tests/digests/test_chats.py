"""The core's rule on a chat's settings, with a fake ``is_admin``: only admins change a chat's
language or digest, the platform is asked only when that matters, and a change that cannot be
saved is not made."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.base.errors import StoreError
from bot.briefings.cards import Reply
from bot.briefings.request import Chat
from bot.briefings.service import Briefing
from bot.digests.chats import Chats
from bot.digests.compose import Target
from bot.digests.delivery import Digests
from bot.digests.state import StateStore
from bot.i18n.messages import Language
from tests.digests.test_digests import Clock

WARSAW = ZoneInfo("Europe/Warsaw")


class Admin:
    """A fake platform's answer to "is the sender an admin?", counting the questions; awaitable
    like Telegram's, or not, like Discord's."""

    def __init__(self, answer: bool, awaitable: bool = True) -> None:
        self.answer, self.awaitable, self.asked = answer, awaitable, 0

    def __call__(self) -> object:
        self.asked += 1
        if not self.awaitable:
            return self.answer

        async def ask() -> bool:
            return self.answer

        return ask()


class UnwritableState(StateStore):
    """A state store on a full disk."""

    def set_language(self, platform: str, chat: str | int, language: Language) -> None:
        raise StoreError("no space left on device")

    def put_subscriptions(self, subscriptions: object) -> None:
        raise StoreError("no space left on device")


def chats(briefing: Briefing, state: StateStore) -> Chats:
    clock = Clock(datetime(2027, 1, 6, 7, tzinfo=WARSAW))
    return Chats(briefing, state, Digests(briefing, state, "Europe/Warsaw", clock))


def answer(chats: Chats, text: str, admin: Admin, language: Language = "pl", thread: str | None = None) -> Reply:
    return asyncio.run(chats.answer(text, Chat("fake", "-7", language, admin, thread)))  # type: ignore[arg-type]


def body(reply: Reply) -> str:
    return reply.cards[0].body or ""


@pytest.mark.parametrize("awaitable", [True, False])
def test_only_an_admin_changes_the_language(bundled: Briefing, tmp_path: Path, awaitable: bool) -> None:
    state = StateStore(tmp_path)
    core = chats(bundled, state)
    member = Admin(False, awaitable)
    refused = answer(core, "/lang en", member)
    assert body(refused) == "Język odpowiedzi w tym czacie zmieniają tylko jego administratorzy."
    assert refused.language is None and member.asked == 1
    assert state.language("fake", "-7") is None and core.language("fake", "-7") == "pl"
    admin = Admin(True, awaitable)
    changed = answer(core, "/lang en", admin)
    assert changed.language == "en" and body(changed) == "Reply language: English."
    assert StateStore(tmp_path).language("fake", "-7") == "en"  # on disk
    assert core.language("fake", -7) == "en"


def test_the_platform_is_asked_only_when_it_matters(bundled: Briefing, tmp_path: Path) -> None:
    core = chats(bundled, StateStore(tmp_path))
    member = Admin(False)
    for text in ("/start", "/onthisday 01-06", "/timeline 2022-01", "/lang xx", "/lang", "/help lang", "hello"):
        assert "administratorzy" not in body(answer(core, text, member)), text
    assert member.asked == 0
    answer(core, "/digest status", member)
    assert member.asked == 1


def test_only_an_admin_manages_the_digest(bundled: Briefing, tmp_path: Path) -> None:
    state = StateStore(tmp_path)
    core = chats(bundled, state)
    for text in ("/digest on 08:00", "/digest", "/digest status", "/digest off", "/digest@SomeBot on"):
        assert body(answer(core, text, Admin(False))) == "Przeglądem zarządzają tylko administratorzy tego czatu."
    assert state.subscriptions() == []
    on = answer(core, "/digest on 08:00 Asia/Almaty", Admin(True, awaitable=False), thread="3")
    assert body(on).startswith("Włączono codzienny przegląd: 08:00 (Asia/Almaty).")
    [subscription] = StateStore(tmp_path).subscriptions()
    assert subscription.target == Target("fake", "-7", "3") and subscription.time == "08:00"


def test_a_language_that_cannot_be_saved_is_not_changed(bundled: Briefing, tmp_path: Path) -> None:
    core = chats(bundled, UnwritableState(tmp_path))
    reply = answer(core, "/lang en", Admin(True))
    assert reply.language is None and body(reply).startswith("Nie zapisano zmiany")
    assert core.language("fake", "-7") == "pl"
    digest = answer(core, "/digest on", Admin(True), language="en")
    assert body(digest).startswith("The change was not saved")


def test_without_digests_the_digest_command_says_where_it_works(bundled: Briefing, tmp_path: Path) -> None:
    member = Admin(False)
    reply = asyncio.run(Chats(bundled, StateStore(tmp_path)).answer("/digest on", Chat("fake", "1", "en", member)))
    assert body(reply).startswith('"On this day" digests are set up in a Telegram chat')
    assert member.asked == 0
