"""One scheduler leader among the bot processes that share a PostgreSQL state store.

The leader is the process that holds a session-level advisory lock (``pg_try_advisory_lock``) on
a connection of its own, apart from the state store's: the lock lives exactly as long as that
session, so a process that dies (killed, its machine gone) lets go of it without anyone's help,
and the next process to try takes it over. Every process tries every ``every`` seconds; the
leader watches its connection meanwhile (it waits for the server's messages, so a session the
server ends is noticed at once, and asks ``SELECT 1`` every second against a silent network)
and stops leading the moment it is lost, then tries again like the others.

What leading means is the caller's: ``on_lead`` and ``on_follow`` (the digest scheduler's slots
and its catch-up). Leadership changes are logged at WARNING.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from bot.base import secrets
from bot.digests.state_postgres import CONNECT_TIMEOUT, connection_options

log = logging.getLogger(__name__)

#: The advisory lock's key ("lead"); advisory locks are per database, so one bot per database.
LEADER_KEY = 0x6C656164
#: How often every process tries to become the leader, in seconds.
EVERY = 15.0
#: How often the leader makes sure its connection still answers, in seconds ...
HEARTBEAT = 1.0
#: ... and how long an answer may take before it stops leading: well before the server gives up
#: on a silent connection (``SERVER_KEEPALIVES``, about 20 s) and lets another process lead.
SILENCE = 5.0


class Leadership:
    """Elects this process or another; ``run`` until cancelled."""

    def __init__(
        self,
        url: str,
        on_lead: Callable[[], Awaitable[object]],
        on_follow: Callable[[], object],
        every: float = EVERY,
        key: int = LEADER_KEY,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self.url, self.key, self.every, self.timeout = url, key, every, connect_timeout
        self.on_lead, self.on_follow = on_lead, on_follow
        self.leading = False
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._catch_up: asyncio.Task[None] | None = None

    async def run(self) -> None:
        try:
            while True:
                if await self._try():
                    await self._lead()
                await asyncio.sleep(self.every)
        finally:
            await self._close()
            if self.leading:
                self._follow("stopping")

    async def _try(self) -> bool:
        """Whether this process took the lock now; a failure to ask is logged, and is a no."""
        try:
            if self._connection is None or self._connection.closed:
                options = connection_options(self.url, self.timeout, "leader")
                self._connection = await psycopg.AsyncConnection.connect(self.url, **options)
            row = await (await self._connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))).fetchone()
        except psycopg.Error as error:
            log.info("cannot ask who leads: %s", _line(error))
            await self._close()
            return False
        return bool(row and row[0])

    async def _lead(self) -> None:
        """Lead until the lock's connection is lost."""
        self.leading = True
        log.warning("leader now: this process fires the digest slots")
        # Not cancelled when leadership ends: its claims are safe, and a cut send would be uncertain.
        self._catch_up = asyncio.create_task(self._on_lead())
        try:
            assert self._connection is not None
            while True:
                # Returns after HEARTBEAT with nothing to say, raises at once when the session ends.
                async for _ in self._connection.notifies(timeout=HEARTBEAT):
                    pass
                await asyncio.wait_for(self._connection.execute("SELECT 1"), SILENCE)
        except psycopg.Error as error:
            self._follow(f"its database connection was lost ({_line(error)})")
            await self._close()
        except TimeoutError:  # a network gone silent: the server drops the session, and the lock, soon
            self._follow(f"its database did not answer for {SILENCE:g} s")
            await self._close()

    async def _on_lead(self) -> None:
        try:
            await self.on_lead()
        except Exception:  # the catch-up failed (a database error): the sweeps deliver the rest
            log.exception("the new leader's catch-up failed; the sweeps deliver what was due")

    def _follow(self, why: str) -> None:
        self.leading = False
        log.warning("no longer leader: %s", why)
        self.on_follow()

    async def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                await self._connection.close()
            self._connection = None


def _line(error: psycopg.Error) -> str:
    """psycopg's error in one line, any password redacted."""
    return secrets.redact((str(error).strip().splitlines() or [type(error).__name__])[0])
