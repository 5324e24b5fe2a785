"""``content add``: a source (an address, a saved page, a text) drafted into ``articles/`` or
the inbox, after the checks that it is new; nothing is written when it is refused."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.content.loader import FRONT_MATTER_FENCE, Article, Content, load_content
from bot.ingest import checks
from bot.ingest.drafts import NO_WISHES, Draft, Refused, Wishes, draft, validated, write_draft
from bot.ingest.fetch import Page, fetch

ARTICLES = "articles"
INBOX = "inbox"


@dataclass(frozen=True, slots=True)
class Added:
    """What ``add`` drafted: the file's path (where it was, or would be, written), the draft and
    the article the content loader reads in it."""

    path: Path
    draft: Draft
    article: Article
    written: bool


def read_source(source: str, fetcher: Callable[[str], Page] = fetch) -> tuple[bytes, str | None, bool]:
    """A source's bytes, its address (None for a file) and whether it is HTML."""
    if "://" in source:  # an address; fetch refuses all but http(s)
        page = fetcher(source)
        return page.body, page.url, page.is_html
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".txt"):
        raise Refused(f"{source}: not an http(s) address, a .html file or a .txt file")
    try:
        return path.read_bytes(), None, suffix != ".txt"
    except OSError as error:
        raise Refused(f"{source}: cannot be read: {error.strerror or type(error).__name__}") from None


def add(
    source: str,
    content_dir: Path,
    wishes: Wishes = NO_WISHES,
    *,
    inbox: bool = False,
    force: bool = False,
    dry_run: bool = False,
    fetcher: Callable[[str], Page] = fetch,
) -> Added:
    """Draft ``source`` into ``content_dir/articles`` (or ``inbox``), unless it is refused."""
    if not content_dir.is_dir():
        raise Refused(f"{content_dir}: the content folder does not exist (see --content)")
    content = load_content(content_dir)
    topic_ids = {topic.id for topic in content.topics}
    unknown = [t for t in wishes.topics if t not in topic_ids]
    if unknown:
        raise Refused(f"unknown topic {', '.join(map(repr, unknown))} (topics: {', '.join(sorted(topic_ids))})")
    raw, url, is_html = read_source(source, fetcher)
    found = draft(raw, url, is_html=is_html, wishes=wishes)
    path = content_dir / (INBOX if inbox else ARTICLES) / f"{found.id}.md"
    check_new(found, path, content, url, force)
    article = validated(found, path, topic_ids)
    if dry_run:
        return Added(path, found, article, written=False)
    return Added(write_draft(found, path.parent, force), found, article, written=True)


def check_new(found: Draft, path: Path, content: Content, fetched_from: str | None, force: bool) -> None:
    """``Refused`` unless the draft, to be written at ``path``, is a new article."""
    if path.exists() and not force:
        raise Refused(f"{path} exists (--force to replace it)")
    content_dir = path.parent.parent
    article_path = content_dir / ARTICLES / path.name
    if path.parent.name == INBOX and article_path.exists():
        raise Refused(f"{article_path} exists: the content has an article with the id {found.id!r}")
    clash = next((a for a in content.articles if a.id == found.id and a.path != path), None)
    if clash is not None:
        raise Refused(f"the id {found.id!r} is already used by {clash.path} (give another with --id)")
    present = [checks.Present(a.path, a.url, a.body) for a in content.articles if a.path != path]
    present += [p for p in drafts_present(content_dir / INBOX) if p.path != path]
    if reason := checks.already_present((found.url, fetched_from), found.body, present):
        raise Refused(reason)


def drafts_present(folder: Path) -> Iterator[checks.Present]:
    """The address and text of each draft in the inbox, read leniently: a draft is compared with,
    not loaded."""
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else ():
        try:
            text = path.read_text(encoding="utf-8")
            _, front, body = text.split(f"{FRONT_MATTER_FENCE}\n", 2)
            url = tomllib.loads(front).get("url")
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        yield checks.Present(path, url if isinstance(url, str) else None, body)
