"""The fact store: rebuilt when content changes and only then, with ids that stay put."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from tinydb import Query, TinyDB

from bot.base.errors import StoreError
from bot.base.storage import PickleStorage
from bot.cli import main
from bot.content.loader import load_content
from bot.extraction import pool as extraction_pool
from bot.extraction.facts import TopicMatcher, extract
from bot.knowledge.indexes import Knowledge
from bot.store import fact_store as store_module
from bot.store.fact_store import FactStore, SyncResult, shard_of


def _sync(content_dir: Path, data_dir: Path) -> SyncResult:
    return FactStore(data_dir).sync(load_content(content_dir))


def _ids_by_article(facts) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    found: dict[str, set[str]] = {}
    for fact in facts:
        found.setdefault(fact.article, set()).add(fact.id)
    return found


def _mtimes(data_dir: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in FactStore(data_dir).folder.glob("*.db")}


def test_first_sync_builds_tinydb_files_that_plain_tinydb_can_query(content_dir: Path, data_dir: Path) -> None:
    result = _sync(content_dir, data_dir)
    assert result.rebuilt and result.extracted_articles == 5
    paths = FactStore(data_dir).shard_paths()
    assert paths and not list(data_dir.rglob("*.tmp"))
    stored: list[dict] = []  # type: ignore[type-arg]
    for path in paths:
        with TinyDB(path, storage=PickleStorage, access_mode="r") as db:
            assert set(db.tables()) == {"meta", "articles", "facts"}
            stored += db.table("facts").all()
            # A plain TinyDB query works on the documents as stored.
            assert all("csto" in d["topics"] for d in db.table("facts").search(Query().topics.any(["csto"])))
    assert sorted(d["id"] for d in stored) == sorted(f.id for f in result.facts)
    assert len(stored) > 10


def test_unchanged_content_is_not_rebuilt(content_dir: Path, data_dir: Path) -> None:
    first = _sync(content_dir, data_dir)
    figures = FactStore(data_dir).figures()
    before = _mtimes(data_dir)
    second = _sync(content_dir, data_dir)
    assert not second.rebuilt and second.extracted_articles == 0 and second.written_shards == 0
    assert _mtimes(data_dir) == before
    assert {f.id: f for f in second.facts} == {f.id: f for f in first.facts}
    assert sorted(FactStore(data_dir).figures(), key=repr) == sorted(figures, key=repr) != []


def test_unchanged_files_are_neither_read_nor_parsed_again(content_dir: Path, data_dir: Path) -> None:
    _sync(content_dir, data_dir)
    known = FactStore(data_dir).parsed_articles()
    assert len(known) == 5
    assert load_content(content_dir, known=known) == load_content(content_dir)  # text included
    # What the store says is taken as it is: mark it to see it come back. With a wrong hash too,
    # a file that kept its size and modification time is not even read.
    marked = {name: (replace(a, title="(stored)", sha256="0"), topics) for name, (a, topics) in known.items()}
    assert {a.title for a in load_content(content_dir, known=marked).articles} == {"(stored)"}
    # A file touched but not changed is read and hashed: the same bytes are not parsed again.
    path = content_dir / "articles" / "odkb-w-kazachstanie.md"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    marked = {name: (replace(a, title="(stored)"), topics) for name, (a, topics) in known.items()}
    touched = {a.id: a for a in load_content(content_dir, known=marked).articles}["odkb-w-kazachstanie"]
    assert touched.title == "(stored)" and touched.mtime_ns == path.stat().st_mtime_ns
    # Changed bytes are parsed.
    path.write_text(path.read_text(encoding="utf-8") + "\nJeszcze jedno zdanie.\n", encoding="utf-8")
    changed = {a.id: a for a in load_content(content_dir, known=marked).articles}["odkb-w-kazachstanie"]
    assert changed.title != "(stored)" and changed.body.endswith("Jeszcze jedno zdanie.")


def test_stored_articles_are_checked_again_when_topics_change(content_dir: Path, data_dir: Path) -> None:
    _sync(content_dir, data_dir)
    (content_dir / "topics" / "wojna.toml").unlink()
    content = load_content(content_dir, known=FactStore(data_dir).parsed_articles())
    assert any("unknown topic 'wojna'" in p.message for p in content.problems)


def test_changed_article_alone_is_extracted_and_written(content_dir: Path, data_dir: Path) -> None:
    first = _ids_by_article(_sync(content_dir, data_dir).facts)
    before = _mtimes(data_dir)
    article = content_dir / "articles" / "odkb-w-kazachstanie.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\nW środę 12 stycznia 2022 r. wojska ODKB zaczęły wycofywanie.\n",
        encoding="utf-8",
    )
    result = _sync(content_dir, data_dir)
    assert result.rebuilt and result.extracted_articles == 1 and result.written_shards == 1
    changed = {name for name, mtime in _mtimes(data_dir).items() if before.get(name) != mtime}
    shard = shard_of("odkb-w-kazachstanie")
    assert changed == {f"shard-{shard:02d}.db", f"shard-{shard:02d}.keys.db", f"shard-{shard:02d}.figures.db"}
    second = _ids_by_article(result.facts)
    for other in first.keys() - {"odkb-w-kazachstanie"}:
        assert second[other] == first[other]
    # The edited article keeps the ids of its unchanged sentences and gains the new fact.
    assert first["odkb-w-kazachstanie"] < second["odkb-w-kazachstanie"]
    new = [f for f in result.facts if f.id in second["odkb-w-kazachstanie"] - first["odkb-w-kazachstanie"]]
    assert [f.value.start.isoformat() for f in new] == ["2022-01-12"]
    # And the next start reads the change back from the store.
    again = _sync(content_dir, data_dir)
    assert not again.rebuilt and _ids_by_article(again.facts) == second


def test_removed_article_takes_its_facts_with_it(content_dir: Path, data_dir: Path) -> None:
    _sync(content_dir, data_dir)
    (content_dir / "articles" / "zamieszki-w-kazachstanie.md").unlink()
    result = _sync(content_dir, data_dir)
    assert result.rebuilt
    assert "zamieszki-w-kazachstanie" not in {f.article for f in result.facts}
    again = _sync(content_dir, data_dir)
    assert "zamieszki-w-kazachstanie" not in {f.article for f in again.facts} and not again.rebuilt


def test_renamed_file_is_rebuilt_under_its_new_name(content_dir: Path, data_dir: Path) -> None:
    _sync(content_dir, data_dir)
    folder = content_dir / "articles"
    (folder / "zamieszki-w-kazachstanie.md").rename(folder / "zamieszki.md")
    content = load_content(content_dir, known=FactStore(data_dir).parsed_articles())
    assert "zamieszki" in {a.id for a in content.articles}
    result = FactStore(data_dir).sync(content)
    assert "zamieszki" in {f.article for f in result.facts}
    assert "zamieszki-w-kazachstanie" not in {f.article for f in result.facts}


def test_topic_change_rebuilds_every_article(content_dir: Path, data_dir: Path) -> None:
    _sync(content_dir, data_dir)
    topic = content_dir / "topics" / "wojna.toml"
    topic.write_text(topic.read_text(encoding="utf-8").replace('"wojna",', '"wojna", "rakieta",'), encoding="utf-8")
    result = _sync(content_dir, data_dir)
    assert result.extracted_articles == 5
    night = next(f for f in result.facts if f.mention == "W nocy z piątku na sobotę")
    assert "wojna" in night.topics  # "rosyjskich rakiet" now matches the alias "rakieta"


@pytest.mark.parametrize("junk", [b"", b"not a pickle at all", b"\x80\x05N.", b"\x80\x05]\x94."])
def test_corrupt_shard_is_rebuilt(content_dir: Path, data_dir: Path, junk: bytes) -> None:
    first = _sync(content_dir, data_dir)
    broken = FactStore(data_dir).shard_paths()[0]
    broken.write_bytes(junk)
    result = _sync(content_dir, data_dir)
    assert result.rebuilt and result.written_shards == 1
    assert {f.id for f in result.facts} == {f.id for f in first.facts}
    with TinyDB(broken, storage=PickleStorage, access_mode="r") as db:
        assert db.table("articles").all()


def test_worker_processes_extract_what_one_process_does(
    content_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = content_dir / "articles"
    for source in sorted(folder.glob("*.md")):
        for copy in range(3):  # ids from the file names: 20 articles
            shutil.copy(source, folder / f"{source.stem}-{copy}.md")
    content = load_content(content_dir)
    serial = FactStore(tmp_path / "serial").sync(content)
    monkeypatch.setattr(extraction_pool, "PARALLEL_FROM", 2)
    monkeypatch.setattr(extraction_pool, "CHUNK", 3)
    parallel = FactStore(tmp_path / "parallel").sync(content)
    assert parallel.extracted_articles == serial.extracted_articles == 20
    assert parallel.facts == serial.facts
    assert FactStore(tmp_path / "parallel").figures() == FactStore(tmp_path / "serial").figures()
    assert dict(FactStore(tmp_path / "parallel").search_keys()) == dict(FactStore(tmp_path / "serial").search_keys())


def test_search_keys_are_read_from_their_own_files(content_dir: Path, data_dir: Path) -> None:
    first = _sync(content_dir, data_dir)
    assert all(f.keys == () for f in first.facts)  # facts come without their keys...
    keys = dict(FactStore(data_dir).search_keys())  # ...which the store reads on demand
    assert set(keys) == {f.id for f in first.facts}
    content = load_content(content_dir)
    matcher = TopicMatcher(content.topics)
    extracted = {f.id: f.keys for a in content.articles for f in extract(a, matcher).facts}
    assert {i: keys[i] for i in extracted} == extracted
    # Plain TinyDB finds them too.
    store = FactStore(data_dir)
    hits = []
    for index in range(store_module.SHARDS):
        if store.path(index, "keys").is_file():
            with TinyDB(store.path(index, "keys"), storage=PickleStorage, access_mode="r") as db:
                hits += [d["id"] for d in db.table("keys").search(Query().keys.any(["odkb"]))]
    assert sorted(hits) == sorted(i for i, k in keys.items() if "odkb" in k) != []


@pytest.mark.parametrize("part", ["keys", "figures"])
def test_side_file_of_another_write_is_not_used_and_its_shard_is_rebuilt(
    content_dir: Path, data_dir: Path, tmp_path: Path, part: str
) -> None:
    first = _sync(content_dir, data_dir)
    store = FactStore(data_dir)
    figures = store.figures()
    index = shard_of("odkb-w-kazachstanie")
    # As after a crash between the writes of a shard: a side file from another build.
    _sync(content_dir, tmp_path / "other")
    shutil.copy(FactStore(tmp_path / "other").path(index, part), store.path(index, part))
    store = FactStore(data_dir)
    store.sync(load_content(content_dir))
    if part == "keys":
        found = dict(store.search_keys())
        assert not any(f.article == "odkb-w-kazachstanie" and f.id in found for f in first.facts)
        assert 0 < len(found) < len(first.facts)
    else:
        assert "odkb-w-kazachstanie" not in {f.article for f in store.figures()}
    result = store.sync(load_content(content_dir))  # the next sync rebuilds that shard
    assert result.written_shards == 1 and result.extracted_articles >= 1
    assert set(dict(FactStore(data_dir).search_keys())) == {f.id for f in first.facts}
    assert sorted(FactStore(data_dir).figures(), key=repr) == sorted(figures, key=repr)


def test_missing_keys_file_rebuilds_its_shard(content_dir: Path, data_dir: Path) -> None:
    first = _sync(content_dir, data_dir)
    FactStore(data_dir).path(shard_of("zamieszki-w-kazachstanie"), "keys").unlink()
    result = _sync(content_dir, data_dir)
    assert result.written_shards == 1
    assert set(dict(FactStore(data_dir).search_keys())) == {f.id for f in first.facts}


def test_the_shards_summaries_tell_which_quantities_vary(content_dir: Path, data_dir: Path) -> None:
    content = load_content(content_dir)
    store = FactStore(data_dir)
    facts = store.sync(content).facts
    from_store = Knowledge.build(content.articles, content.topics, facts, (), content.quantities, deferred=store.view())
    from_figures = Knowledge.build(content.articles, content.topics, facts, store.figures(), content.quantities)
    assert from_store.varying_quantities == from_figures.varying_quantities != {}
    # A restart reads the summaries back; a shard written again computes its own anew.
    assert FactStore(data_dir).varying_quantities() == set(from_figures.varying_quantities)


@pytest.mark.parametrize("part", ["keys", "figures", ""])
def test_a_directory_in_place_of_a_shard_file_is_reported_by_its_own_name(
    content_dir: Path,
    data_dir: Path,
    tmp_path: Path,
    part: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = _sync(content_dir, data_dir)
    store = FactStore(data_dir)
    index = shard_of("odmowa-udzialu-w-wojnie")  # shard 06
    path = store.path(index, part)
    path.unlink()
    path.mkdir()  # nothing the bot would remove on its own: it may hold someone's files
    with pytest.raises(StoreError) as raised:
        _sync(content_dir, data_dir)
    assert f" {path}: " in str(raised.value)  # the file that is wrong, not its shard's main file
    # What a user sees: that message, no traceback.
    monkeypatch.chdir(tmp_path)
    assert main(["facts", "--content", str(content_dir), "--data", str(data_dir)]) == 2
    error = capsys.readouterr().err
    assert error == f"briefing-bot: {raised.value}\n"
    # Moved out of the way, the shard is rebuilt.
    path.rmdir()
    result = _sync(content_dir, data_dir)
    assert result.written_shards == 1 and {f.id for f in result.facts} == {f.id for f in first.facts}
    assert set(dict(FactStore(data_dir).search_keys())) == {f.id for f in first.facts}
