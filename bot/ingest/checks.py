"""What makes a text no new Polish article: too short, another language, or already present."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import stopwordsiso
from babel import Locale, UnknownLocaleError

#: The least text an article has: a short wire report is some 400 characters.
MIN_CHARACTERS = 400
#: The share of a text's word sequences found in another article that makes it that article.
DUPLICATE_SHARE = 0.5
_SHINGLE = 5  # words in a sequence compared
#: Languages a text is told apart from Polish in: those of the region and of the big wires.
LANGUAGES = ("pl", "en", "de", "fr", "es", "it", "ru", "uk", "be", "cs", "sk", "lt")
_WORD = re.compile(r"\w+")


def too_short(text: str) -> str | None:
    """Why ``text`` is too short to be an article, or None."""
    length = len(" ".join(text.split()))
    if length < MIN_CHARACTERS:
        return f"too little text for an article: {length} characters (at least {MIN_CHARACTERS})"
    return None


def text_language(text: str) -> str:
    """The language of ``text``: of ``LANGUAGES``, the one whose function words make up most of it."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if not words:
        return "und"
    shares = {code: sum(w in _stopwords(code) for w in words) / len(words) for code in LANGUAGES}
    return max(shares, key=lambda code: shares[code])


_STOPWORDS: dict[str, frozenset[str]] = {}


def _stopwords(code: str) -> frozenset[str]:
    if code not in _STOPWORDS:
        _STOPWORDS[code] = frozenset(stopwordsiso.stopwords(code))
    return _STOPWORDS[code]


def language_name(code: str) -> str:
    try:
        return Locale.parse(code).get_display_name("en") or code
    except (ValueError, UnknownLocaleError):
        return code


def same_url(first: str | None, second: str | None) -> bool:
    """Whether two addresses name the same page: scheme, ``www.``, a trailing slash and a
    fragment aside."""
    return bool(first and second) and _normalised(first or "") == _normalised(second or "")


def _normalised(url: str) -> str:
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return urlunsplit(("", host, parts.path.rstrip("/"), parts.query, ""))


def shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = [w.casefold() for w in _WORD.findall(text)]
    return frozenset(tuple(words[i : i + _SHINGLE]) for i in range(max(1, len(words) - _SHINGLE + 1)))


@dataclass(frozen=True, slots=True)
class Present:
    """An article already in the content (or the inbox): where, its address and its text."""

    path: Path
    url: str | None
    body: str


def already_present(url: Iterable[str | None], body: str, present: Iterable[Present]) -> str | None:
    """Why the article at ``url`` (any of its addresses) with ``body`` is already present, or None."""
    addresses = [u for u in url if u]
    ours = shingles(body)
    for other in present:
        if any(same_url(address, other.url) for address in addresses):
            return f"already present: {other.path} has the same address ({other.url})"
        shared = len(ours & shingles(other.body)) / len(ours)
        if shared >= DUPLICATE_SHARE:
            return f"already present: {shared:.0%} of its text is in {other.path}"
    return None
