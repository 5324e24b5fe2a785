"""Wiring: settings → core → the adapters that have tokens (the console when none has)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from filelock import FileLock, Timeout

from bot.platforms.console.adapter import run_console
from bot.config import Settings
from bot.briefings.cards import Card
from bot.digests.delivery import DeliveryFailed, Digests, Sender
from bot.digests.compose import Subscription, Target
from bot.base.errors import BriefingError
from bot.briefings.service import Briefing, Clock, utc_now
from bot.digests.state import StateStore
from bot.platforms.console.render import render_card
from bot.digests.scheduler import DigestScheduler

if TYPE_CHECKING:
    from bot.platforms.discord.adapter import BriefingBot
    from bot.platforms.telegram.adapter import TelegramAdapter

log = logging.getLogger(__name__)

#: In the data folder: held by the one process that may write its state (see ``holding``).
LOCK_FILE = "briefing-bot.lock"
TELEGRAM_TOKEN_REFUSED = ("the Telegram token was refused ({status}): revoked? set a new one in "
                          "BRIEFING_TELEGRAM_TOKEN (or [telegram] token)")


def load_briefing(settings: Settings, clock: Clock = utc_now) -> Briefing:
    return Briefing.load(settings.content, settings.data, settings.zone, settings.language, clock)


@contextmanager
def holding(data: Path) -> Iterator[None]:
    """The data folder for this process alone, while it sends digests or changes settings.

    The state store keeps its data in memory and rewrites the file whole, so a second writer (a
    second bot, or ``digest run`` beside a running bot) would overwrite the first one's
    subscriptions and deliveries, and two bots would both send every digest. The console writes
    nothing and needs no lock. The lock is the operating system's: a killed process lets go.
    """
    lock = FileLock(data / LOCK_FILE)
    try:
        data.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except Timeout:
        raise BriefingError(f"{data} is in use by another briefing-bot process (a running bot or a digest run): "
                            "stop it first, or give this one its own --data") from None
    except OSError as error:
        raise BriefingError(f"cannot use the data folder {data}: {error.strerror or error}") from None
    try:
        yield
    finally:
        lock.release()


def run(settings: Settings, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Start every adapter that has a token, and the digest scheduler; with none, the console."""
    if settings.telegram.token is None and settings.discord.token is None:
        return run_console(load_briefing(settings), stdin, stdout)
    with holding(settings.data):
        briefing = load_briefing(settings)
        asyncio.run(_serve(settings, briefing, StateStore(settings.data)))
    return 0


class Router:
    """Sends a card to a digest target through the adapter of its platform."""

    def __init__(self) -> None:
        self.senders: dict[str, Sender] = {}

    async def send(self, target: Target, card: Card) -> None:
        sender = self.senders.get(target.platform)
        if sender is None:
            raise DeliveryFailed(f"no {target.platform} adapter is running", permanent=False)
        await sender(target, card)


async def _serve(settings: Settings, briefing: Briefing, state: StateStore) -> None:
    """Run the adapters and the scheduler side by side in one event loop until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    briefing.warm_up()
    digests = Digests(briefing, state, settings.timezone)
    router = Router()
    stoppers: list[Callable[[], Awaitable[None]]] = []
    waiters: list[asyncio.Task[object]] = [asyncio.create_task(stop.wait())]
    if settings.reload_seconds:
        waiters.append(asyncio.create_task(reload_content(briefing, settings.reload_seconds)))
    scheduler: DigestScheduler | None = None
    try:
        if settings.telegram.token is not None:
            telegram = await _start_telegram(settings, briefing, state, digests, polling=True)
            stoppers.append(telegram.stop)
            router.senders["telegram"] = telegram.deliver
            waiters.append(asyncio.create_task(_until_refused(telegram)))
        if settings.discord.token is not None:
            client, connection = _start_discord(settings, briefing, state, digests)
            stoppers.append(client.close)
            waiters.append(connection)
            ready = asyncio.create_task(client.wait_until_ready())
            await asyncio.wait([ready, connection], return_when=asyncio.FIRST_COMPLETED)
            if connection.done():
                connection.result()  # a rejected token raises here
            router.senders["discord"] = client.deliver
        scheduler = DigestScheduler(digests, router.send, set(router.senders))
        await scheduler.start()
        log.warning("running (%s); stop with Ctrl+C", ", ".join(router.senders))
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a Discord connection that ended with an error, or a refused token, raises it here
    finally:
        if scheduler is not None:
            scheduler.shutdown()
        for waiter in waiters:
            waiter.cancel()
        for stopper in reversed(stoppers):
            await stopper()


async def _until_refused(telegram: TelegramAdapter) -> None:
    """Raise once Telegram refuses the token while polling. The whole process stops (Discord
    too, if it runs beside): a bot deaf on Telegram should say so and exit, not run on."""
    status = await telegram.token_refused()
    raise BriefingError(TELEGRAM_TOKEN_REFUSED.format(status=status))


async def reload_content(briefing: Briefing, every: float) -> None:
    """Take in changed content files every ``every`` seconds, in a thread (a reload of a large
    archive takes a second), for as long as the bot runs. A failed reload is logged and the bot
    goes on answering from what it had."""
    while True:
        await asyncio.sleep(every)
        try:
            if await asyncio.to_thread(briefing.reload):
                briefing.warm_up()
        except (BriefingError, OSError):
            log.exception("content reload failed; still answering from the content loaded before")


async def _start_telegram(settings: Settings, briefing: Briefing, state: StateStore, digests: Digests,
                          polling: bool) -> TelegramAdapter:
    # Imported here: the console needs no chat platform library at all.
    from telegram.error import InvalidToken, NetworkError

    from bot.platforms.telegram.adapter import TelegramAdapter

    assert settings.telegram.token is not None
    adapter = TelegramAdapter(briefing, state, settings.telegram.token.get_secret_value(),
                              settings.telegram.base_url, digests=digests, max_rate=settings.telegram.max_rate)
    try:
        if polling:
            await adapter.start()
            log.warning("Telegram adapter running")
        else:
            await adapter.application.initialize()
    except InvalidToken:
        raise BriefingError("Telegram rejected the token: check BRIEFING_TELEGRAM_TOKEN or [telegram] token") from None
    except NetworkError as error:
        raise BriefingError(f"cannot reach the Telegram Bot API at the configured base_url: {error}") from None
    return adapter


def _start_discord(settings: Settings, briefing: Briefing, state: StateStore,
                   digests: Digests) -> tuple[BriefingBot, asyncio.Task[None]]:
    import discord

    from bot.platforms.discord.adapter import create_bot

    client = create_bot(settings, briefing, state, digests)
    assert settings.discord.token is not None
    token = settings.discord.token.get_secret_value()

    async def connect() -> None:
        try:
            await client.start(token)
        except discord.LoginFailure:
            raise BriefingError("Discord rejected the token: check BRIEFING_DISCORD_TOKEN or [discord] token") from None
        except discord.PrivilegedIntentsRequired as error:
            raise BriefingError(f"Discord refused the bot's intents: {error}") from None

    log.warning("Discord adapter starting")
    return client, asyncio.create_task(connect())


# --- briefing-bot digest ---------------------------------------------------------------------------

def list_digests(settings: Settings, out: TextIO) -> int:
    state = StateStore(settings.data)
    subscriptions = sorted(state.subscriptions(), key=lambda s: s.target.key)
    for s in subscriptions:
        last = state.last_delivery(s.target.key)
        last_text = f"{last['date']} {last['state']}" if last else "never"
        topics = ",".join(s.topics) or "all"
        paused = "  paused" if s.paused else ""
        print(f"{s.target.key}  {s.time} {s.timezone}  empty={s.empty}  topics={topics}  last={last_text}{paused}",
              file=out)
    print(f"{len(subscriptions)} subscription(s)", file=sys.stderr)
    for problem in state.problems:  # records the bot cannot read: skipped, and kept in the file
        print(problem, file=sys.stderr)
    return 1 if state.problems else 0


def run_digests(settings: Settings, day: date, dry_run: bool, out: TextIO) -> int:
    """Deliver the digest of ``day`` now to every subscription that has not had it."""
    briefing = load_briefing(settings)
    if dry_run:
        state = StateStore(settings.data)
        digests = Digests(briefing, state, settings.timezone)
        items = digests.due_on(day)
        if not items:
            print(_nothing_due(settings, state, day, "would be sent"), file=out)
        for subscription, when in items:
            card = digests.digest_for(subscription, when)
            print(f"== {subscription.target.key}", file=out)
            print(render_card(card) if card else "(no anniversaries: nothing would be sent)", file=out)
        print(f"{len(items)} subscription(s) would get the digest of {day}", file=sys.stderr)
        return 0
    with holding(settings.data):
        state = StateStore(settings.data)
        digests = Digests(briefing, state, settings.timezone)
        items = digests.due_on(day)
        if not items:
            print(_nothing_due(settings, state, day, "was sent"), file=out)
            return 0
        return asyncio.run(_deliver_now(settings, briefing, state, digests, items, out))


def _nothing_due(settings: Settings, state: StateStore, day: date, sent: str) -> str:
    """Why a digest run has nothing to send: no subscription at all, or none due that day."""
    subscriptions = len(state.subscriptions())
    if not subscriptions:
        return (f"no digest subscriptions in {settings.data}: nothing {sent} "
                "(a chat's admins turn its digest on there with /digest on)")
    return (f"none of the {subscriptions} subscription(s) is due the digest of {day} "
            f"(each has had it or is paused): nothing {sent}")


async def _deliver_now(settings: Settings, briefing: Briefing, state: StateStore, digests: Digests,
                       items: list[tuple[Subscription, date]], out: TextIO) -> int:
    router = Router()
    closers: list[Callable[[], Awaitable[None]]] = []
    try:
        if settings.telegram.token is not None:
            telegram = await _start_telegram(settings, briefing, state, digests, polling=False)
            router.senders["telegram"] = telegram.deliver
            closers.append(telegram.application.shutdown)
        if settings.discord.token is not None:
            from bot.platforms.discord.adapter import create_bot

            client = create_bot(settings, briefing, state, digests)
            await client.login(settings.discord.token.get_secret_value())  # REST only, no gateway
            router.senders["discord"] = client.deliver
            closers.append(client.close)
        live = [(s, d) for s, d in items if s.target.platform in router.senders]
        for subscription, _ in items:
            if subscription.target.platform not in router.senders:
                print(f"skipped {subscription.target.key} (no {subscription.target.platform} token)", file=sys.stderr)
        outcomes = await digests.deliver(live, router.send)
    finally:
        for close in reversed(closers):
            await close()
    for outcome in outcomes:
        detail = f" ({outcome.detail})" if outcome.detail else ""
        print(f"{outcome.target.key}  {outcome.state}{detail}", file=out)
    failed = sum(1 for outcome in outcomes if outcome.state == "failed")
    return 1 if failed else 0
