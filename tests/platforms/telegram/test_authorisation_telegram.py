"""Who may change a chat's digest on Telegram, through every path an update can take.

Only a chat's admins (asked from getChatMember on the fake Bot API), an anonymous admin (posting
as the group itself), a channel's posts (only its admins can post), and a user in their own
private chat. Everyone else, and everything else (edited messages, callback data, a linked
channel speaking in its discussion group, a user posting as some channel), changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.briefings.service import Briefing
from bot.digests.compose import Subscription, Target
from bot.digests.delivery import Digests
from bot.digests.state import StateStore
from bot.platforms.quota import SenderQuota
from bot.platforms.telegram.adapter import ADMIN_CACHE_SECONDS, TelegramAdapter
from tests.platforms.telegram.fake_telegram import FakeBotApi
from tests.platforms.telegram.test_telegram import ALA, OLA, PRIVATE, TOKEN, ask, visible
from tests.platforms.telegram.test_telegram_faults import idle

WARSAW = ZoneInfo("Europe/Warsaw")
REFUSED = "tylko administratorzy"

BASIC = {"id": -4001, "type": "group", "title": "Grupa"}
SUPERGROUP = {"id": -1004002, "type": "supergroup", "title": "Supergrupa"}
FORUM = {"id": -1004003, "type": "supergroup", "title": "Forum", "is_forum": True}
CHANNEL = {"id": -1004004, "type": "channel", "title": "Kanał", "username": "kanal"}
DISCUSSION = {"id": -1004005, "type": "supergroup", "title": "Dyskusja"}  # the channel's linked chat
ELSEWHERE = {"id": -1004006, "type": "channel", "title": "Kanał Oli", "username": "kanalOli"}
GROUPS = (BASIC, SUPERGROUP, FORUM, DISCUSSION)
# Telegram's service accounts: anonymous admins post as GroupAnonymousBot, linked channels as Channel_Bot.
ANONYMOUS = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
OLA_PRIVATE = {"id": OLA["id"], "type": "private", "first_name": "Ola"}

#: Every /digest action: the ones that change settings, and the ones that only show them.
ACTIONS = [
    "on 08:00",
    "on 10:00 Asia/Almaty",
    "off",
    "empty nearest",
    "topics csto",
    "topics all",
    "status",
    "preview 01-06",
    "",
]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


Scenario = Callable[[FakeBotApi, TelegramAdapter, StateStore, Clock], Awaitable[None]]


def run(bundled: Briefing, data: Path, scenario: Scenario) -> None:
    async def main() -> None:
        async with FakeBotApi(TOKEN) as api:
            for group in (*GROUPS, CHANNEL, *(chat for _, chat, _ in SENDERS)):
                api.admins[group["id"]] = {ALA["id"]}
            api.chats.update({"@kanal": CHANNEL, "@kanalOli": ELSEWHERE, "@grupa": SUPERGROUP})
            api.admins[ELSEWHERE["id"]] = {OLA["id"]}
            state, clock = StateStore(data), Clock()
            digests = Digests(bundled, state, "Europe/Warsaw", lambda: datetime(2027, 1, 6, 7, tzinfo=WARSAW))
            # A quota larger than the commands one member gives here: what is under test is who may.
            adapter = TelegramAdapter(
                bundled,
                state,
                TOKEN,
                api.base_url,
                max_retries=1,
                digests=digests,
                clock=clock,
                quota=SenderQuota(100, clock=clock),
            )
            await adapter.start(poll_timeout=1)
            try:
                await scenario(api, adapter, state, clock)
            finally:
                await adapter.stop()

    asyncio.run(main())


def seed(state: StateStore) -> list[Subscription]:
    """A digest in every chat, set up by its admin, for the others to try to change."""
    subscriptions = [
        Subscription(Target("telegram", str(chat["id"])), "07:30", "Europe/Warsaw")
        for chat in (*GROUPS, CHANNEL, *(chat for _, chat, _ in SENDERS))
    ]
    subscriptions.append(Subscription(Target("telegram", str(FORUM["id"]), "7"), "07:45", "Europe/Warsaw"))
    state.put_subscriptions(subscriptions)
    return sorted(state.subscriptions(), key=lambda s: s.target.key)


def unchanged(state: StateStore, before: list[Subscription], data: Path) -> None:
    assert sorted(state.subscriptions(), key=lambda s: s.target.key) == before
    assert sorted(StateStore(data).subscriptions(), key=lambda s: s.target.key) == before  # and on disk


def senders() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(case, chat, message fields) for every way a non-admin's command reaches a group.

    Each case has a chat of its own (of the same kind, with Ala as its admin), so that the bot's
    refusals stay within Telegram's 20 messages a minute to a group, which the bot keeps to."""
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for group in GROUPS:
        cases.append((f"member-in-{group['title']}", group, {"from": OLA}))
    cases += [
        ("member-in-a-forum-topic", FORUM, {"from": OLA, "is_topic_message": True, "message_thread_id": 7}),
        (
            "linked-channel-forwarded",
            DISCUSSION,
            {"from": CHANNEL_BOT, "sender_chat": CHANNEL, "is_automatic_forward": True},
        ),
        ("posting-as-the-linked-channel", DISCUSSION, {"from": CHANNEL_BOT, "sender_chat": CHANNEL}),
        ("posting-as-another-channel", SUPERGROUP, {"from": CHANNEL_BOT, "sender_chat": ELSEWHERE}),
        ("no-sender", SUPERGROUP, {}),
        ("anonymous-bot-without-the-group", SUPERGROUP, {"from": ANONYMOUS}),
    ]
    return [
        (case, {**chat, "id": chat["id"] - 100 * number}, fields)
        for number, (case, chat, fields) in enumerate(cases, 1)
    ]


SENDERS = senders()


def test_non_admins_change_nothing_in_any_group(bundled: Briefing, tmp_path: Path) -> None:
    """10 commands x 10 ways of sending, each refused, and nothing changed in the file either."""

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter, state: StateStore, clock: Clock) -> None:
        before = seed(state)
        commands = [f"/digest {action}".strip() for action in ACTIONS] + ["/digest@BriefingBot off"]
        for case, chat, fields in SENDERS:
            for command in commands:
                reply = await ask(api, command, chat=chat, user=None, **fields)
                assert REFUSED in visible(reply), (case, command)
        unchanged(state, before, tmp_path)

    run(bundled, tmp_path, scenario)


def test_admins_anonymous_admins_and_channel_posts_may(bundled: Briefing, tmp_path: Path) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter, state: StateStore, clock: Clock) -> None:
        seed(state)
        allowed = [
            (SUPERGROUP, {"from": ALA}, Target("telegram", str(SUPERGROUP["id"]))),
            (BASIC, {"from": ALA}, Target("telegram", str(BASIC["id"]))),
            (
                FORUM,
                {"from": ALA, "is_topic_message": True, "message_thread_id": 7},
                Target("telegram", str(FORUM["id"]), "7"),
            ),
            (SUPERGROUP, {"from": ANONYMOUS, "sender_chat": SUPERGROUP}, Target("telegram", str(SUPERGROUP["id"]))),
        ]
        for chat, fields, target in allowed:
            reply = await ask(api, "/digest on 06:15", chat=chat, user=None, **fields)
            assert "Włączono" in visible(reply)
            assert state.subscription(target.key).time == "06:15"  # type: ignore[union-attr]
            await ask(api, "/digest on 07:30", chat=chat, user=None, **fields)
        post = await ask(api, "/digest on 06:15", chat=CHANNEL, user=None, kind="channel_post", sender_chat=CHANNEL)
        assert "Włączono" in visible(post)
        assert state.subscription(Target("telegram", str(CHANNEL["id"])).key).time == "06:15"  # type: ignore[union-attr]

    run(bundled, tmp_path, scenario)


@pytest.mark.parametrize("kind", ["edited_message", "edited_channel_post"])
def test_edited_messages_carrying_a_digest_command_change_nothing(bundled: Briefing, tmp_path: Path, kind: str) -> None:
    """Edits are not commands, not even an admin's (an edit of an old message would replay it)."""

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter, state: StateStore, clock: Clock) -> None:
        before = seed(state)
        sent = len(api.sent())
        for action in ACTIONS:
            for chat, user in ((SUPERGROUP, ALA), (SUPERGROUP, OLA), (CHANNEL, None), (PRIVATE, ALA)):
                api.user_message(f"/digest {action}".strip(), chat, user, kind=kind, edit_date=1)
        await ask(api, "/start")  # the bot has taken every update before this one ...
        await idle(adapter)  # ... and finished with them
        assert len(api.sent()) == sent + 1  # no reply to any edit
        unchanged(state, before, tmp_path)

    run(bundled, tmp_path, scenario)


def test_callback_data_never_reaches_the_digest(bundled: Briefing, tmp_path: Path) -> None:
    """Forged data aimed at /digest, a paging key that stands for one, and another user's paging
    button: the first two get the core's read-only answer, the last just turns the page."""

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter, state: StateStore, clock: Clock) -> None:
        before = seed(state)
        paged = await ask(api, "/timeline", chat=SUPERGROUP, user=ALA)
        message = api.messages[(SUPERGROUP["id"], max(k[1] for k in api.messages if k[0] == SUPERGROUP["id"]))]
        assert [b["callback_data"] for b in paged["reply_markup"]["inline_keyboard"][0]] == [
            "c:/timeline",
            "p:1:/timeline",
        ]
        key = adapter.pages.key("/digest off")  # as if a paged reply had stood for it
        forged = [f"p:0:/digest {action}".strip() for action in ACTIONS] + [
            "p:0:/digest@BriefingBot off",
            f"k:0:{key}",
            "c:/digest off",  # a chart button that stands for /digest: refused the same way
            f"d:{key}",
            "p:0:/lang en",
            "p:0: /digest off",
            "p:0:/digest\noff",
        ]
        mine = await ask(api, "/timeline", chat=PRIVATE, user=ALA)
        assert mine["reply_markup"]
        own = api.messages[(PRIVATE["id"], max(k[1] for k in api.messages if k[0] == PRIVATE["id"]))]
        answered = len(api.sent("answerCallbackQuery"))
        for data in forged:
            api.press(message, data, OLA)  # a member, in the group
            api.press(own, data, ALA)  # not even an admin's button press, in her own chat
        api.press(message, "p:1:/timeline", OLA)  # Ala's paging button, pressed by Ola
        await api.wait_until(lambda: len(api.sent("answerCallbackQuery")) >= answered + 2 * len(forged) + 1)
        await idle(adapter)
        edits = [visible(e) for e in api.sent("editMessageText")]
        assert any("Strona 2/" in text for text in edits)
        assert all("Włączono" not in text and "Wyłączono" not in text and "Godzina" not in text for text in edits)
        unchanged(state, before, tmp_path)
        assert adapter.state.language("telegram", SUPERGROUP["id"]) is None  # /lang by button is not kept

    run(bundled, tmp_path, scenario)


def test_a_channel_from_a_private_chat_needs_its_admin(bundled: Briefing, tmp_path: Path) -> None:
    async def scenario(api: FakeBotApi, adapter: TelegramAdapter, state: StateStore, clock: Clock) -> None:
        before = seed(state)
        for action in ACTIONS:
            for name in ("@kanal", "@grupa"):  # Ola administers neither
                reply = await ask(api, f"/digest {action} {name}", chat=OLA_PRIVATE, user=OLA)
                assert REFUSED in visible(reply), (action, name)
        # Naming a channel anywhere but a private chat does not redirect the command to it.
        reply = await ask(api, "/digest off @kanal", chat=SUPERGROUP, user=OLA)
        assert REFUSED in visible(reply)
        reply = await ask(api, "/digest on 05:00 @kanalOli", chat=SUPERGROUP, user=ALA)  # Ola's channel
        assert "Nie znam strefy czasowej" in visible(reply)
        unchanged(state, before, tmp_path)
        reply = await ask(api, "/digest on 05:00 @kanalOli", chat=OLA_PRIVATE, user=OLA)
        assert "Włączono" in visible(reply)
        assert state.subscription(Target("telegram", str(ELSEWHERE["id"])).key).time == "05:00"  # type: ignore[union-attr]

    run(bundled, tmp_path, scenario)


def test_a_demoted_admin_loses_the_power_at_once(bundled: Briefing, tmp_path: Path) -> None:
    """Admins are asked about every time: no cached answer keeps a demoted one powerful, in a
    group or over a channel named from a private chat."""

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter, state: StateStore, clock: Clock) -> None:
        assert "Włączono" in visible(await ask(api, "/digest on 08:00", chat=SUPERGROUP, user=ALA))
        assert "Włączono" in visible(await ask(api, "/digest on 08:00 @kanal", chat=PRIVATE, user=ALA))
        before = sorted(state.subscriptions(), key=lambda s: s.target.key)
        api.admins[SUPERGROUP["id"]].discard(ALA["id"])
        api.admins[CHANNEL["id"]].discard(ALA["id"])
        assert REFUSED in visible(await ask(api, "/digest off", chat=SUPERGROUP, user=ALA))
        assert REFUSED in visible(await ask(api, "/digest off @kanal", chat=PRIVATE, user=ALA))
        unchanged(state, before, tmp_path)

    run(bundled, tmp_path, scenario)


def test_a_refusal_is_remembered_for_a_minute_then_asked_again(bundled: Briefing, tmp_path: Path) -> None:
    """A member repeating /digest costs one getChatMember a minute; promoted, they wait at most that."""

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter, state: StateStore, clock: Clock) -> None:
        for _ in range(3):
            assert REFUSED in visible(await ask(api, "/digest on", chat=SUPERGROUP, user=OLA))
        assert len(api.sent("getChatMember")) == 1
        api.admins[SUPERGROUP["id"]].add(OLA["id"])
        clock.now += ADMIN_CACHE_SECONDS - 1
        assert REFUSED in visible(await ask(api, "/digest on", chat=SUPERGROUP, user=OLA))
        clock.now += 1
        assert "Włączono" in visible(await ask(api, "/digest on", chat=SUPERGROUP, user=OLA))
        assert len(api.sent("getChatMember")) == 2
        for _ in range(2):  # an admin is asked about every time
            await ask(api, "/digest status", chat=SUPERGROUP, user=OLA)
        assert len(api.sent("getChatMember")) == 4

    run(bundled, tmp_path, scenario)


def test_only_admins_change_a_groups_reply_language(bundled: Briefing, tmp_path: Path) -> None:
    """/lang is a setting of the whole chat: in a group, every non-admin way of sending is refused
    and nothing is stored; the group's admin changes it; in a private chat the user does."""

    async def scenario(api: FakeBotApi, adapter: TelegramAdapter, state: StateStore, clock: Clock) -> None:
        for case, chat, fields in SENDERS:
            reply = await ask(api, "/lang en", chat=chat, user=None, **fields)
            assert "tylko jego administratorzy" in visible(reply), case
            assert state.language("telegram", chat["id"]) is None, case
        assert visible(await ask(api, "/lang en", chat=SUPERGROUP, user=ALA)).endswith("Reply language: English.")
        assert state.language("telegram", SUPERGROUP["id"]) == "en"
        refused = await ask(api, "/lang pl", chat=SUPERGROUP, user=OLA)
        assert "Only this chat's admins" in visible(refused)  # in the group's language, which stays
        assert state.language("telegram", SUPERGROUP["id"]) == "en"
        assert visible(await ask(api, "/lang en", chat=OLA_PRIVATE, user=OLA)).endswith("Reply language: English.")

    run(bundled, tmp_path, scenario)
