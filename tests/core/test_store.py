"""The fact store: rebuilt when content changes and only then, with ids that stay put."""

from __future__ import annotations

import json
from pathlib import Path

from bot.core.content import load_content
from bot.core.store import STORE_FILE, FactStore


def _sync(content_dir: Path, data_dir: Path):  # type: ignore[no-untyped-def]
    return FactStore(data_dir).sync(load_content(content_dir))


def _ids_by_article(facts) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    found: dict[str, set[str]] = {}
    for fact in facts:
        found.setdefault(fact.article, set()).add(fact.id)
    return found


def test_first_sync_builds_a_tinydb_file(content_dir: Path, data_dir: Path) -> None:
    result = _sync(content_dir, data_dir)
    assert result.rebuilt and result.extracted_articles == 5
    stored = json.loads((data_dir / STORE_FILE).read_text(encoding="utf-8"))
    assert set(stored) == {"meta", "articles", "facts", "figures"}
    assert len(stored["facts"]) == len(result.facts) > 10
    assert not list(data_dir.glob("*.tmp"))


def test_unchanged_content_is_not_rebuilt(content_dir: Path, data_dir: Path) -> None:
    first = _sync(content_dir, data_dir)
    before = (data_dir / STORE_FILE).stat().st_mtime_ns
    second = _sync(content_dir, data_dir)
    assert not second.rebuilt and second.extracted_articles == 0
    assert (data_dir / STORE_FILE).stat().st_mtime_ns == before
    assert sorted(f.to_json()["id"] for f in second.facts) == sorted(f.id for f in first.facts)
    assert {f.id: f for f in second.facts} == {f.id: f for f in first.facts}


def test_changed_article_alone_is_extracted_and_others_keep_their_ids(content_dir: Path, data_dir: Path) -> None:
    first = _ids_by_article(_sync(content_dir, data_dir).facts)
    article = content_dir / "articles" / "odkb-w-kazachstanie.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\nW środę 12 stycznia 2022 r. wojska ODKB zaczęły wycofywanie.\n",
        encoding="utf-8",
    )
    result = _sync(content_dir, data_dir)
    assert result.rebuilt and result.extracted_articles == 1
    second = _ids_by_article(result.facts)
    for other in first.keys() - {"odkb-w-kazachstanie"}:
        assert second[other] == first[other]
    # The edited article keeps the ids of its unchanged sentences and gains the new fact.
    assert first["odkb-w-kazachstanie"] < second["odkb-w-kazachstanie"]
    new = [f for f in result.facts if f.id in second["odkb-w-kazachstanie"] - first["odkb-w-kazachstanie"]]
    assert [f.value.start.isoformat() for f in new] == ["2022-01-12"]


def test_removed_article_takes_its_facts_with_it(content_dir: Path, data_dir: Path) -> None:
    _sync(content_dir, data_dir)
    (content_dir / "articles" / "zamieszki-w-kazachstanie.md").unlink()
    result = _sync(content_dir, data_dir)
    assert result.rebuilt
    assert "zamieszki-w-kazachstanie" not in {f.article for f in result.facts}


def test_topic_change_rebuilds_every_article(content_dir: Path, data_dir: Path) -> None:
    _sync(content_dir, data_dir)
    topic = content_dir / "topics" / "wojna.toml"
    topic.write_text(topic.read_text(encoding="utf-8").replace('"wojna",', '"wojna", "rakieta",'), encoding="utf-8")
    result = _sync(content_dir, data_dir)
    assert result.extracted_articles == 5
    night = next(f for f in result.facts if f.mention == "W nocy z piątku na sobotę")
    assert "wojna" in night.topics  # "rosyjskich rakiet" now matches the alias "rakieta"


def test_corrupt_store_is_rebuilt(content_dir: Path, data_dir: Path) -> None:
    first = _sync(content_dir, data_dir)
    (data_dir / STORE_FILE).write_text('{"facts": {"1": {"id": ', encoding="utf-8")
    result = _sync(content_dir, data_dir)
    assert result.rebuilt
    assert {f.id for f in result.facts} == {f.id for f in first.facts}
    json.loads((data_dir / STORE_FILE).read_text(encoding="utf-8"))
