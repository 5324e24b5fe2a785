"""The fact store: TinyDB files under ``data/facts/``, derived from content.

The store is split into shards by article id (a hash picks the shard), each a TinyDB database
with the tables ``meta``, ``articles`` (each file's hash and its parsed front matter and text),
``facts`` (one document per fact) and ``figures``. It is rebuilt when content changes and only
then, one article at a time: an article whose file did not change keeps its facts (and their
ids) without being read again, and only the shards that hold a changed article are written.
Each shard is written whole to a temporary file and renamed over the old one, so a crash
mid-write leaves the previous shard; a shard that cannot be read is rebuilt. The store is read
once at start-up and queried in memory (see ``knowledge.py``).

Extraction is spread over worker processes when many articles need it (a full build), since it
is pure Python and CPU-bound.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import multiprocessing
import os
import pickle
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage

from bot.core.content import Article, Content, Topic
from bot.core.errors import StoreError
from bot.core.facts import EXTRACTOR_VERSION, FACT_ORDER, Extraction, Fact, TopicMatcher, extract, fact_id
from bot.core.figures import Quantity, QuantityMatcher, SourcedFigure

log = logging.getLogger(__name__)

STORE_DIR = "facts"
#: Enough that one changed article rewrites a small part of a large store.
SHARDS = 16
#: Bump when the layout of the documents changes.
FORMAT = 4
#: Below this many articles to extract, worker processes cost more than they save.
PARALLEL_FROM = 64
CHUNK = 32


class PickleStorage(Storage):
    """A TinyDB storage in Python's pickle format, written atomically (temporary file, fsync, rename).

    TinyDB's JSON storage would hold the same documents, but at 250,000 facts that is ~150 MB
    that takes ~4 s to parse, because every fact repeats its article id, topics and search keys;
    pickle writes each repeated string once (~25 MB, ~1 s) and keeps dates as dates. Pickle runs
    code named in the file, which is acceptable here only because the store is the bot's own
    derived data in its own data folder: never load a store from anyone else.
    """

    def __init__(self, path: str | Path, access_mode: str = "r+") -> None:
        super().__init__()
        self.path = Path(path)
        self.access_mode = access_mode

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            with open(self.path, "rb") as handle:
                data = pickle.load(handle)
        except FileNotFoundError:
            return None
        if not isinstance(data, dict):
            raise ValueError(f"{self.path} is not a TinyDB database")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self.access_mode == "r":
            raise OSError(f"{self.path} was opened read-only")
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "wb") as handle:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)


@dataclass(frozen=True, slots=True)
class SyncResult:
    facts: tuple[Fact, ...]
    figures: tuple[SourcedFigure, ...]
    rebuilt: bool  # whether any store file was written
    extracted_articles: int  # articles whose facts were extracted anew
    written_shards: int = 0


@dataclass
class _Entry:
    """One article as stored: its file's hash, the parsed article, its facts and figures."""

    sha256: str
    article: Article
    facts: list[Fact] = field(default_factory=list)
    figures: list[SourcedFigure] = field(default_factory=list)


@dataclass
class _Shard:
    content_key: str
    topic_ids: tuple[str, ...]
    entries: dict[str, _Entry]


def _content_key(content: Content) -> str:
    """What every article's facts depend on besides the article: extractor and topics."""
    parts = [f"extractor={EXTRACTOR_VERSION}", f"format={FORMAT}", f"quantities={content.quantities_sha256}"]
    parts += sorted(f"{t.id}:{t.sha256}" for t in content.topics)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def shard_of(article_id: str) -> int:
    return hashlib.blake2b(article_id.encode(), digest_size=2).digest()[0] % SHARDS


@contextmanager
def no_gc() -> Iterator[None]:
    """Turn off the cycle collector while building many objects that form no cycles.

    Otherwise it walks the growing heap again and again: reading 250,000 facts takes ~2.5 s
    with it and ~1 s without.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class FactStore:
    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / STORE_DIR
        self._shards: dict[int, _Shard | None] | None = None

    def shard_path(self, index: int) -> Path:
        return self.folder / f"shard-{index:02d}.db"

    def shard_paths(self) -> list[Path]:
        """The store's files that exist, for whoever wants to query them with TinyDB directly."""
        return [p for p in (self.shard_path(i) for i in range(SHARDS)) if p.is_file()]

    # --- reading ---------------------------------------------------------------------------------

    def _stored(self) -> dict[int, _Shard | None]:
        """Every shard as stored (None where missing or unreadable); read once."""
        if self._shards is None:
            with no_gc():
                self._shards = {i: self._read_shard(i) for i in range(SHARDS)}
        return self._shards

    def _read_shard(self, index: int) -> _Shard | None:
        path = self.shard_path(index)
        if not path.is_file():
            return None
        try:
            with TinyDB(path, storage=PickleStorage, access_mode="r") as db:
                # The storage's tables as they are: TinyDB's Table.all() would copy every
                # document into a Document first.
                tables = db.storage.read() or {}
            meta = next(iter(tables.get("meta", {}).values()))
            if meta.get("format") != FORMAT:
                return None
            entries = {doc["id"]: _Entry(doc["sha256"], doc["parsed"]) for doc in tables["articles"].values()}
            for record in tables["facts"].values():
                entries[record["article"]].facts.append(Fact.from_record(record))
            for record in tables["figures"].values():
                entries[record["article"]].figures.append(SourcedFigure.from_record(record))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, StopIteration,
                EOFError, pickle.UnpicklingError) as error:
            log.warning("fact store shard %s is unreadable (%s); rebuilding it", path, error)
            return None
        return _Shard(meta["content_key"], tuple(meta.get("topic_ids", ())), entries)

    def parsed_articles(self) -> dict[tuple[str, str, tuple[str, ...]], Article]:
        """Articles parsed by an earlier build, for ``load_content(known=...)``: by file name,
        file hash and the topic ids they were validated against."""
        found = {}
        for shard in self._stored().values():
            if shard is not None:
                for entry in shard.entries.values():
                    found[(entry.article.path.name, entry.sha256, shard.topic_ids)] = entry.article
        return found

    # --- syncing ---------------------------------------------------------------------------------

    def sync(self, content: Content) -> SyncResult:
        """Bring the store in line with ``content`` and return every fact."""
        key = _content_key(content)
        topic_ids = tuple(sorted(t.id for t in content.topics))
        stored = self._stored()
        reusable: dict[str, _Entry] = {}
        for shard in stored.values():
            if shard is not None and shard.content_key == key:
                reusable.update(shard.entries)
        fresh_articles = [a for a in content.articles
                          if a.id not in reusable or reusable[a.id].sha256 != a.sha256]
        extractions = _extract_all(fresh_articles, content.topics, content.quantities)

        entries: dict[str, _Entry] = {}
        kept_ids: set[str] = set()
        for article in content.articles:
            previous = reusable.get(article.id)
            if previous is not None and previous.sha256 == article.sha256:
                entries[article.id] = _Entry(article.sha256, article, previous.facts, previous.figures)
                kept_ids.update(f.id for f in previous.facts)
        for article, extraction in zip(fresh_articles, extractions):
            facts = _unique_ids(kept_ids, extraction.facts)
            entries[article.id] = _Entry(article.sha256, article, facts, extraction.figures)

        by_shard: dict[int, dict[str, _Entry]] = {i: {} for i in range(SHARDS)}
        for article_id, entry in entries.items():
            by_shard[shard_of(article_id)][article_id] = entry
        written = 0
        for index, wanted in by_shard.items():
            if not _up_to_date(stored.get(index), wanted, key, topic_ids):
                self._write_shard(index, _Shard(key, topic_ids, wanted))
                written += 1
        self._shards = {i: _Shard(key, topic_ids, by_shard[i]) for i in range(SHARDS)}
        facts = tuple(f for a in content.articles for f in entries[a.id].facts)
        figures = tuple(f for a in content.articles for f in entries[a.id].figures)
        if written:
            log.info("fact store: %d facts, %d articles extracted, %d of %d shards written",
                     len(facts), len(fresh_articles), written, SHARDS)
        return SyncResult(facts, figures, rebuilt=written > 0, extracted_articles=len(fresh_articles),
                          written_shards=written)

    def _write_shard(self, index: int, shard: _Shard) -> None:
        path = self.shard_path(index)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path.with_name(path.name + ".tmp").unlink(missing_ok=True)
            # CachingMiddleware: TinyDB writes the storage once, on close, not once per table.
            db = TinyDB(path, storage=CachingMiddleware(PickleStorage))
            db.drop_tables()
            db.table("meta").insert({"content_key": shard.content_key, "format": FORMAT,
                                     "extractor": EXTRACTOR_VERSION, "topic_ids": shard.topic_ids})
            entries = sorted(shard.entries.items())
            db.table("articles").insert_multiple(
                {"id": i, "file": e.article.path.name, "sha256": e.sha256, "parsed": replace(e.article, body="")}
                for i, e in entries)  # the text is in the file, which is read anyway to hash it
            facts = sorted((f for _, e in entries for f in e.facts), key=FACT_ORDER)  # cheap to merge at start
            db.table("facts").insert_multiple(f.to_record() for f in facts)
            db.table("figures").insert_multiple(f.to_record() for _, e in entries for f in e.figures)
            db.close()
        except OSError as error:
            raise StoreError(f"cannot write the fact store {path}: {error.strerror or error}") from error


def _up_to_date(stored: _Shard | None, wanted: dict[str, _Entry], key: str, topic_ids: tuple[str, ...]) -> bool:
    if stored is None:
        return not wanted  # a shard with no articles need not exist
    return (stored.content_key == key and stored.topic_ids == topic_ids
            and {i: e.sha256 for i, e in stored.entries.items()} == {i: e.sha256 for i, e in wanted.items()}
            and all(stored.entries[i].article.path.name == e.article.path.name for i, e in wanted.items()))


# --- extraction, in worker processes when it pays ----------------------------------------------------

_WORKER_MATCHERS: tuple[TopicMatcher, tuple[QuantityMatcher, ...]] | None = None


def _matchers(topics: Sequence[Topic], quantities: Sequence[Quantity]) -> tuple[TopicMatcher, tuple[QuantityMatcher, ...]]:
    return TopicMatcher(topics), tuple(QuantityMatcher.of(q) for q in quantities)


def _start_worker(topics: Sequence[Topic], quantities: Sequence[Quantity]) -> None:
    global _WORKER_MATCHERS
    _WORKER_MATCHERS = _matchers(topics, quantities)


def _extract_chunk(articles: list[Article]) -> list[Extraction]:
    assert _WORKER_MATCHERS is not None
    return [extract(article, *_WORKER_MATCHERS) for article in articles]


def _extract_all(articles: list[Article], topics: Sequence[Topic], quantities: Sequence[Quantity]) -> list[Extraction]:
    """Each article's extraction, in order."""
    if not articles:
        return []
    workers = min(os.cpu_count() or 1, 8)
    if len(articles) < PARALLEL_FROM or workers < 2:
        matchers = _matchers(topics, quantities)
        return [extract(article, *matchers) for article in articles]
    chunks = [articles[i:i + CHUNK] for i in range(0, len(articles), CHUNK)]
    # "spawn": a forked child would inherit the parent's threads' locks (the lemma warm-up's,
    # the adapters') in whatever state they were.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start_worker, initargs=(tuple(topics), tuple(quantities))) as pool:
        with no_gc():
            return [extraction for chunk in pool.map(_extract_chunk, chunks) for extraction in chunk]


def _unique_ids(taken: set[str], fresh: list[Fact]) -> list[Fact]:
    """``fresh`` with ids unique among ``taken`` (which grows); a fact whose id is taken gets a
    derived one.

    Ids are 40-bit hashes, so this is rare, and facts already stored keep theirs.
    """
    result = []
    for fact in fresh:
        new_id, attempt = fact.id, 0
        while new_id in taken:
            attempt += 1
            new_id = fact_id(fact.id, str(attempt))
        taken.add(new_id)
        result.append(fact if new_id == fact.id else replace(fact, id=new_id))
    return result
