"""The fact store: TinyDB files under ``data/facts/``, derived from content.

The store is split into shards by article id (a hash picks the shard), each a TinyDB database
with the tables ``meta``, ``articles`` (each file's hash and its parsed front matter),
``facts`` (one document per fact) and ``figures``, and beside it a second TinyDB file with the
facts' search keys (table ``keys``: fact id and keys). The keys are half the bytes and most of
the reading time of a store, and only ``/search`` needs them, so start-up leaves them on disk
and the search index reads them on first use (see ``Knowledge.warm_up``). It is rebuilt when content changes and only
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
import uuid
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
FORMAT = 6
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
    facts: list[Fact] = field(default_factory=list)  # without their keys
    figures: list[SourcedFigure] = field(default_factory=list)
    keys: list[tuple[str, ...]] | None = None  # each fact's search keys, once read or extracted


@dataclass
class _Shard:
    content_key: str
    topic_ids: tuple[str, ...]
    entries: dict[str, _Entry]
    generation: str = ""  # written to both files of the shard, to tell a stale keys file


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

    def keys_path(self, index: int) -> Path:
        return self.folder / f"shard-{index:02d}.keys.db"

    def shard_paths(self) -> list[Path]:
        """The store's files that exist, for whoever wants to query them with TinyDB directly
        (the keys files are ``keys_path``)."""
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
        if not self.keys_path(index).is_file():
            return None
        return _Shard(meta["content_key"], tuple(meta.get("topic_ids", ())), entries, meta["generation"])

    def _read_keys(self, index: int, generation: str) -> dict[str, tuple[str, ...]] | None:
        """A shard's search keys by fact id; None if the file is missing, unreadable or not of
        the same write as the shard (a crash between the two writes)."""
        path = self.keys_path(index)
        try:
            with TinyDB(path, storage=PickleStorage, access_mode="r") as db:
                tables = db.storage.read() or {}
            meta = next(iter(tables["meta"].values()))
            if meta.get("generation") != generation:
                raise ValueError("written by another build than its shard")
            return {doc["id"]: doc["keys"] for doc in tables["keys"].values()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, StopIteration,
                EOFError, pickle.UnpicklingError) as error:
            log.warning("search keys %s are unreadable (%s)", path, error)
            return None

    def search_keys(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """Every stored fact's id and search keys, read from disk now (see the module docstring).

        A shard whose keys cannot be read is left out and removed, so that the next start
        rebuilds it; its facts are not found by /search until then.
        """
        for index, shard in self._stored().items():
            if shard is None or not shard.entries:
                continue
            keys = self._read_keys(index, shard.generation)
            if keys is None:
                log.error("the facts of %s are not searchable until the next start, which rebuilds them",
                          self.shard_path(index))
                self.shard_path(index).unlink(missing_ok=True)
                continue
            yield from keys.items()

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
        """Bring the store in line with ``content`` and return every fact (without search keys:
        ``search_keys`` reads those)."""
        key = _content_key(content)
        topic_ids = tuple(sorted(t.id for t in content.topics))
        stored = self._stored()
        reusable: dict[str, _Entry] = {}
        for shard in stored.values():
            if shard is not None and shard.content_key == key and shard.topic_ids == topic_ids:
                reusable.update(shard.entries)
        wanted: dict[int, dict[str, str]] = {i: {} for i in range(SHARDS)}  # article id -> file hash
        for article in content.articles:
            wanted[shard_of(article.id)][article.id] = article.sha256
        to_write = {i for i in range(SHARDS) if not _up_to_date(stored[i], wanted[i], content, key, topic_ids)}
        # A shard that is written again needs the keys of the articles it keeps; where they
        # cannot be read, those articles are extracted again.
        for index in to_write:
            shard = stored[index]
            if shard is None or shard.content_key != key:
                continue
            keys = self._read_keys(index, shard.generation)
            for article_id, entry in shard.entries.items():
                if keys is None or any(f.id not in keys for f in entry.facts):
                    reusable.pop(article_id, None)
                else:
                    entry.keys = [keys[f.id] for f in entry.facts]

        fresh_articles = [a for a in content.articles
                          if a.id not in reusable or reusable[a.id].sha256 != a.sha256]
        extractions = _extract_all(fresh_articles, content.topics, content.quantities)
        entries: dict[str, _Entry] = {}
        kept_ids: set[str] = set()
        for article in content.articles:
            previous = reusable.get(article.id)
            if previous is not None and previous.sha256 == article.sha256:
                entries[article.id] = replace(previous, article=article)
                kept_ids.update(f.id for f in previous.facts)
        for article, extraction in zip(fresh_articles, extractions):
            facts = _unique_ids(kept_ids, extraction.facts)
            entries[article.id] = _Entry(article.sha256, article, [replace(f, keys=()) for f in facts],
                                         extraction.figures, [f.keys for f in facts])

        shards: dict[int, _Shard] = {}
        for index in range(SHARDS):
            if index in to_write:
                shard = _Shard(key, topic_ids, {i: entries[i] for i in wanted[index]}, uuid.uuid4().hex)
                self._write_shard(index, shard)
            else:
                shard = stored[index] or _Shard(key, topic_ids, {})
                shard.entries = {i: entries[i] for i in wanted[index]}
            shards[index] = shard
        self._shards = shards
        facts = tuple(f for a in content.articles for f in entries[a.id].facts)
        figures = tuple(f for a in content.articles for f in entries[a.id].figures)
        if to_write:
            log.info("fact store: %d facts, %d articles extracted, %d of %d shards written",
                     len(facts), len(fresh_articles), len(to_write), SHARDS)
        return SyncResult(facts, figures, rebuilt=bool(to_write), extracted_articles=len(fresh_articles),
                          written_shards=len(to_write))

    def _write_shard(self, index: int, shard: _Shard) -> None:
        """The keys file first, then the shard: a crash between the two leaves the old shard,
        whose generation the new keys file does not have."""
        path = self.shard_path(index)
        entries = sorted(shard.entries.items())
        meta = {"content_key": shard.content_key, "format": FORMAT, "extractor": EXTRACTOR_VERSION,
                "topic_ids": shard.topic_ids, "generation": shard.generation}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if not entries:
                path.unlink(missing_ok=True)
                self.keys_path(index).unlink(missing_ok=True)
                return
            # CachingMiddleware: TinyDB writes the storage once, on close, not once per table.
            keys = TinyDB(self.keys_path(index), storage=CachingMiddleware(PickleStorage))
            keys.drop_tables()
            keys.table("meta").insert(meta)
            keys.table("keys").insert_multiple({"id": f.id, "keys": k} for _, e in entries
                                               for f, k in zip(e.facts, e.keys or ()))
            keys.close()
            db = TinyDB(path, storage=CachingMiddleware(PickleStorage))
            db.drop_tables()
            db.table("meta").insert(meta)
            db.table("articles").insert_multiple(
                {"id": i, "file": e.article.path.name, "sha256": e.sha256, "parsed": replace(e.article, body="")}
                for i, e in entries)  # the text is in the file, which is read anyway to hash it
            facts = sorted((f for _, e in entries for f in e.facts), key=FACT_ORDER)  # cheap to merge at start
            db.table("facts").insert_multiple(f.to_record() for f in facts)
            db.table("figures").insert_multiple(f.to_record() for _, e in entries for f in e.figures)
            db.close()
        except OSError as error:
            raise StoreError(f"cannot write the fact store {path}: {error.strerror or error}") from error


def _up_to_date(stored: _Shard | None, wanted: dict[str, str], content: Content, key: str,
                topic_ids: tuple[str, ...]) -> bool:
    """Whether a shard as stored holds exactly the wanted articles (id -> file hash), built for
    the same topics and extractor, under the same file names."""
    if stored is None:
        return not wanted  # a shard with no articles need not exist
    if stored.content_key != key or stored.topic_ids != topic_ids:
        return False
    if {i: e.sha256 for i, e in stored.entries.items()} != wanted:
        return False
    names = {a.id: a.path.name for a in content.articles}
    return all(stored.entries[i].article.path.name == names[i] for i in wanted)


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
