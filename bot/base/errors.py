"""Domain exceptions, converted at the edges (CLI exit codes, short chat replies).

Every exception the bot defines derives from ``BriefingError``, here or beside the code that
raises it, so that ``except BriefingError`` catches all the bot raises on purpose and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class BriefingError(Exception):
    """Base class for every error the bot raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in one input file, reported as ``path:line: message``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{_printable(str(self.path))}:{self.line}: {self.message}"


def _printable(text: str) -> str:
    """``text`` with control characters shown as escapes, so that a file name with a line break
    in it stays on its one report line."""
    return "".join(repr(c)[1:-1] if not c.isprintable() and c != " " else c for c in text)


class ConfigError(BriefingError):
    """The configuration file or an option is invalid; the message names key and file."""


class StoreError(BriefingError):
    """The fact store or the state store could not be read or written."""


class BadArgument(BriefingError):
    """A command's argument could not be read; the message, the reply, says what is accepted."""
