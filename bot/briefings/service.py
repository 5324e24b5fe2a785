"""The core as one object: content loaded, the fact store in sync, commands answered."""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.base.metrics import NO_METRICS, Metrics
from bot.briefings import replies
from bot.briefings.cards import Reply
from bot.briefings.commands import BUILTIN_NAMES, handle, menu
from bot.briefings.request import Chat, Request
from bot.content.loader import Article, Content, ContentSignature, content_signature, load_content
from bot.extraction.facts import Fact
from bot.i18n.messages import Language
from bot.knowledge.indexes import Knowledge
from bot.language import lemmas
from bot.store.fact_store import FactStore, SyncResult, no_gc

log = logging.getLogger(__name__)

#: Names a topic file may not take: the bot's commands and the adapters' own.
RESERVED_COMMANDS = BUILTIN_NAMES | {"digest", "figures", "next", "prev", "quit", "exit"}

Clock = Callable[[], datetime]
#: Hex digits of ``Briefing.content_hash``: enough to tell two contents apart, short enough for a log line.
CONTENT_HASH_LENGTH = 12


def utc_now() -> datetime:
    return datetime.now(UTC)


def content_hash(content: Content) -> str:
    """A short hash of loaded content: the same on every host that loaded the same files (their
    bytes, not their paths or times, unlike ``Briefing.signature``)."""
    parts = [f"quantities={content.quantities_sha256}"]
    parts += sorted(f"topic {topic.id}={topic.sha256}" for topic in content.topics)
    parts += sorted(f"article {article.id}={article.sha256}" for article in content.articles)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:CONTENT_HASH_LENGTH]


def _build(
    content_dir: Path,
    store: FactStore,
    known: dict[str, tuple[Article, tuple[str, ...]]] | None = None,
    previous: Knowledge | None = None,
) -> tuple[Content, SyncResult, Knowledge]:
    """Content, store and knowledge; ``known`` defaults to the articles the store holds."""
    with no_gc():  # for all of it: the store's objects, read first, would be walked again and again
        if known is None:
            known = store.parsed_articles()  # files unchanged since the last build are not read again
        content = load_content(content_dir, reserved_commands=frozenset(RESERVED_COMMANDS), known=known)
        sync = store.sync(content)
        facts: Sequence[Fact] = sync.facts
        if previous is not None:
            # The kept facts in the order they had, then the new ones: sorting that is a merge.
            present = {a.id for a in content.articles} - sync.extracted
            merged = [f for f in previous.facts if f.article in present]
            merged += [f for f in sync.facts if f.article in sync.extracted]
            if len(merged) == len(sync.facts):  # else the previous knowledge was not of this store
                facts = merged
        knowledge = Knowledge.build(
            content.articles, content.topics, facts, (), content.quantities, deferred=store.view()
        )
        # What was just loaded lives as long as the process: keep the cycle collector off it.
        gc.freeze()
    for problem in content.problems:
        log.warning("content file skipped: %s", problem)
    for problem in content.warnings:
        log.warning("content file loaded, repaired: %s", problem)
    return content, sync, knowledge


@dataclass
class Briefing:
    content: Content
    sync: SyncResult
    knowledge: Knowledge
    zone: ZoneInfo
    language: Language = "pl"
    clock: Clock = field(default=utc_now)
    content_dir: Path | None = None  # where ``reload`` looks for changes
    store: FactStore | None = None
    signature: ContentSignature = ()
    _reloading: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    #: Told of each command answered, digest sent and reload (``bot.base.metrics``).
    metrics: Metrics = field(default=NO_METRICS, repr=False, compare=False)

    @classmethod
    def load(
        cls, content_dir: Path, data_dir: Path, zone: ZoneInfo, language: Language = "pl", clock: Clock = utc_now
    ) -> Briefing:
        """Load content, bring the fact store up to date, and index it.

        Broken content files are logged and skipped; the rest still load.
        """
        store = FactStore(data_dir)
        signature = content_signature(content_dir)
        content, sync, knowledge = _build(content_dir, store)
        return cls(content, sync, knowledge, zone, language, clock, content_dir, store, signature)

    def reload(self) -> bool:
        """Take in content files added, changed or removed since the last look; False when none
        were. Only the changed files are parsed and extracted and only their shards of the store
        written; the new knowledge replaces the old at once, so a command asked meanwhile is
        answered from one or the other, never from half of each."""
        if self.content_dir is None or self.store is None:
            return False
        with self._reloading:
            if not (self.content_dir / "articles").is_dir():  # moved away, or a disk gone: keep what we have
                log.warning(
                    "content folder %s/articles is missing; still answering from what was loaded", self.content_dir
                )
                return False
            signature = content_signature(self.content_dir)
            if signature == self.signature:
                return False
            topic_ids = tuple(sorted(t.id for t in self.content.topics))
            known = {a.path.name: (a, topic_ids) for a in self.content.articles}
            self.content, self.sync, self.knowledge = _build(self.content_dir, self.store, known, self.knowledge)
            self.signature = signature
            self.metrics.content_reloaded(len(self.content.problems))
            log.info(
                "content reloaded: %d articles, %d extracted anew, %d facts",
                len(self.content.articles),
                self.sync.extracted_articles,
                len(self.knowledge.facts),
            )
            return True

    def warm_up(self) -> threading.Thread:
        """Build in the background what is otherwise built on first use (the lemmatiser, the
        indexes, every fact's line cost, each topic card), so that a long-running bot answers
        its first /search or topic command at once; then save the costliest of those views with
        the fact store, so that the next start on unchanged content answers them soon too."""
        knowledge = self.knowledge  # the one loaded now, even if a reload replaces it meanwhile

        def warm() -> None:
            lemmas.lemma("dom")
            knowledge.warm_up()
            replies.warm_up(knowledge)
            for topic in knowledge.topics.values():
                handle(knowledge, Request(f"/{topic.command}", self.today(), self.language))
            knowledge.save_views()  # for the next start: its first search or topic card then need not wait

        thread = threading.Thread(target=warm, name="warm-up", daemon=True)
        thread.start()
        return thread

    def content_hash(self) -> str:
        """This content's ``content_hash``, to compare processes."""
        return content_hash(self.content)

    def today(self) -> date:
        """Today's date where the bot's readers are."""
        return self.clock().astimezone(self.zone).date()

    def ask(self, text: str, language: Language | None = None, chat: Chat | None = None) -> Reply:
        return handle(self.knowledge, Request(text, self.today(), language or self.language, chat))

    def menu(self, language: Language | None = None) -> list[tuple[str, str]]:
        return menu(self.knowledge, language or self.language)
