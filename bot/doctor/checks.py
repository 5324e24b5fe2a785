"""What a check is given (``Setup``) and what it finds (``Finding``).

A check is an async function from the set-up to its findings: one per thing it looked at (each
token, each chat), each shown as one line. It never raises for what it finds: a network error is a
failed finding like any other, and it never puts a token in a finding.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from bot.base.errors import StoreError
from bot.base.secrets import redact
from bot.briefings.service import RESERVED_COMMANDS, utc_now
from bot.config import LoadedSettings, Settings
from bot.content.loader import Content, load_content
from bot.digests.compose import Subscription
from bot.digests.open_state import open_state_store
from bot.digests.state import STATE_FILE
from bot.digests.state_store import StateStore

OK = "✓"
FAILED = "✗"
UNVERIFIED = "?"  # could not be checked from here; not a failure


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the report: what was checked, what was found and, when it failed, what to do."""

    name: str
    found: str
    ok: bool = True
    fix: str = ""
    verified: bool = True

    def __str__(self) -> str:
        """The line, with any token redacted: a check should quote none, and this makes sure."""
        mark = FAILED if not self.ok else OK if self.verified else UNVERIFIED
        line = f"{mark} {self.name}: {self.found}"
        return redact(f"{line} → {self.fix}" if self.fix and not self.ok else line)


def failed(name: str, found: str, fix: str) -> Finding:
    return Finding(name, found, ok=False, fix=fix)


def unverified(name: str, found: str) -> Finding:
    """What the doctor cannot check from here, and why: shown, never counted as a failure."""
    return Finding(name, found, verified=False)


@dataclass
class Setup:
    """The set-up under examination: the settings as loaded (``None`` when they are invalid, with
    ``error`` saying why) and the folders and files they name."""

    loaded: LoadedSettings | None
    error: str = ""
    problems: list[str] = field(default_factory=list)  # of the state file, when it was read
    #: The time now, to tell the processes seen lately in the state store.
    clock: Callable[[], datetime] = utc_now

    @property
    def settings(self) -> Settings:
        assert self.loaded is not None, "a check that needs settings runs only when they are valid"
        return self.loaded.settings

    #: Why the state store could not be opened, when it could not (``state``).
    state_error: str = ""
    #: The bot's tables a PostgreSQL state store does not hold yet (``state``).
    missing_tables: list[str] = field(default_factory=list)

    @cached_property
    def state(self) -> StateStore | None:
        """The state store the settings name, as the bot opens it (``open_state_store``); None
        when it holds nothing yet (no state file, or a database without the bot's tables: the doctor
        creates neither) or cannot be opened (``state_error`` says why)."""
        settings = self.settings
        try:
            if settings.state is None:
                if not (settings.data / STATE_FILE).is_file():
                    return None
            else:
                from bot.digests.state_postgres import missing_tables  # psycopg only when asked for

                self.missing_tables = missing_tables(settings.state)
                if self.missing_tables:
                    return None
            state = open_state_store(settings.state, settings.data)
        except StoreError as error:
            self.state_error = str(error)
            return None
        self.problems = list(state.problems)
        return state

    @cached_property
    def subscriptions(self) -> list[Subscription]:
        """The digest subscriptions in the state store; none when it holds none yet."""
        return self.state.subscriptions() if self.state is not None else []

    @cached_property
    def content(self) -> Content:
        """The content folder, loaded as ``briefing-bot content check`` loads it."""
        return load_content(self.settings.content, reserved_commands=frozenset(RESERVED_COMMANDS))


Check = Callable[[Setup], Awaitable[list[Finding]]]
