"""Views saved with the fact store (search index, date order, figure groups, reference-list flags):
a start that reads them answers exactly as one that derives them, and views of other content, of
another layout or unreadable are never used."""

from __future__ import annotations

import logging
import pickle
import random
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bench.corpus import write_corpus
from bot.briefings.commands import handle
from bot.briefings.request import Request
from bot.briefings.service import Briefing
from bot.knowledge.events import explain
from bot.knowledge.indexes import Knowledge, SavedViews
from bot.platforms.console.render import render_reply
from bot.store.fact_store import VIEWS_FILE, FactStore
from tests.conftest import fixed_clock

ZONE = ZoneInfo("Europe/Warsaw")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(60, folder, seed=11)
    return folder


def load(content: Path, data: Path) -> Briefing:
    return Briefing.load(content, data, ZONE, "pl", fixed_clock(datetime(2026, 1, 6, 12, tzinfo=UTC)))


def derived(briefing: Briefing) -> Knowledge:
    """The same knowledge with nothing saved: every view derived from the facts and the store."""
    knowledge = briefing.knowledge
    assert briefing.store is not None
    store = FactStore(briefing.store.folder.parent)
    fresh = Knowledge.build(
        list(knowledge.articles.values()),
        list(knowledge.topics.values()),
        knowledge.given,
        (),
        knowledge.quantities,
        deferred=store.view(),
    )
    store.folder.joinpath(VIEWS_FILE).rename(store.folder / "views.aside")
    try:
        fresh.warm_up()
        for topic in fresh.topics:
            fresh.list_flags(topic)
    finally:
        store.folder.joinpath("views.aside").rename(store.folder / VIEWS_FILE)
    assert fresh._saved is None
    return fresh


def requests(knowledge: Knowledge, rng: random.Random) -> list[str]:
    words = rng.sample(sorted({w for f in knowledge.facts for w in f.text.split() if w.isalpha()}), 40)
    commands = [f"/search {w}" for w in words] + [f"/search {a} {b}" for a, b in zip(words[::2], words[1::2])]
    commands += [f"/{t.command}" for t in knowledge.topics.values()] + ["/figures"]
    commands += [f"/figures {t}" for t in knowledge.topics]
    commands += ["/timeline 2022-01", "/timeline 2010", "/onthisday 01-06", "/sources"]
    commands += [f"/timeline {t}" for t in knowledge.topics]
    return commands


def saved_then_restarted(content: Path, data: Path) -> Briefing:
    running = load(content, data)
    running.warm_up().join()  # as a running bot does: derives the views and saves them
    assert (data / "facts" / VIEWS_FILE).is_file()
    return load(content, data)


def test_a_restart_answers_from_the_saved_views_as_from_derived_ones(corpus: Path, tmp_path: Path) -> None:
    restarted = saved_then_restarted(corpus, tmp_path / "data")
    saved = restarted.knowledge._saved
    assert saved is not None
    fresh = derived(restarted)
    assert [f.id for f in restarted.knowledge.facts] == [f.id for f in fresh.facts]
    assert {k: list(v) for k, v in restarted.knowledge._by_key.items()} == dict(fresh._by_key)
    assert restarted.knowledge.figure_groups() == fresh.figure_groups()
    assert restarted.knowledge._in_saved_order  # the events are the saved ones
    events = [(e.id, e.value, e.headline, [f.id for f in e.facts]) for e in restarted.knowledge.events]
    assert events == [(e.id, e.value, e.headline, [f.id for f in e.facts]) for e in fresh.events]
    assert any(len(e.facts) > 1 for e in fresh.events)
    for saved_index, derived_index in zip(restarted.knowledge._articles_by_key, fresh._articles_by_key):
        assert {k: list(v) for k, v in saved_index.items()} == {k: list(v) for k, v in derived_index.items()}
    assert explain(restarted.knowledge.events) == explain(fresh.events)  # the reasons worked out again
    assert any(g.count > 1 for g in fresh.figure_groups())
    for topic in fresh.topics:
        assert restarted.knowledge.list_flags(topic) == fresh.list_flags(topic)
        assert restarted.knowledge.figure_groups(topic) == fresh.figure_groups(topic)
    for command in requests(fresh, random.Random(3)):
        for language in ("pl", "en"):
            request = Request(command, restarted.today(), language)
            assert render_reply(handle(restarted.knowledge, request)) == render_reply(handle(fresh, request)), command


def test_the_bundled_reference_lists_are_flagged_from_the_saved_views(content_dir: Path, data_dir: Path) -> None:
    restarted = saved_then_restarted(content_dir, data_dir)
    assert restarted.knowledge._saved is not None
    flagged = {f.article: (f.wrong, f.missing) for f in restarted.knowledge.list_flags("csto")}
    assert flagged == {
        "odkb-w-kazachstanie": (("Uzbekistan",), ()),
        "zamieszki-w-kazachstanie": (("Turkmenia",), ("Tadżykistan",)),
    }


def test_views_of_other_content_are_not_used(content_dir: Path, data_dir: Path) -> None:
    saved_then_restarted(content_dir, data_dir)
    article = content_dir / "articles" / "zamieszki-w-kazachstanie.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\nW Ałmaty 3 stycznia 2022 r. widziano żyrafę.\n", encoding="utf-8"
    )
    changed = load(content_dir, data_dir)
    assert changed.knowledge._saved is None
    assert [f.text for f in changed.knowledge.search("żyrafa")] == ["W Ałmaty 3 stycznia 2022 r. widziano żyrafę."]


def test_a_reloaded_bot_saves_views_that_a_restart_can_use(content_dir: Path, data_dir: Path) -> None:
    """A reload keeps the facts in the order it had them, which differs from the order a start reads
    them in: a restart then sorts them itself and still uses the saved positions."""
    running = load(content_dir, data_dir)
    running.warm_up().join()
    article = content_dir / "articles" / "zamieszki-w-kazachstanie.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\nW Ałmaty 3 stycznia 2022 r. widziano żyrafę.\n", encoding="utf-8"
    )
    assert running.reload()
    running.warm_up().join()
    restarted = load(content_dir, data_dir)
    assert restarted.knowledge._saved is not None
    assert [f.id for f in restarted.knowledge.given] != [f.id for f in running.knowledge.given]
    assert [f.id for f in restarted.knowledge.facts] == [f.id for f in running.knowledge.facts]
    assert [f.text for f in restarted.knowledge.search("żyrafa")] == ["W Ałmaty 3 stycznia 2022 r. widziano żyrafę."]


def test_unreadable_views_are_derived_again(
    content_dir: Path, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    saved_then_restarted(content_dir, data_dir)
    (data_dir / "facts" / VIEWS_FILE).write_bytes(b"\x80\x05not a pickle")
    with caplog.at_level(logging.WARNING):
        restarted = load(content_dir, data_dir)
        assert restarted.knowledge._saved is None
    assert "views.db is unreadable" in caplog.text
    assert restarted.knowledge.search("Tokajew") == derived(restarted).search("Tokajew") != []


@pytest.mark.parametrize("change", ["fewer", "more"])
def test_views_of_another_layout_are_not_used(content_dir: Path, data_dir: Path, change: str) -> None:
    """Saved by a version whose ``SavedViews`` had other fields (and the same ``VIEWS_FORMAT``)."""
    saved_then_restarted(content_dir, data_dir)
    path = data_dir / "facts" / VIEWS_FILE
    tables = pickle.loads(path.read_bytes())
    views = tables["views"]["1"]
    assert set(views) == {f.name for f in fields(SavedViews)}
    if change == "fewer":
        del views["list_flags"]
    else:
        views["positions_by_month"] = {}
    path.write_bytes(pickle.dumps(tables))
    restarted = load(content_dir, data_dir)
    assert restarted.knowledge._saved is None
    assert restarted.knowledge.list_flags("csto") != []


def test_views_are_not_saved_for_a_store_that_changed_meanwhile(content_dir: Path, data_dir: Path) -> None:
    running = load(content_dir, data_dir)
    stale = running.knowledge  # its views are derived before the content changes, saved after
    stale.warm_up()
    article = content_dir / "articles" / "zamieszki-w-kazachstanie.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nTo zdanie zmienia plik.\n", encoding="utf-8")
    assert running.reload()
    stale.save_views()
    assert not (data_dir / "facts" / VIEWS_FILE).exists()
    running.knowledge.save_views()
    assert load(content_dir, data_dir).knowledge._saved is not None


def test_a_views_file_that_cannot_be_written_is_a_warning(
    content_dir: Path, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    running = load(content_dir, data_dir)
    (data_dir / "facts" / VIEWS_FILE).mkdir()  # os.replace cannot put a file there
    with caplog.at_level(logging.WARNING):
        running.warm_up().join()
    assert "cannot save the fact store's views" in caplog.text
    assert running.ask("/csto").cards
