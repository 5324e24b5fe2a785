"""A draft article file from a web page or a text: what trafilatura reads in the page, and a
line in ``note`` for every value the page does not state outright.

``draft`` needs nothing but the page and the editor's wishes, so that a feed poller can call it
as ``content add`` does; ``write_draft`` puts the file in place whole, or not at all.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import trafilatura

from bot.base.errors import BriefingError
from bot.content.loader import CONTROL_CHARACTERS, FRONT_MATTER_FENCE, ID_PATTERN, Article, parse_article
from bot.ingest import checks
from bot.ingest.markup import locate, read_marks


class Refused(BriefingError):
    """A source that ``content add`` does not turn into an article: the message says why."""


@dataclass(frozen=True, slots=True)
class Wishes:
    """What the editor says of the article, over what the page says (``content add``'s options)."""

    id: str | None = None
    topics: tuple[str, ...] = ()
    outlet: str | None = None
    language: str | None = None  # skips the check that the text is Polish
    published: date | datetime | None = None


NO_WISHES = Wishes()


@dataclass(frozen=True, slots=True)
class Draft:
    """An article file's values, before it is written; ``notes`` say where inferred ones came from."""

    id: str
    title: str
    outlet: str
    published: date | datetime
    published_inferred: bool
    language: str
    body: str
    url: str | None = None
    author: str | None = None
    topics: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def render(self) -> str:
        """The file: TOML front matter between ``+++`` lines, then the text."""
        published = self.published.isoformat()
        lines = [
            FRONT_MATTER_FENCE,
            f"title = {_string(self.title)}",
            f"outlet = {_string(self.outlet)}",
            f"published = {published}",
            f"published_inferred = {'true' if self.published_inferred else 'false'}",
        ]
        if self.url:
            lines.append(f"url = {_string(self.url)}")
        if self.author:
            lines.append(f"author = {_string(self.author)}")
        lines.append(f"language = {_string(self.language)}")
        lines.append(f"topics = [{', '.join(_string(t) for t in self.topics)}]")
        if self.notes:
            escaped = "\n".join(n.replace("\\", "\\\\").replace('"', '\\"') for n in self.notes)
            lines.append(f'note = """\n{escaped}\n"""')
        lines += [FRONT_MATTER_FENCE, self.body, ""]
        return "\n".join(lines)


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _clean(text: str | None) -> str:
    """One line, without control characters (no reply may carry one)."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", text or "").split())


def _paragraphs(text: str) -> str:
    """The text's lines as paragraphs, a blank line between two, without control characters."""
    lines = (" ".join(CONTROL_CHARACTERS.sub(" ", line).split()) for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


_ASCII = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "ø": "o", "đ": "d"})


def slug(title: str) -> str:
    """An article id from a title: ASCII letters and digits joined by ``-``, at most 64 characters
    ("Protesty w Kazachstanie: tysiące zatrzymanych" → "protesty-w-kazachstanie-tysiace-zatrzymanych")."""
    folded = unicodedata.normalize("NFKD", title.translate(_ASCII))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_only.lower())
    text = ""
    for word in words:
        if len(text) + len(word) + 1 > 64:
            break
        text = f"{text}-{word}" if text else word
    return text or "-".join(words)[:64]


def draft(source: str | bytes, url: str | None, *, is_html: bool, wishes: Wishes = NO_WISHES) -> Draft:
    """A draft of the article in ``source`` (a page's HTML, or a text: its first line the title),
    found at ``url`` if it was fetched. ``Refused`` when it is no Polish article."""
    if is_html:
        return _from_html(source, url, wishes)
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("not UTF-8 text; save the file as UTF-8") from None
    return _from_text(source.removeprefix("\ufeff"), url, wishes)


def _from_html(html: str | bytes, url: str | None, wishes: Wishes) -> Draft:
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        as_dict=False,
        # Structured dates only: the extensive search takes a footer's "© 2022" for 1 January 2022.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if document is None or isinstance(document, dict) or not document.text:
        raise Refused("too little text for an article: no main text found in the page")
    title = _clean(document.title)
    lines = document.text.splitlines()
    if lines and _clean(lines[0]) == title:  # the headline, which the title holds
        lines = lines[1:]
    body = _paragraphs("\n".join(lines))
    language = _checked(body, wishes)
    if not title:
        raise Refused("the page states no title")
    notes: list[str] = []
    if wishes.published is not None:
        published, inferred = wishes.published, False
    else:
        if not document.date:
            raise Refused("the page states no publication date: give one with --published YYYY-MM-DD")
        text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
        found = locate(date.fromisoformat(document.date[:10]), read_marks(text), url)
        published, inferred = found.value, not found.stated
        if inferred:
            notes.append(f"Published: inferred from {found.source}; no <time> element on the page gives it.")
    outlet = _clean(wishes.outlet)
    host = urlsplit(document.url or url or "").hostname
    named = _clean(document.sitename)
    if not outlet and named and named.lower() not in (host, urlsplit(document.url or url or "").netloc.lower()):
        outlet = _clean(document.sitename)
        notes.append("Outlet: the site's name in the page's metadata.")
    if not outlet and host:
        outlet = host
        notes.append("Outlet: the site's host name; the page names no outlet.")
    if not outlet:
        raise Refused("the page names no outlet: give one with --outlet NAME")
    address = document.url if document.url and re.fullmatch(r"https?://\S+", document.url) else url
    return Draft(
        id=_id(title, wishes, notes),
        title=title,
        outlet=outlet,
        published=published,
        published_inferred=inferred,
        language=language,
        body=body,
        url=address,
        author=_clean(document.author) or None,
        topics=wishes.topics,
        notes=tuple(notes),
    )


def _from_text(text: str, url: str | None, wishes: Wishes) -> Draft:
    lines = text.strip().splitlines()
    title = _clean(lines[0]) if lines else ""
    body = _paragraphs("\n".join(lines[1:]))
    language = _checked(body, wishes)
    notes = ["Title: the first line of the text."]
    if wishes.published is None:
        raise Refused("a text states no publication date: give one with --published YYYY-MM-DD")
    outlet = _clean(wishes.outlet)
    host = urlsplit(url).hostname if url else None
    if not outlet and host:
        outlet = host
        notes.append("Outlet: the site's host name; the text names no outlet.")
    if not outlet:
        raise Refused("a text names no outlet: give one with --outlet NAME")
    return Draft(
        id=_id(title, wishes, notes),
        title=title,
        outlet=outlet,
        published=wishes.published,
        published_inferred=False,
        language=language,
        body=body,
        url=url,
        topics=wishes.topics,
        notes=tuple(notes),
    )


def _checked(body: str, wishes: Wishes) -> str:
    """The article's language: ``wishes.language``, else Polish, which the text must be."""
    if reason := checks.too_short(body):
        raise Refused(reason)
    if wishes.language:
        return wishes.language
    found = checks.text_language(body)
    if found != "pl":
        raise Refused(
            f"the text reads as {checks.language_name(found)}, not Polish: dates are read from Polish "
            f"text only (add it anyway, with curated facts only, with --language {found})"
        )
    return "pl"


def _id(title: str, wishes: Wishes, notes: list[str]) -> str:
    if wishes.id:
        if not re.fullmatch(ID_PATTERN, wishes.id):
            raise Refused(f"--id {wishes.id!r}: an id is letters, digits, '-' and '_', at most 64 characters")
        return wishes.id
    made = slug(title)
    if not made:
        raise Refused("the title gives no id: give one with --id")
    notes.append("Id: made from the title.")
    return made


def validated(draft: Draft, path: Path, topic_ids: set[str]) -> Article:
    """The article the content loader reads in the draft written at ``path``; ``Refused`` with
    its problems if the loader would skip it."""
    try:
        return parse_article(path, draft.render().encode("utf-8"), topic_ids)
    except BriefingError as error:
        problems = getattr(error, "problems", None) or [(getattr(error, "line", 1), str(error))]
        raise Refused("; ".join(f"{path}:{line}: {message}" for line, message in problems)) from None


def write_draft(draft: Draft, folder: Path, force: bool = False) -> Path:
    """Write ``folder/ID.md`` whole (a running bot never reads half a file); ``Refused`` if it
    exists, unless ``force``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{draft.id}.md"
    partial = folder / f".{draft.id}.md.partial"  # the loader passes over dot files
    partial.write_text(draft.render(), encoding="utf-8")
    try:
        if force:
            os.replace(partial, path)
        else:
            os.link(partial, path)
    except FileExistsError:
        raise Refused(f"{path} exists (--force to replace it)") from None
    finally:
        partial.unlink(missing_ok=True)
    return path
