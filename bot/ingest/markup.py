"""Where a page states its publication date, and in what language it says it is written.

trafilatura (through htmldate) finds the date; it does not say where it found it, and the draft
must: a date shown to readers in a ``<time>`` element is stated, one only in the address, a meta
tag or the JSON-LD metadata is the editors' reading (``published_inferred``). This reads only
those few marks, never the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any

#: Meta tags news sites put their publication date in (``property``, ``name`` or ``itemprop``).
DATE_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "parsely-pub-date",
    "sailthru.date",
)
_URL_DATE = re.compile(r"(?<!\d)(20\d\d|19\d\d)[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?!\d)")


@dataclass
class Marks:
    """The date-bearing marks of one page, each value as written."""

    language: str | None = None  # <html lang>
    times: list[str] = field(default_factory=list)  # <time datetime>
    meta: list[tuple[str, str]] = field(default_factory=list)  # (name, content) of DATE_META tags
    json_ld: list[str] = field(default_factory=list)  # datePublished values


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.marks = Marks()
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html" and values.get("lang"):
            self.marks.language = values["lang"].strip()
        elif tag == "time" and values.get("datetime"):
            self.marks.times.append(values["datetime"].strip())
        elif tag == "meta" and values.get("content"):
            name = (values.get("property") or values.get("name") or values.get("itemprop") or "").strip()
            if name.lower() in DATE_META:
                self.marks.meta.append((name, values["content"].strip()))
        elif tag == "script" and values.get("type", "").strip().lower() == "application/ld+json":
            self._script = []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            try:
                self.marks.json_ld += list(_published_values(json.loads("".join(self._script))))
            except (ValueError, RecursionError):
                pass  # broken JSON-LD is common: it states nothing
            self._script = None


def _published_values(data: Any) -> Iterator[str]:
    """Every ``datePublished`` in a JSON-LD document, however nested (``@graph`` and lists)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("datePublished"), str):
                yield item["datePublished"].strip()
            stack += list(item.values())
        elif isinstance(item, list):
            stack += item


def read_marks(html: str) -> Marks:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.marks


@dataclass(frozen=True, slots=True)
class Published:
    """A publication date, the most precise form the page gives of it, and where it stands."""

    value: date | datetime  # a datetime only with its UTC offset
    stated: bool  # shown to readers on the page
    source: str  # "a <time> element on the page", "the meta tag article:published_time", …


def _parsed(text: str) -> date | datetime | None:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            return date.fromisoformat(text.strip()[:10])
        except ValueError:
            return None
    return value if value.utcoffset() is not None else value.date()


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def locate(found: date, marks: Marks, url: str | None) -> Published:
    """Where the page gives ``found`` (the date trafilatura read), in the most precise form."""
    candidates = (
        [(t, True, "a <time> element on the page") for t in marks.times]
        + [(v, False, "the page's JSON-LD datePublished") for v in marks.json_ld]
        + [(v, False, f"the meta tag {name}") for name, v in marks.meta]
    )
    matches = [
        (value, stated, source)
        for text, stated, source in candidates
        if (value := _parsed(text)) is not None and _day(value) == found
    ]
    if matches:
        # Where it is shown if it is, in the most precise form any mark gives (a time with its offset).
        _, stated, source = matches[0]
        value = next((v for v, _, _ in matches if isinstance(v, datetime)), found)
        return Published(value, stated, source)
    for match in _URL_DATE.finditer(url or ""):
        try:
            if date(*map(int, match.groups())) == found:
                return Published(found, False, "the page's address")
        except ValueError:
            continue
    return Published(found, False, "a date trafilatura found in the page's markup")
