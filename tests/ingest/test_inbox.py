"""Drafts in content/inbox/: listed, accepted into articles/, rejected; never loaded as content."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.content.loader import load_content
from tests.ingest.server import FULL_METADATA, Site

DRAFT = "protesty-w-kazachstanie-tysiace-zatrzymanych"


def content(content_dir: Path, *args: str) -> int:
    return main(["content", *args, "--content", str(content_dir)])


@pytest.fixture
def drafted(site: Site, content_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert content(content_dir, "add", site.html("/a", FULL_METADATA), "--inbox", "--topics", "protesty") == 0
    assert f"content accept {DRAFT}" in capsys.readouterr().out
    return content_dir / "inbox" / f"{DRAFT}.md"


def test_a_draft_waits_in_the_inbox_unread_by_the_bot(drafted: Path, content_dir: Path) -> None:
    assert drafted.is_file()
    assert not (content_dir / "articles" / drafted.name).exists()
    loaded = load_content(content_dir)
    assert DRAFT not in {a.id for a in loaded.articles} and not loaded.problems


def test_the_inbox_lists_each_draft_with_its_dates_and_figures(
    drafted: Path, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert content(content_dir, "inbox") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{DRAFT}  2022-01-10  Kurier Stepowy: Protesty w Kazachstanie: tysiące zatrzymanych\n")
    assert "'2 stycznia' → 2022-01-02" in out and "quantity detained" in out
    assert "(no dates, no figures)" not in out  # only what was found


def test_accept_moves_a_draft_into_the_articles(
    drafted: Path, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = drafted.read_bytes()
    assert content(content_dir, "accept", DRAFT) == 0
    assert not drafted.exists() and (content_dir / "articles" / drafted.name).read_bytes() == text
    assert DRAFT in {a.id for a in load_content(content_dir).articles}
    assert content(content_dir, "accept", DRAFT) == 1
    assert f"no draft '{DRAFT}'" in capsys.readouterr().err


def test_accept_refuses_to_replace_an_article(
    drafted: Path, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = content_dir / "articles" / drafted.name
    existing.write_text("mine", encoding="utf-8")
    assert content(content_dir, "accept", DRAFT) == 1
    assert f"{existing} exists" in capsys.readouterr().err
    assert existing.read_text(encoding="utf-8") == "mine" and drafted.is_file()


def test_reject_deletes_a_draft(drafted: Path, content_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert content(content_dir, "reject", "../articles/odkb-w-kazachstanie") == 1
    assert (content_dir / "articles" / "odkb-w-kazachstanie.md").is_file()
    assert content(content_dir, "reject", DRAFT) == 0
    assert not drafted.exists()
    capsys.readouterr()
    assert content(content_dir, "inbox") == 0
    assert capsys.readouterr().out.startswith("no drafts in ")


def test_a_page_already_in_the_inbox_is_refused(
    drafted: Path, site: Site, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert content(content_dir, "add", site.url("/a"), "--id", "znowu") == 1
    assert f"{drafted} has the same address" in capsys.readouterr().err
    assert not (content_dir / "articles" / "znowu.md").exists()
