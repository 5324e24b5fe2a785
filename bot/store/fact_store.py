"""The fact store: TinyDB files under ``data/facts/``, derived from content.

Layout. The store is split into shards by article id (a hash picks the shard); each shard is
three TinyDB files (``PickleStorage``):

- ``shard-NN.db``: tables ``meta``, ``articles`` (file name, hash, parsed front matter) and
  ``facts`` (one document per fact: the fields of ``facts --json`` with the figures as objects,
  plus line, mention and printed text);
- ``shard-NN.keys.db``: table ``keys`` (fact id and its search keys);
- ``shard-NN.figures.db``: table ``figures`` (one document per figure, with its source).

Start-up reads only the first kind. The search keys are most of a store's bytes and reading
time and only ``/search`` needs them; the figures only ``/figures`` and topic cards. Those are
read on first use, which a running bot does in the background right after start
(``Briefing.warm_up``). A shard is written by removing its main file, writing the side files, then
the main file, so a crash between the writes leaves a shard without a main file, which the next
start rebuilds. (Were the old main file still there, it would be taken for current when the
content changed back before the restart, beside side files of the interrupted build.) All three
files carry the same ``generation``, so side files of another build are still told apart.

Saved views. ``views.db`` holds what a running bot derived from the store in the background
(the date order, the search index, the figure groups, the reference-list flags; see
``knowledge.SavedViews``), stamped with the generations of the shards it was derived from, so that the next
start on the same store answers its first search or topic card without deriving them again. A
stamp that does not match the shards (content changed since) makes them derived again on first
use, and saved again.

Rebuilds. The store is brought in line with content at every start, one article at a time: an
article whose file did not change keeps its parsed front matter and its facts (and their ids)
without being read again, and only shards that hold a changed, new or removed article are
written, each whole to a temporary file renamed over the old one. A shard that cannot be read
is rebuilt.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import pickle
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from bot.base.atomic import remove_stale_temporaries
from bot.base.errors import StoreError
from bot.base.storage import PickleStorage
from bot.content.loader import Article, Content
from bot.extraction.facts import EXTRACTOR_VERSION, FACT_ORDER, DateValues, Fact, fact_id, facts_from_records
from bot.extraction.pool import extract_all
from bot.language.dates import DateValue
from bot.language.figures import SourcedFigure

log = logging.getLogger(__name__)

STORE_DIR = "facts"
#: Enough that one changed article rewrites a small part of a large store.
SHARDS = 16
#: Bump when the layout of the documents changes, or what the content loader puts in them (12:
#: control characters read as spaces), so that every article is parsed and extracted again.
FORMAT = 12
VIEWS_FILE = "views.db"
#: Bump when what the saved views hold, or how any of them is derived, changes.
VIEWS_FORMAT = 3  # 2: list flags name the members a list leaves out; 3: events, articles by word
_UNREADABLE = (
    OSError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    StopIteration,
    EOFError,
    pickle.UnpicklingError,
)


@dataclass(frozen=True, slots=True)
class SyncResult:
    facts: tuple[Fact, ...]  # without their search keys: see ``FactStore.search_keys``
    rebuilt: bool  # whether any store file was written
    extracted_articles: int  # articles whose facts were extracted anew
    written_shards: int = 0
    extracted: frozenset[str] = frozenset()  # their ids


@dataclass
class _Entry:
    """One article as stored."""

    sha256: str  # of the file
    article: Article
    facts: list[Fact]  # without their search keys
    keys: list[tuple[str, ...]] | None = None  # each fact's, once read or extracted
    figures: list[SourcedFigure] | None = None  # once read or extracted


@dataclass
class _Shard:
    content_key: str
    topic_ids: tuple[str, ...]
    entries: dict[str, _Entry]
    generation: str = ""
    ordered: list[Fact] = field(default_factory=list)  # every fact of the shard, in date order
    #: Per quantity, up to two of the distinct (value, qualifier) its figures give: enough to tell,
    #: over all shards, whether the sources differ, without reading the figures (timelines ask).
    figure_values: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict)


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

    Otherwise it walks the growing heap again and again, which slows down reading a large store.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _tables(path: Path) -> dict[str, dict[str, Any]]:
    """A TinyDB file's tables as stored (TinyDB's ``Table.all`` would copy every document)."""
    with TinyDB(path, storage=PickleStorage, access_mode="r") as db:
        return db.storage.read() or {}


def _meta(tables: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return next(iter(tables["meta"].values()))  # type: ignore[no-any-return]


class FactStore:
    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / STORE_DIR
        self._shards: dict[int, _Shard | None] | None = None
        self._ids: set[str] | None = None  # every fact id, as of the last sync that extracted
        # A reload syncs in one thread while a search index may be reading side files in another.
        self._lock = threading.RLock()

    def path(self, index: int, part: str = "") -> Path:
        """Shard ``index``'s main file, or its ``"keys"`` or ``"figures"`` file."""
        return self.folder / (f"shard-{index:02d}.{part}.db" if part else f"shard-{index:02d}.db")

    def shard_paths(self) -> list[Path]:
        """The shards' main files that exist, for whoever wants to query them with TinyDB
        directly (``path(i, "keys")`` and ``path(i, "figures")`` name the others)."""
        return [p for p in (self.path(i) for i in range(SHARDS)) if p.is_file()]

    # --- reading at start-up ---------------------------------------------------------------------

    def _stored(self) -> dict[int, _Shard | None]:
        """Every shard's main file as stored (None where missing or unreadable); read once."""
        if self._shards is None:
            if self.folder.is_dir():
                remove_stale_temporaries(self.folder)
            values: DateValues = {}  # one DateValue per date for the whole store
            with no_gc():
                self._shards = {i: self._read_shard(i, values) for i in range(SHARDS)}
        return self._shards

    def _read_shard(self, index: int, values: DateValues) -> _Shard | None:
        path = self.path(index)
        if not path.is_file():
            return None
        try:
            tables = _tables(path)
            meta = _meta(tables)
            if meta.get("format") != FORMAT:
                return None
            entries = {doc["id"]: _Entry(doc["sha256"], doc["parsed"], []) for doc in tables["articles"].values()}
            ordered = facts_from_records(tables["facts"].values(), values)
            for fact in ordered:
                entries[fact.article].facts.append(fact)
        except _UNREADABLE as error:
            log.warning("fact store shard %s is unreadable (%s); rebuilding it", path, error)
            return None
        if not all(self.path(index, part).is_file() for part in ("keys", "figures")):
            return None
        return _Shard(
            meta["content_key"], tuple(meta["topic_ids"]), entries, meta["generation"], ordered, meta["figure_values"]
        )

    def parsed_articles(self) -> dict[str, tuple[Article, tuple[str, ...]]]:
        """Articles parsed by an earlier build, by file name, with the topic ids they were checked
        against: for ``load_content(known=...)``."""
        found = {}
        for shard in self._stored().values():
            if shard is not None:
                for entry in shard.entries.values():
                    found[entry.article.path.name] = (entry.article, shard.topic_ids)
        return found

    # --- reading on first use ------------------------------------------------------------------

    def _read_side(self, index: int, part: str, generation: str) -> dict[str, Any] | None:
        """A side file's documents; None if missing, unreadable or not of the shard's write."""
        path = self.path(index, part)
        if not path.is_file():
            log.warning("fact store file %s is %s", path, "not a file" if path.exists() else "missing")
            return None
        try:
            tables = _tables(path)
            if _meta(tables).get("generation") != generation:
                raise ValueError("written by another build than its shard")
            return tables[part]
        except _UNREADABLE as error:
            log.warning("fact store file %s is unreadable (%s)", path, error)
            return None

    def _side_documents(self, part: str) -> Iterator[dict[str, Any]]:
        """Every current shard's documents of one side file.

        A shard whose file cannot be read is left out and forgotten, so that the next sync (at
        the next start or content change) rebuilds it; until then its facts lack what that file
        holds.
        """
        for index in range(SHARDS):
            with self._lock, no_gc():
                shard = self._stored()[index]
                if shard is None or not shard.entries:
                    continue
                documents = self._read_side(index, part, shard.generation)
                if documents is None:
                    log.error("%s: %s missing until the shard is rebuilt", self.path(index), part)
                    self.path(index).unlink(missing_ok=True)
                    self._stored()[index] = None
                    continue
            yield from documents.values()

    def search_keys(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """Every stored fact's id and search keys, read from disk now."""
        for document in self._side_documents("keys"):
            yield document["id"], document["keys"]

    def figures(self) -> list[SourcedFigure]:
        """Every stored figure, read from disk now."""
        values: dict[tuple[Any, ...], DateValue] = {}
        return [SourcedFigure.from_record(document, values) for document in self._side_documents("figures")]

    def varying_quantities(self) -> set[str]:
        """The quantities whose figures give more than one value, over the whole store, from the
        shards' summaries (no figure is read)."""
        values: dict[str, set[tuple[Any, Any]]] = {}
        for shard in self._stored().values():
            if shard is not None:
                for quantity, found in shard.figure_values.items():
                    values.setdefault(quantity, set()).update(found)
        return {quantity for quantity, found in values.items() if len(found) > 1}

    def generations(self) -> tuple[str, ...]:
        """Each shard's generation ("" for one without articles, which is never written): changes
        whenever any shard is written."""
        return tuple(
            shard.generation if shard is not None and shard.entries else "" for shard in self._stored().values()
        )

    def view(self) -> StoreView:
        """The store as it is now, for a ``Knowledge`` of the facts just synced."""
        return StoreView(self, self.generations())

    # --- saved views -----------------------------------------------------------------------------

    def read_views(self, generations: tuple[str, ...]) -> dict[str, Any] | None:
        """The views saved for a store of these generations; None if there are none or they are
        of other generations (or unreadable)."""
        path = self.folder / VIEWS_FILE
        if not path.is_file():
            return None
        try:
            with no_gc():
                tables = _tables(path)
            meta = _meta(tables)
            if meta.get("format") != VIEWS_FORMAT or tuple(meta.get("generations", ())) != generations:
                return None
            views = next(iter(tables["views"].values()))
            return views if isinstance(views, dict) else None
        except _UNREADABLE as error:
            log.warning("fact store file %s is unreadable (%s); deriving its views again", path, error)
            return None

    def write_views(self, generations: tuple[str, ...], views: dict[str, Any]) -> None:
        """Save views derived from a store of these generations (unless it has changed since)."""
        path = self.folder / VIEWS_FILE
        with self._lock:
            if self.generations() != generations:
                return  # content changed meanwhile: these views are already out of date
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                _write(path, {"meta": [{"format": VIEWS_FORMAT, "generations": generations}], "views": [views]})
            except OSError as error:  # they can be derived again: a full disk must not stop the bot
                log.warning("cannot save the fact store's views to %s: %s", path, error.strerror or error)

    # --- syncing ---------------------------------------------------------------------------------

    def sync(self, content: Content) -> SyncResult:
        """Bring the store in line with ``content`` and return every fact."""
        with self._lock:
            return self._sync(content)

    def _sync(self, content: Content) -> SyncResult:
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
        names = {a.id: a.path.name for a in content.articles}
        to_write = {i for i in range(SHARDS) if not _up_to_date(stored[i], wanted[i], names, key, topic_ids)}
        for index in to_write:
            self._complete(index, reusable)

        # Shard by shard: each shard is written as soon as its articles are extracted, while the
        # workers go on with the next ones.
        fresh_articles = sorted(
            (a for a in content.articles if a.id not in reusable or reusable[a.id].sha256 != a.sha256),
            key=lambda a: shard_of(a.id),
        )
        extractions = extract_all(fresh_articles, content.topics, content.quantities)
        entries: dict[str, _Entry] = {}
        for article in content.articles:
            previous = reusable.get(article.id)
            if previous is not None and previous.sha256 == article.sha256:
                entries[article.id] = previous if previous.article is article else replace(previous, article=article)
        kept_ids = self._kept_ids(entries) if fresh_articles else set()
        fresh_in: dict[int, list[Article]] = {i: [] for i in range(SHARDS)}
        for article in fresh_articles:
            fresh_in[shard_of(article.id)].append(article)

        shards: dict[int, _Shard] = {}
        for index in range(SHARDS):
            for article in fresh_in[index]:
                extraction = next(extractions)
                facts = _unique_ids(kept_ids, extraction.facts)
                entries[article.id] = _Entry(
                    article.sha256,
                    article,
                    [f.without_keys() for f in facts],
                    [f.keys for f in facts],
                    extraction.figures,
                )
            shard = stored[index] if index not in to_write else None
            if shard is None:
                shard = _Shard(key, topic_ids, {}, uuid.uuid4().hex)
            shard.entries = {i: entries[i] for i in wanted[index]}
            if index in to_write:
                shard.ordered = sorted((f for e in shard.entries.values() for f in e.facts), key=FACT_ORDER)
                shard.figure_values = _figure_values(f for e in shard.entries.values() for f in e.figures or ())
                self._write_shard(index, shard)
            shards[index] = shard
        self._shards = dict(shards)
        self._ids = kept_ids | {f.id for a in fresh_articles for f in entries[a.id].facts} if fresh_articles else None
        # Shard after shard, each in date order: sorting them all at once is then a cheap merge.
        every_fact = tuple(f for shard in shards.values() for f in shard.ordered)
        if to_write:
            log.info(
                "fact store: %d facts, %d articles extracted, %d of %d shards written",
                len(every_fact),
                len(fresh_articles),
                len(to_write),
                SHARDS,
            )
        return SyncResult(
            every_fact,
            rebuilt=bool(to_write),
            extracted_articles=len(fresh_articles),
            written_shards=len(to_write),
            extracted=frozenset(a.id for a in fresh_articles),
        )

    def _kept_ids(self, kept: dict[str, _Entry]) -> set[str]:
        """The ids of the kept articles' facts, which new facts must not take: from the ids
        after the last sync, less those of the articles not kept, when this store made that sync
        (a reload changes a few articles of many)."""
        if self._ids is None:
            return {f.id for entry in kept.values() for f in entry.facts}
        dropped = {
            f.id
            for shard in self._stored().values()
            if shard is not None
            for article_id, entry in shard.entries.items()
            if article_id not in kept or kept[article_id].facts is not entry.facts
            for f in entry.facts
        }
        return self._ids - dropped

    def _complete(self, index: int, reusable: dict[str, _Entry]) -> None:
        """Read a shard's side files for the articles it keeps when it is written again; those
        whose keys or figures cannot be read are extracted again instead."""
        shard = self._stored()[index]
        if shard is None:
            return
        mine = [i for i in shard.entries if i in reusable]
        if not mine:
            return
        keys = self._read_side(index, "keys", shard.generation)
        figures = self._read_side(index, "figures", shard.generation)
        if keys is None or figures is None:
            for article_id in mine:
                del reusable[article_id]
            return
        by_fact = {doc["id"]: doc["keys"] for doc in keys.values()}
        by_article: dict[str, list[SourcedFigure]] = {i: [] for i in mine}
        for doc in figures.values():
            if doc["article"] in by_article:
                by_article[doc["article"]].append(SourcedFigure.from_record(doc))
        for article_id in mine:
            entry = reusable[article_id]
            if all(f.id in by_fact for f in entry.facts):
                entry.keys = [by_fact[f.id] for f in entry.facts]
                entry.figures = by_article[article_id]
            else:
                del reusable[article_id]

    def _write_shard(self, index: int, shard: _Shard) -> None:
        """The old main file out, the side files, then the main file (see the module docstring)."""
        entries = sorted(shard.entries.items())
        meta = {
            "content_key": shard.content_key,
            "format": FORMAT,
            "extractor": EXTRACTOR_VERSION,
            "topic_ids": shard.topic_ids,
            "generation": shard.generation,
            "figure_values": shard.figure_values,
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the fact store folder {self.folder}: {error.strerror or error}") from error
        _put(self.path(index), None)
        if not entries:
            _put(self.path(index, "keys"), None)
            _put(self.path(index, "figures"), None)
            return
        _put(
            self.path(index, "keys"),
            {
                "meta": [meta],
                "keys": ({"id": f.id, "keys": k} for _, e in entries for f, k in zip(e.facts, e.keys or ())),
            },
        )
        _put(
            self.path(index, "figures"),
            {"meta": [meta], "figures": (f.to_record() for _, e in entries for f in e.figures or ())},
        )
        _put(
            self.path(index),
            {
                "meta": [meta],
                "articles": (
                    {"id": i, "file": e.article.path.name, "sha256": e.sha256, "parsed": e.article} for i, e in entries
                ),
                "facts": (f.to_record() for f in shard.ordered),
            },
        )


@dataclass(frozen=True)
class StoreView:
    """A fact store as one sync left it: what ``Knowledge`` reads from it on first use, and the
    views it saves for the next start, stamped with these generations (those of the facts it
    holds, even if the store changes meanwhile)."""

    store: FactStore
    generations: tuple[str, ...]

    def search_keys(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        return self.store.search_keys()

    def figures(self) -> list[SourcedFigure]:
        return self.store.figures()

    def varying_quantities(self) -> set[str]:
        return self.store.varying_quantities()

    def saved_views(self) -> dict[str, Any] | None:
        return self.store.read_views(self.generations)

    def save_views(self, views: dict[str, Any]) -> None:
        self.store.write_views(self.generations, views)


def _put(path: Path, tables: dict[str, Iterable[dict[str, Any]]] | None) -> None:
    """Write one file of a shard whole, or remove it (``None``); a failure names that file."""
    try:
        if tables is None:
            path.unlink(missing_ok=True)
        else:
            _write(path, tables)
    except OSError as error:
        raise StoreError(f"cannot write the fact store file {path}: {error.strerror or error}") from error


def _write(path: Path, tables: dict[str, Iterable[dict[str, Any]]]) -> None:
    """A TinyDB database written whole through its storage: the tables TinyDB's own inserts would
    produce (documents by string id from 1), without TinyDB copying every document on the way."""
    PickleStorage(path).write(
        {name: {str(i): doc for i, doc in enumerate(documents, 1)} for name, documents in tables.items()}
    )


def _figure_values(figures: Iterable[SourcedFigure]) -> dict[str, list[tuple[Any, Any]]]:
    """Per quantity, up to two distinct (value, qualifier) of the figures (see ``_Shard``)."""
    found: dict[str, list[tuple[Any, Any]]] = {}
    for sourced in figures:
        quantity = sourced.figure.quantity
        if quantity is None:
            continue
        values = found.setdefault(quantity, [])
        value = (sourced.figure.value, sourced.figure.qualifier)
        if len(values) < 2 and value not in values:
            values.append(value)
    return found


def _up_to_date(
    stored: _Shard | None, wanted: dict[str, str], names: dict[str, str], key: str, topic_ids: tuple[str, ...]
) -> bool:
    """Whether a shard as stored holds exactly the wanted articles (id -> file hash), built for
    the same topics and extractor, from files of the same names."""
    if stored is None:
        return not wanted  # a shard with no articles need not exist
    return (
        stored.content_key == key
        and stored.topic_ids == topic_ids
        and {i: e.sha256 for i, e in stored.entries.items()} == wanted
        and all(stored.entries[i].article.path.name == names[i] for i in wanted)
    )


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
