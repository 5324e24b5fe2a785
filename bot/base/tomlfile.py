"""TOML of content files, parsed with every failure as a line and a message.

``tomllib`` raises ``TOMLDecodeError`` for invalid TOML, but two inputs it does not survive:
arrays or inline tables nested about a thousand deep exhaust the recursion limit, and a dotted
key of many parts (``a.a.a…``) costs time and memory quadratic in its parts. Content files nest
three levels at most, so both are refused as invalid.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from bot.base.errors import BriefingError

MAX_KEY_PARTS = 32

_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
# A key or table name of more than MAX_KEY_PARTS parts where a key can stand: at the start of a
# line (after the brackets of a table header) or in an inline table. Bounded repetition: no
# backtracking beyond the parts it counts.
_LONG_KEY = re.compile(
    rf"(?:^|[{{,])[ \t]*\[{{0,2}}[ \t]*{_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART}){{{MAX_KEY_PARTS}}}", re.MULTILINE
)
_BRACKET = re.compile(r"[\[\]{}\n]")


class TomlProblem(BriefingError):
    """Invalid TOML at ``line`` (1-based, of the text parsed)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse(text: str) -> dict[str, Any]:
    """The TOML document ``text``; ``TomlProblem`` with the line of the first error."""
    too_long = _LONG_KEY.search(text)
    if too_long is not None:
        line = text.count("\n", 0, too_long.end()) + 1
        raise TomlProblem(line, f"invalid TOML: a key of more than {MAX_KEY_PARTS} dotted parts")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _located(text, str(error)) from None
    except RecursionError:
        raise TomlProblem(_deepest_line(text), "invalid TOML: arrays or tables nested too deeply") from None


def _located(text: str, message: str) -> TomlProblem:
    """``tomllib``'s message "... (at line 3, column 9)" as a problem at that line."""
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if found:
        line = int(found.group(1))
    else:  # "at end of document": the last line of the TOML
        line = len(text.rstrip("\n").split("\n"))
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
    message = re.sub(r"\s*\(at end of document\)", "", message)
    lines = text.split("\n")
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    if re.search(r"=\s*\d{4}-\d{1,2}-\d{1,2}", source_line):
        message += " (is the date on this line a real day, written YYYY-MM-DD?)"
    return TomlProblem(line, f"invalid TOML: {message}")


def _deepest_line(text: str) -> int:
    """The line on which brackets stand deepest (counting those in strings too: a hint only)."""
    depth, deepest, line, deepest_line = 0, 0, 1, 1
    for match in _BRACKET.finditer(text):
        char = match.group(0)
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest, deepest_line = depth, line
        else:
            depth -= 1
    return deepest_line


def shown(text: str, limit: int = 80) -> str:
    """``text`` fit for a one-line message: control characters escaped, at most ``limit`` characters
    (a key or value from a file may be a megabyte long, or hold line breaks)."""
    if not text.isprintable():
        text = repr(text)[1:-1]
    return text if len(text) <= limit else text[: limit - 1] + "…"
