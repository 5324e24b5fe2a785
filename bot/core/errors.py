"""Domain exceptions, converted at the edges (CLI exit codes, short chat replies)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class BriefingError(Exception):
    """Base class for every error the core raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in one input file, reported as ``path:line: message``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ConfigError(BriefingError):
    """The configuration file or an option is invalid; the message names key and file."""


class StoreError(BriefingError):
    """The fact store could not be read or written."""
