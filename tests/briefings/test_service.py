"""A running bot takes in content files added, changed or removed, without a restart."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

import pytest

from bot.briefings.service import Briefing
from bot.content.loader import load_content
from bot.extraction import facts
from bot.platforms.console.render import render_reply
from bot.store.fact_store import VIEWS_FILE, FactStore
from tests.conftest import NOW, WARSAW, fixed_clock

NEW_ARTICLE = """+++
title = "Nowe doniesienia z Ałmaty"
outlet = "Testowa Gazeta"
published = 2022-01-20
topics = ["protesty"]
+++
W czwartek 13 stycznia 2022 r. w Ałmaty otwarto ponownie lotnisko Zhetysu.
"""


def _answer(briefing: Briefing, text: str) -> str:
    return render_reply(briefing.ask(text))


def _load(content_dir: Path, data_dir: Path) -> Briefing:
    return Briefing.load(content_dir, data_dir, WARSAW, "pl", fixed_clock(NOW))


def test_nothing_changed_nothing_reloaded(content_dir: Path, data_dir: Path) -> None:
    briefing = _load(content_dir, data_dir)
    knowledge = briefing.knowledge
    assert briefing.reload() is False
    assert briefing.knowledge is knowledge


def test_an_added_article_is_answered_after_a_reload(content_dir: Path, data_dir: Path) -> None:
    briefing = _load(content_dir, data_dir)
    before = {f.id for f in briefing.knowledge.facts}
    assert "Zhetysu" not in _answer(briefing, "/search zhetysu")
    (content_dir / "articles" / "lotnisko.md").write_text(NEW_ARTICLE, encoding="utf-8")
    assert briefing.reload() is True
    assert briefing.sync.extracted_articles == 1 and briefing.sync.written_shards == 1
    new = [f for f in briefing.knowledge.facts if f.article == "lotnisko"]
    assert [f.value.start.isoformat() for f in new] == ["2022-01-13"]
    assert before < {f.id for f in briefing.knowledge.facts}  # the others kept their ids
    assert "13 stycznia 2022" in _answer(briefing, "/search lotnisko zhetysu")  # search keys read from the store
    assert new[0].quote[:40] in _answer(briefing, "/sources 2022-01-13")
    assert "Testowa Gazeta" in _answer(briefing, "/sources")
    assert briefing.reload() is False


def test_a_changed_and_a_removed_article(content_dir: Path, data_dir: Path) -> None:
    briefing = _load(content_dir, data_dir)
    folder = content_dir / "articles"
    changed = folder / "odkb-w-kazachstanie.md"
    with changed.open("a", encoding="utf-8") as handle:
        handle.write("\nW środę 12 stycznia 2022 r. wojska ODKB zaczęły wycofywanie.\n")
    (folder / "zamieszki-w-kazachstanie.md").unlink()
    assert briefing.reload() is True
    assert briefing.sync.extracted_articles == 1
    assert "zamieszki-w-kazachstanie" not in briefing.knowledge.articles
    assert any(
        f.value.start.isoformat() == "2022-01-12" and f.article == "odkb-w-kazachstanie"
        for f in briefing.knowledge.facts
    )
    # What the reload wrote is what the next start reads.
    again = _load(content_dir, data_dir)
    assert again.sync.extracted_articles == 0 and not again.sync.rebuilt
    assert {f.id for f in again.knowledge.facts} == {f.id for f in briefing.knowledge.facts}
    assert dict(FactStore(data_dir).search_keys()).keys() == {f.id for f in again.knowledge.facts}


def test_a_broken_file_is_reported_and_the_rest_still_served(content_dir: Path, data_dir: Path) -> None:
    briefing = _load(content_dir, data_dir)
    facts = len(briefing.knowledge.facts)
    (content_dir / "articles" / "zepsuty.md").write_text("+++\ntitle = \n+++\ntekst\n", encoding="utf-8")
    assert briefing.reload() is True
    assert [p.path.name for p in briefing.content.problems] == ["zepsuty.md"]
    assert len(briefing.knowledge.facts) == facts
    assert "Oś czasu" in _answer(briefing, "/timeline 2022-01")


def test_a_file_touched_but_not_changed_is_not_extracted_again(content_dir: Path, data_dir: Path) -> None:
    briefing = _load(content_dir, data_dir)
    path = content_dir / "articles" / "odkb-w-kazachstanie.md"
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))
    assert briefing.reload() is True  # it looked...
    assert briefing.sync.extracted_articles == 0 and not briefing.sync.rebuilt  # ...and found the same text


def test_a_new_file_that_takes_an_existing_id_is_reported(content_dir: Path, data_dir: Path) -> None:
    briefing = _load(content_dir, data_dir)
    article = content_dir / "articles" / "odkb-w-kazachstanie.md"
    text = article.read_text(encoding="utf-8").replace("+++\n", '+++\nid = "odkb-w-kazachstanie"\n', 1)
    (content_dir / "articles" / "a-kopia.md").write_text(text, encoding="utf-8")  # sorts first
    assert briefing.reload() is True
    problems = [(p.path.name, p.message) for p in briefing.content.problems]
    assert len(problems) == 1 and "already used" in problems[0][1]
    fresh = load_content(content_dir)  # a reload decides as a fresh start would
    assert problems == [(p.path.name, p.message) for p in fresh.problems]
    assert [a.path for a in briefing.content.articles] == [a.path for a in fresh.articles]


def test_a_changed_topic_file_checks_every_article_again(content_dir: Path, data_dir: Path) -> None:
    briefing = _load(content_dir, data_dir)
    (content_dir / "topics" / "wojna.toml").unlink()
    assert briefing.reload() is True
    assert any("unknown topic 'wojna'" in p.message for p in briefing.content.problems)
    assert "wojna" not in briefing.knowledge.topics


def test_fact_ids_stay_unique_and_put_across_reloads(
    content_dir: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ids that ignore the article, so that a copied article's facts all collide with the original's.
    def colliding_id(*parts: str) -> str:
        return hashlib.blake2b("\x1f".join(parts[1:]).encode(), digest_size=5).hexdigest()

    monkeypatch.setattr(facts, "fact_id", colliding_id)
    folder = content_dir / "articles"
    shutil.copy(folder / "odkb-w-kazachstanie.md", folder / "kopia.md")
    briefing = _load(content_dir, data_dir)
    ids = [f.id for f in briefing.knowledge.facts]
    assert len(ids) == len(set(ids))
    shutil.copy(folder / "odkb-w-kazachstanie.md", folder / "kopia-2.md")
    assert briefing.reload() is True
    again = [f.id for f in briefing.knowledge.facts]
    assert len(again) == len(set(again)) > len(ids)
    assert set(ids) < set(again)  # the facts there before keep their ids


def test_warm_up_reads_what_is_otherwise_read_on_first_use(content_dir: Path, data_dir: Path) -> None:
    cold, warm = _load(content_dir, data_dir), _load(content_dir, data_dir)
    warm.warm_up().join()
    views = FactStore(data_dir).folder / VIEWS_FILE
    assert views.is_file()  # saved by the warm-up, for the next start
    views.unlink()
    for part in ("keys", "figures"):  # as if the side files went missing after start-up
        for path in FactStore(data_dir).folder.glob(f"*.{part}.db"):
            path.unlink()
    assert "Znalezione wydarzenia: 1" in _answer(warm, "/search tokajew")  # two reports of 6 January
    assert "zatrzymani" in _answer(warm, "/figures")
    assert "Znalezione wydarzenia" not in _answer(cold, "/search tokajew")  # it had to read them now


def test_a_content_folder_moved_away_keeps_what_was_loaded(content_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    briefing = _load(content_dir, data_dir)
    facts = len(briefing.knowledge.facts)
    content_dir.rename(tmp_path / "elsewhere")
    assert briefing.reload() is False
    assert len(briefing.knowledge.facts) == facts and "Oś czasu" in _answer(briefing, "/timeline 2022-01")


def test_a_topic_file_claiming_the_csto_command_is_reported_and_csto_kept(content_dir: Path, data_dir: Path) -> None:
    """a-new.toml with command "csto" (sorting before csto.toml), or a file CSTO.toml, replaced the
    csto topic, and every article tagged csto was skipped: 16 facts became 1."""
    briefing = _load(content_dir, data_dir)
    facts, articles = len(briefing.knowledge.facts), set(briefing.knowledge.articles)
    topic = (content_dir / "topics" / "protesty.toml").read_text(encoding="utf-8")
    (content_dir / "topics" / "a-new.toml").write_text(
        topic.replace('command = "protesty"', 'command = "csto"'), encoding="utf-8"
    )
    (content_dir / "topics" / "CSTO.toml").write_text(topic.replace('command = "protesty"\n', ""), encoding="utf-8")
    assert briefing.reload() is True
    assert briefing.knowledge.topics["csto"].path == content_dir / "topics" / "csto.toml"
    assert len(briefing.knowledge.facts) == facts and set(briefing.knowledge.articles) == articles
    assert sorted((p.path.name, p.line) for p in briefing.content.problems) == [("CSTO.toml", 1), ("a-new.toml", 3)]
    assert "/csto" in _answer(briefing, "/help") and "ODKB" in _answer(briefing, "/csto")


ODKB_TOPIC = 'title = "ODKB"\naliases = ["ODKB"]\nsummary = "Misja ODKB."\ncommand = "csto"\n'
ODKB_ARTICLE = """+++
title = "ODKB w Kazachstanie"
outlet = "Testowa Gazeta"
published = 2022-01-09
topics = ["odkb"]
+++
W czwartek 6 stycznia 2022 r. ODKB wysłała wojska do Kazachstanu.
"""


def test_a_new_topic_file_never_displaces_a_loaded_topic(tmp_path: Path, data_dir: Path) -> None:
    """odkb.toml has the command /csto; a csto.toml added later sorts first and, at a fresh start
    without a fact store, would win; in a running bot, and at its next start, odkb keeps it."""
    content = tmp_path / "content"
    (content / "topics").mkdir(parents=True)
    (content / "articles").mkdir()
    (content / "topics" / "odkb.toml").write_text(ODKB_TOPIC, encoding="utf-8")
    (content / "articles" / "odkb.md").write_text(ODKB_ARTICLE, encoding="utf-8")
    briefing = _load(content, data_dir)
    assert list(briefing.knowledge.topics) == ["odkb"] and len(briefing.knowledge.facts) == 1
    (content / "topics" / "csto.toml").write_text(ODKB_TOPIC.replace('command = "csto"\n', ""), encoding="utf-8")
    assert briefing.reload() is True
    restarted = _load(content, data_dir)
    for running in (briefing, restarted):
        assert list(running.knowledge.topics) == ["odkb"] and len(running.knowledge.facts) == 1
        ((path, line, message),) = [(p.path, p.line, p.message) for p in running.content.problems]
        assert (path.name, line) == ("csto.toml", 1) and str(content / "topics" / "odkb.toml") in message


def _reload_within(briefing: Briefing, fifo: Path, seconds: float = 30.0) -> bool:
    """``briefing.reload()``, failing the test if it takes ``seconds``; a reader blocked on ``fifo``
    is then let go (opening it for writing and closing it gives the reader an end of file)."""
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(briefing.reload()), daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(seconds)
        pytest.fail(f"the reload did not finish within {seconds:.0f} s: it blocked on {fifo.name}")
    return result[0]


def test_a_fifo_among_the_articles_does_not_freeze_a_reload(content_dir: Path, data_dir: Path) -> None:
    """A FIFO blocked the reload that read it (and SIGTERM, which waits for the reload) for good."""
    briefing = _load(content_dir, data_dir)
    os.mkfifo(content_dir / "articles" / "zz-fifo.md")
    (content_dir / "articles" / "lotnisko.md").write_text(NEW_ARTICLE, encoding="utf-8")
    assert _reload_within(briefing, content_dir / "articles" / "zz-fifo.md") is True
    assert [(p.path.name, p.line) for p in briefing.content.problems] == [("zz-fifo.md", 1)]
    assert "lotnisko" in briefing.knowledge.articles and len(briefing.knowledge.articles) == 6


def test_a_fifo_alone_is_a_change_that_gets_reported(content_dir: Path, data_dir: Path) -> None:
    """The change detection looked at regular files only: a FIFO added to a running bot went
    unreported until some other file changed. It is noticed by its kind, never opened."""
    briefing = _load(content_dir, data_dir)
    os.mkfifo(content_dir / "topics" / "zz-fifo.toml")
    assert _reload_within(briefing, content_dir / "topics" / "zz-fifo.toml") is True
    assert [(p.path.name, p.line) for p in briefing.content.problems] == [("zz-fifo.toml", 1)]
    assert briefing.reload() is False
