"""What a check is given (``Setup``) and what it finds (``Finding``).

A check is an async function from the set-up to its findings: one per thing it looked at (each
token, each chat), each shown as one line. It never raises for what it finds: a network error is a
failed finding like any other, and it never puts a token in a finding.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.base.secrets import redact
from bot.config import LoadedSettings, Settings
from bot.digests.compose import Subscription
from bot.digests.state import STATE_FILE, StateStore

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

    @property
    def settings(self) -> Settings:
        assert self.loaded is not None, "a check that needs settings runs only when they are valid"
        return self.loaded.settings

    @cached_property
    def subscriptions(self) -> list[Subscription]:
        """The digest subscriptions in the data folder; none when it has no state file yet."""
        data: Path = self.settings.data
        if not (data / STATE_FILE).is_file():
            return []
        state = StateStore(data)
        self.problems = list(state.problems)
        return state.subscriptions()


Check = Callable[[Setup], Awaitable[list[Finding]]]
