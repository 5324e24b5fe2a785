"""The inbox, ``content/inbox/``: drafts that wait for an editor. The content loader reads only
``articles/`` and ``topics/``; ``accept`` moves a draft into ``articles/``, ``reject`` deletes it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TextIO

from bot.base.errors import BriefingError
from bot.content.loader import ID_PATTERN, Article, load_content, parse_article
from bot.extraction.explain import describe
from bot.ingest.add import ARTICLES, INBOX
from bot.ingest.drafts import Refused


def _draft_path(content_dir: Path, draft_id: str) -> Path:
    if not re.fullmatch(ID_PATTERN, draft_id):
        raise Refused(f"{draft_id!r} is no article id (letters, digits, '-' and '_')")
    path = content_dir / INBOX / f"{draft_id}.md"
    if not path.is_file():
        raise Refused(f"no draft {draft_id!r} in {content_dir / INBOX} (see: briefing-bot content inbox)")
    return path


def _parsed(path: Path, topic_ids: set[str]) -> Article:
    try:
        return parse_article(path, path.read_bytes(), topic_ids)
    except OSError as error:
        raise Refused(f"{path}: cannot be read: {error.strerror or type(error).__name__}") from None
    except BriefingError as error:
        problems = getattr(error, "problems", None) or [(getattr(error, "line", 1), str(error))]
        raise Refused("; ".join(f"{path}:{line}: {message}" for line, message in problems)) from None


def list_inbox(content_dir: Path, out: TextIO) -> int:
    """Print each draft with the dates and figures read in it; the number of drafts."""
    folder = content_dir / INBOX
    paths = sorted(folder.glob("*.md")) if folder.is_dir() else []
    if not paths:
        print(f"no drafts in {folder}", file=out)
        return 0
    content = load_content(content_dir)
    topic_ids = {topic.id for topic in content.topics}
    for index, path in enumerate(paths):
        if index:
            print(file=out)
        try:
            article = _parsed(path, topic_ids)
        except Refused as problem:
            print(f"{path.stem}: cannot be accepted as it stands: {problem}", file=out)
            continue
        inferred = ", inferred" if article.published_inferred else ""
        print(f"{article.id}  {article.published}{inferred}  {article.outlet}: {article.title}", file=out)
        describe(article, content.quantities, path, out, found_only=True)
    return len(paths)


def accept(content_dir: Path, draft_id: str) -> Path:
    """Move a draft into ``articles/``, where a running bot takes it in; ``Refused`` if a file of
    that name is there, or if the loader would skip the draft."""
    path = _draft_path(content_dir, draft_id)
    target = content_dir / ARTICLES / path.name
    if target.exists():
        raise Refused(f"{target} exists: reject the draft, or give it another id")
    _parsed(path, {topic.id for topic in load_content(content_dir).topics})
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(path, target)  # never over a file that appeared meanwhile
    except FileExistsError:
        raise Refused(f"{target} exists: reject the draft, or give it another id") from None
    path.unlink()
    return target


def reject(content_dir: Path, draft_id: str) -> Path:
    """Delete a draft."""
    path = _draft_path(content_dir, draft_id)
    path.unlink()
    return path
