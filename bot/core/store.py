"""The fact store: a TinyDB file under the data folder, derived from content.

It is rebuilt when content changes and only then, one article at a time: an article whose
file did not change keeps its facts (and their ids) without being read again. The whole store
is written to a temporary file and renamed over the old one, so a crash mid-write leaves the
previous store, and it is read once and queried in memory (see ``knowledge.py``).
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import JSONStorage

from bot.core.content import Content
from bot.core.errors import StoreError
from bot.core.facts import EXTRACTOR_VERSION, Fact, TopicMatcher, extract, fact_id
from bot.core.figures import QuantityMatcher, SourcedFigure

log = logging.getLogger(__name__)

STORE_FILE = "facts.json"


@dataclass(frozen=True, slots=True)
class SyncResult:
    facts: tuple[Fact, ...]
    figures: tuple[SourcedFigure, ...]
    rebuilt: bool  # whether the store file was written
    extracted_articles: int  # articles whose facts were extracted anew


def _content_key(content: Content) -> str:
    """What every article's facts depend on besides the article: extractor and topics."""
    parts = [f"extractor={EXTRACTOR_VERSION}", f"quantities={content.quantities_sha256}"]
    parts += sorted(f"{t.id}:{t.sha256}" for t in content.topics)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class FactStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / STORE_FILE

    def _read(self, key: str) -> tuple[dict[str, str], dict[str, list[Fact]], dict[str, list[SourcedFigure]]]:
        """Article hashes, facts and figures by article of a store built for ``key``; else nothing."""
        if not self.path.exists():
            return {}, {}, {}
        try:
            # CachingMiddleware: the file is parsed once, not once per table.
            with TinyDB(self.path, storage=CachingMiddleware(JSONStorage), access_mode="r") as db:
                meta = db.table("meta").all()
                if not meta or meta[0].get("content_key") != key:
                    return {}, {}, {}  # built by other code or for other topics: rebuild all
                hashes = {doc["id"]: doc["sha256"] for doc in db.table("articles").all()}
                facts: dict[str, list[Fact]] = {}
                for record in db.table("facts").all():
                    facts.setdefault(record["article"], []).append(Fact.from_record(record))
                figures: dict[str, list[SourcedFigure]] = {}
                for record in db.table("figures").all():
                    figures.setdefault(record["article"], []).append(SourcedFigure.from_record(record))
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("fact store %s is unreadable (%s); rebuilding it", self.path, error)
            return {}, {}, {}
        return hashes, facts, figures

    def sync(self, content: Content) -> SyncResult:
        """Bring the store in line with ``content`` and return every fact."""
        key = _content_key(content)
        stored_hashes, stored_facts, stored_figures = self._read(key)
        reusable = bool(stored_hashes)
        # Built on first need: building them loads the lemmatiser.
        matchers: tuple[TopicMatcher, tuple[QuantityMatcher, ...]] | None = None
        kept: list[Fact] = []
        fresh: list[Fact] = []
        figures: list[SourcedFigure] = []
        extracted = 0
        for article in content.articles:
            if reusable and stored_hashes.get(article.id) == article.sha256:
                kept += stored_facts.get(article.id, [])
                figures += stored_figures.get(article.id, [])
            else:
                if matchers is None:
                    matchers = (TopicMatcher(content.topics),
                                tuple(QuantityMatcher.of(q) for q in content.quantities))
                extraction = extract(article, *matchers)
                fresh += extraction.facts
                figures += extraction.figures
                extracted += 1
        facts = _unique_ids(kept, fresh)
        current = {a.id: a.sha256 for a in content.articles}
        if reusable and current == stored_hashes and extracted == 0:
            return SyncResult(tuple(facts), tuple(figures), rebuilt=False, extracted_articles=0)
        self._write(key, current, facts, figures)
        log.info("fact store rebuilt: %d facts, %d articles extracted", len(facts), extracted)
        return SyncResult(tuple(facts), tuple(figures), rebuilt=True, extracted_articles=extracted)

    def _write(self, key: str, hashes: dict[str, str], facts: list[Fact], figures: list[SourcedFigure]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            temporary.unlink(missing_ok=True)
            db = TinyDB(temporary, storage=CachingMiddleware(JSONStorage), ensure_ascii=False)
            db.table("meta").insert({"content_key": key, "extractor": EXTRACTOR_VERSION})
            db.table("articles").insert_multiple({"id": i, "sha256": s} for i, s in sorted(hashes.items()))
            db.table("facts").insert_multiple(f.to_record() for f in facts)
            db.table("figures").insert_multiple(f.to_record() for f in figures)
            db.close()  # CachingMiddleware writes once, here
            with open(temporary, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except OSError as error:
            raise StoreError(f"cannot write the fact store {self.path}: {error.strerror or error}") from error


def _unique_ids(kept: list[Fact], fresh: list[Fact]) -> list[Fact]:
    """Facts with unique ids; a fresh fact whose id is taken gets a derived one.

    Ids are 40-bit hashes, so this is rare, and facts already stored keep theirs.
    """
    taken = {f.id for f in kept}
    result = list(kept)
    for fact in fresh:
        new_id, attempt = fact.id, 0
        while new_id in taken:
            attempt += 1
            new_id = fact_id(fact.id, str(attempt))
        taken.add(new_id)
        result.append(fact if new_id == fact.id else replace(fact, id=new_id))
    return result

