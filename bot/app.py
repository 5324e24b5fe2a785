"""Wiring: settings → core → the platforms the settings turn on (the console when none is)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import TextIO

from filelock import FileLock, Timeout

from bot.base.errors import BriefingError
from bot.base.metrics import NO_METRICS, Metrics
from bot.briefings.cards import Card
from bot.briefings.service import Briefing, Clock, utc_now
from bot.config import FeedsSettings, Settings
from bot.digests.compose import Subscription, Target
from bot.digests.delivery import DeliveryFailed, Digests
from bot.digests.open_state import open_state_store
from bot.digests.processes import ContentAgreement, keep_agreeing, process_id
from bot.digests.scheduler import DigestScheduler
from bot.digests.sending import admitted
from bot.digests.state_store import StateStore
from bot.export.charts import Charts
from bot.ingest.poll import poll_feeds
from bot.platforms.base import Core, Platform, PlatformEntry
from bot.platforms.console.adapter import run_console
from bot.platforms.console.render import render_card
from bot.platforms.registry import PLATFORMS
from bot.web.health import PlatformStates
from bot.web.metrics import PrometheusMetrics
from bot.web.server import start_web

log = logging.getLogger(__name__)

#: In the data folder: held by the one process that may write its state (see ``holding``).
LOCK_FILE = "briefing-bot.lock"
FEEDS_JOB = "feeds"
#: The share of the grace period kept for stopping the platforms once the digest sends are done.
STOP_RESERVE = 0.2


def poll_interval(settings: Settings) -> timedelta:
    """How often feeds are polled, the first wait of a failing one: ``[feeds] poll_minutes``, or
    its default when the schedule is off."""
    return timedelta(minutes=settings.feeds.poll_minutes or FeedsSettings().poll_minutes)


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
        raise BriefingError(
            f"{data} is in use by another briefing-bot process (a running bot or a digest run): "
            "stop it first, or give this one its own --data"
        ) from None
    except OSError as error:
        raise BriefingError(f"cannot use the data folder {data}: {error.strerror or error}") from None
    try:
        yield
    finally:
        lock.release()


def run(
    settings: Settings,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    platforms: Sequence[PlatformEntry] = PLATFORMS,
    clock: Clock = utc_now,
) -> int:
    """Start every platform the settings turn on, and the digest scheduler; with none, the console.
    Returns 0 after a stop by SIGTERM or SIGINT (see ``_serve``)."""
    if not any(entry.enabled(settings) for entry in platforms):
        return run_console(load_briefing(settings, clock), stdin, stdout)
    with holding(settings.data):
        briefing = load_briefing(settings, clock)
        asyncio.run(_serve(settings, briefing, open_state_store(settings.state, settings.data), platforms))
    return 0


class Router:
    """Sends a card to a digest target through the platform it is on."""

    def __init__(self, states: PlatformStates | None = None) -> None:
        self.platforms: dict[str, Platform] = {}
        self.states = states if states is not None else PlatformStates()  # what /readyz reports

    async def send(self, target: Target, card: Card) -> None:
        platform = self.platforms.get(target.platform)
        if platform is None:
            raise DeliveryFailed(f"no {target.platform} adapter is running", permanent=False)
        if not getattr(platform, "reports_admission", False):
            await admitted()  # the send begins now (see bot.digests.sending)
        await platform.send(target, card)

    async def start(
        self, core: Core, platforms: Sequence[PlatformEntry], listen: bool, started: list[Platform]
    ) -> None:
        """Build and start every platform the settings turn on; each goes into ``started`` before
        it starts, so that the caller stops a half-started one too."""
        for entry in platforms:
            if entry.enabled(core.settings):
                platform = entry.create(core)
                started.append(platform)
                self.states.starting(entry.name)
                await platform.start(listen)
                self.platforms[entry.name] = platform
                self.states.started(entry.name)

    async def stop(self, started: list[Platform]) -> None:
        """Stop the platforms started, last first; each is then reported not connected."""
        names = {id(platform): name for name, platform in self.platforms.items()}
        for platform in reversed(started):
            if id(platform) in names:
                self.states.stopped(names[id(platform)])
            await platform.stop()


async def _serve(
    settings: Settings, briefing: Briefing, state: StateStore, platforms: Sequence[PlatformEntry] = PLATFORMS
) -> None:
    """Run the platforms, the scheduler and (with ``[web] port``) the web side in one event loop
    until SIGINT or SIGTERM, or until a platform stops by itself (its error, if any, is raised).

    A stop is graceful, within ``grace_seconds``: no digest is claimed any more, the sends in
    flight finish (those still in flight near the end of the grace period are cut and shown as
    interrupted: never sent twice), their outcomes are written, and only then are the platforms
    stopped (polling or the webhook first, then the updates taken are handled). A second signal
    cuts the sends at once."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    digests = Digests(briefing, state, settings.timezone)
    charts = Charts()  # the process's one cache of timeline pictures: the platforms' and the web side's
    deadline: list[float] = []  # when the stop must be over, once it has begun

    def stopping() -> None:
        if deadline:
            digests.cut()
            return
        deadline.append(loop.time() + settings.grace_seconds)
        stop.set()
        digests.stop(settings.grace_seconds * (1 - STOP_RESERVE))

    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stopping)
    briefing.warm_up()
    router = Router()
    metrics: Metrics = NO_METRICS
    web_runner = None
    if settings.web.port:
        collectors = PrometheusMetrics()
        collectors.content_loaded(len(briefing.content.problems))
        briefing.metrics = metrics = collectors
        web_runner = await start_web(briefing, router.states, collectors, settings.web.host, settings.web.port, charts)
    started: list[Platform] = []
    waiters: list[asyncio.Task[object]] = [asyncio.create_task(stop.wait())]
    if settings.reload_seconds:
        waiters.append(asyncio.create_task(reload_content(briefing, settings.reload_seconds, router.states)))
    agreement = ContentAgreement(state, briefing.content_hash, briefing.clock, process_id(settings.data))
    waiters.append(asyncio.create_task(keep_agreeing(agreement, partial(setattr, router.states, "content_differs"))))
    scheduler: DigestScheduler | None = None
    helpers: list[asyncio.Task[None]] = []  # several processes: the leader election and the sweeps
    polls_stopping = threading.Event()  # tells a feed poll in its thread to stop after the feed it is at
    try:
        await router.start(Core(settings, briefing, state, digests, charts), platforms, True, started)
        waiters += [asyncio.create_task(platform.wait_closed()) for platform in router.platforms.values()]
        # On a shared store the leader election decides which process fires the slots.
        scheduler = DigestScheduler(digests, router.send, set(router.platforms), not state.shared, admits=True)
        await scheduler.start()
        if state.shared and settings.state is not None:
            from bot.digests.leader import Leadership  # psycopg only with a PostgreSQL store

            leadership = Leadership(settings.state, scheduler.lead, scheduler.follow, settings.leader_seconds)
            helpers += [
                asyncio.create_task(leadership.run()),
                asyncio.create_task(scheduler.sweep_every(settings.sweep_seconds)),
            ]
        if settings.feeds.poll_minutes:
            scheduler.every(
                FEEDS_JOB,
                poll_interval(settings),
                partial(poll_due_feeds, settings, state, polls_stopping, metrics=metrics, leading=scheduler.is_leading),
            )
        log.warning("running (%s); stop with Ctrl+C", ", ".join(router.platforms))
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a Discord connection that ended with an error, or a refused token, raises it here
    finally:
        if not deadline:  # a platform stopped by itself, or an error: the same way out
            stopping()
        polls_stopping.set()
        await digests.drain()
        for helper in helpers:  # after the drain: a sweep's fan-out is let finish, not cut
            helper.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
        if scheduler is not None:
            scheduler.shutdown()
        for waiter in waiters:
            waiter.cancel()
        try:
            await asyncio.wait_for(router.stop(started), max(1.0, deadline[0] - loop.time()))
        except TimeoutError:
            log.warning("the platforms did not stop within the grace period (grace_seconds)")
        if web_runner is not None:
            await web_runner.cleanup()
        log.warning("stopped")


def serve(settings: Settings, host: str, port: int, clock: Clock = utc_now) -> int:
    """Serve only the web side (no chat platform) on ``host:port`` until SIGINT or SIGTERM, taking
    in changed content as ``run`` does. It writes no state, so it needs no lock on the data folder."""
    asyncio.run(serve_web(settings, load_briefing(settings, clock), host, port))
    return 0


async def serve_web(
    settings: Settings, briefing: Briefing, host: str, port: int, stop: asyncio.Event | None = None
) -> None:
    """The web side alone, in this event loop, until ``stop`` is set (or SIGINT or SIGTERM)."""
    stop = stop if stop is not None else asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    briefing.warm_up()
    collectors = PrometheusMetrics()
    collectors.content_loaded(len(briefing.content.problems))
    briefing.metrics = collectors
    states = PlatformStates()
    runner = await start_web(briefing, states, collectors, host, port, Charts())
    waiters: list[asyncio.Task[object]] = [asyncio.create_task(stop.wait())]
    if settings.reload_seconds:
        waiters.append(asyncio.create_task(reload_content(briefing, settings.reload_seconds, states)))
    try:
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for waiter in waiters:
            waiter.cancel()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)
        await runner.cleanup()


async def reload_content(briefing: Briefing, every: float, states: PlatformStates | None = None) -> None:
    """Take in changed content files every ``every`` seconds, in a thread (a reload of a large
    archive takes a second), for as long as the bot runs. A failed reload is logged, and reported
    in ``states`` until one succeeds; the bot goes on answering from what it had."""
    while True:
        await asyncio.sleep(every)
        try:
            if await asyncio.to_thread(briefing.reload):
                briefing.warm_up()
        except (BriefingError, OSError) as error:
            log.exception("content reload failed; still answering from the content loaded before")
            if states is not None:
                states.reload_error = type(error).__name__
        else:
            if states is not None:
                states.reload_error = None


async def poll_due_feeds(
    settings: Settings,
    state: StateStore,
    stopping: threading.Event | None = None,
    clock: Clock = utc_now,
    metrics: Metrics = NO_METRICS,
    leading: Callable[[], bool] = lambda: True,
) -> None:
    """Poll the feeds that are due, in a thread, so that the event loop never waits on the
    network; a feed that fails is recorded as failing, and a poll that fails is logged. Of several
    processes on one state store only the leader polls: each would draft the same new entries."""
    if not leading():
        return
    try:
        polled = await asyncio.to_thread(
            poll_feeds, state, settings.content, clock, poll_interval(settings), stopping=stopping
        )
    except (BriefingError, OSError):
        log.exception("feed poll failed; the next one is in %s minutes", settings.feeds.poll_minutes)
        return
    metrics.feeds_polled(len(polled), sum(1 for feed in polled if feed.failures))
    for feed in polled:
        if feed.failures:
            log.warning(
                "feed %s failing (%d× in a row), next retry %s: %s", feed.url, feed.failures, feed.retry_at, feed.error
            )


# --- briefing-bot digest ---------------------------------------------------------------------------


def list_digests(settings: Settings, out: TextIO) -> int:
    state = open_state_store(settings.state, settings.data)
    subscriptions = sorted(state.subscriptions(), key=lambda s: s.target.key)
    for s in subscriptions:
        last = state.last_delivery(s.target.key)
        last_text = f"{last['date']} {last['state']}" if last else "never"
        topics = ",".join(s.topics) or "all"
        paused = "  paused" if s.paused else ""
        print(
            f"{s.target.key}  {s.time} {s.timezone}  empty={s.empty}  topics={topics}  last={last_text}{paused}",
            file=out,
        )
    print(f"{len(subscriptions)} subscription(s)", file=sys.stderr)
    for problem in state.problems:  # records the bot cannot read: skipped, and kept in the file
        print(problem, file=sys.stderr)
    return 1 if state.problems else 0


def run_digests(
    settings: Settings, day: date, dry_run: bool, out: TextIO, platforms: Sequence[PlatformEntry] = PLATFORMS
) -> int:
    """Deliver the digest of ``day`` now to every subscription that has not had it."""
    briefing = load_briefing(settings)
    if dry_run:
        state = open_state_store(settings.state, settings.data)
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
        state = open_state_store(settings.state, settings.data)
        digests = Digests(briefing, state, settings.timezone)
        items = digests.due_on(day)
        if not items:
            print(_nothing_due(settings, state, day, "was sent"), file=out)
            return 0
        return asyncio.run(_deliver_now(settings, briefing, state, digests, items, out, platforms))


def _nothing_due(settings: Settings, state: StateStore, day: date, sent: str) -> str:
    """Why a digest run has nothing to send: no subscription at all, or none due that day."""
    subscriptions = len(state.subscriptions())
    if not subscriptions:
        return (
            f"no digest subscriptions in {settings.data}: nothing {sent} "
            "(a chat's admins turn its digest on there with /digest on)"
        )
    return (
        f"none of the {subscriptions} subscription(s) is due the digest of {day} "
        f"(each has had it or is paused): nothing {sent}"
    )


async def _deliver_now(
    settings: Settings,
    briefing: Briefing,
    state: StateStore,
    digests: Digests,
    items: list[tuple[Subscription, date]],
    out: TextIO,
    platforms: Sequence[PlatformEntry] = PLATFORMS,
) -> int:
    router = Router()
    started: list[Platform] = []
    try:
        await router.start(Core(settings, briefing, state, digests), platforms, False, started)  # send only
        live = [(s, d) for s, d in items if s.target.platform in router.platforms]
        for subscription, _ in items:
            if subscription.target.platform not in router.platforms:
                print(f"skipped {subscription.target.key} (no {subscription.target.platform} token)", file=sys.stderr)
        outcomes = await digests.deliver(live, router.send, admits=True)
    finally:
        for platform in reversed(started):
            await platform.stop()
    for outcome in outcomes:
        detail = f" ({outcome.detail})" if outcome.detail else ""
        print(f"{outcome.target.key}  {outcome.state}{detail}", file=out)
    failed = sum(1 for outcome in outcomes if outcome.state == "failed")
    return 1 if failed else 0
