"""``briefing-bot content add`` end to end, against pages served on 127.0.0.1."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.briefings.service import Briefing
from bot.cli import main
from bot.content.loader import load_content
from tests.conftest import NOW, WARSAW, fixed_clock
from tests.ingest.server import (
    DATE_IN_ADDRESS,
    ENGLISH,
    FULL_METADATA,
    JSON_LD_ONLY,
    OTHER_PARAGRAPHS,
    PARAGRAPHS,
    Site,
    article_page,
)

ADDED = "protesty-w-kazachstanie-tysiace-zatrzymanych"


def files(content_dir: Path) -> dict[str, bytes]:
    """Every file under the content folder with its bytes: what a refusal must leave as it was."""
    return {str(p.relative_to(content_dir)): p.read_bytes() for p in sorted(content_dir.rglob("*")) if p.is_file()}


def front_matter(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text(encoding="utf-8").split("+++\n")[1])


def add(content_dir: Path, *args: str) -> int:
    return main(["content", "add", *args, "--content", str(content_dir)])


def test_a_page_with_full_metadata_becomes_an_article_the_bot_loads(
    site: Site, content_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = site.html("/swiat/2022/01/10/protesty", FULL_METADATA)
    assert add(content_dir, url, "--topics", "protesty") == 0
    path = content_dir / "articles" / f"{ADDED}.md"
    out = capsys.readouterr().out
    assert f"wrote {path}" in out
    assert "'2 stycznia' → 2022-01-02" in out  # what --explain prints
    assert "quantity detained" in out

    meta = front_matter(path)
    assert meta["published"] == datetime(2022, 1, 10, 8, 15, tzinfo=timezone(timedelta(hours=1)))
    assert meta["published_inferred"] is False  # shown on the page, in a <time>
    assert meta["url"] == "https://kurier.example/swiat/protesty-w-kazachstanie"  # the canonical address
    assert (meta["outlet"], meta["author"], meta["topics"]) == ("Kurier Stepowy", "Anna Nowak", ["protesty"])
    assert meta["note"] == "Outlet: the site's name in the page's metadata.\nId: made from the title.\n"

    content = load_content(content_dir)
    assert not [p for p in content.problems if p.path == path]
    article = next(a for a in content.articles if a.id == ADDED)
    assert article.body.startswith("Protesty w Kazachstanie wybuchły")  # the headline is the title, not text
    assert "Strona główna" not in article.body and "Wszelkie prawa" not in article.body

    briefing = Briefing.load(content_dir, tmp_path / "data", WARSAW, "pl", fixed_clock(NOW))
    dates = {str(f.value.start) for f in briefing.knowledge.facts if f.article == ADDED}
    assert {"2022-01-02", "2022-01-06", "2022-01-05"} <= dates


@pytest.mark.parametrize(
    ("path", "page", "source"),
    [
        ("/swiat/premier", JSON_LD_ONLY, "the page's JSON-LD datePublished"),
        ("/swiat/2022/01/12/premier", DATE_IN_ADDRESS, "the page's address"),
    ],
)
def test_a_date_the_page_does_not_show_is_inferred_and_says_from_where(
    site: Site, content_dir: Path, path: str, page: bytes, source: str
) -> None:
    assert add(content_dir, site.html(path, page), "--id", "premier") == 0
    meta = front_matter(content_dir / "articles" / "premier.md")
    assert meta["published_inferred"] is True
    assert str(meta["published"]).startswith("2022-01-12")
    assert f"Published: inferred from {source}; no <time> element on the page gives it." in str(meta["note"])
    article = next(a for a in load_content(content_dir).articles if a.id == "premier")
    assert article.published == date(2022, 1, 12) and article.published_inferred


def test_an_outlet_from_the_host_name_is_noted(site: Site, content_dir: Path) -> None:
    assert add(content_dir, site.html("/swiat/premier", JSON_LD_ONLY), "--id", "premier") == 0
    meta = front_matter(content_dir / "articles" / "premier.md")
    assert meta["outlet"] == "127.0.0.1"
    assert "Outlet: the site's host name" in str(meta["note"])


def test_dry_run_prints_the_file_and_writes_nothing(
    site: Site, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(content_dir)
    assert add(content_dir, site.html("/a", FULL_METADATA), "--dry-run") == 0
    printed = capsys.readouterr().out
    assert printed.startswith('+++\ntitle = "Protesty w Kazachstanie: tysiące zatrzymanych"\n')
    assert PARAGRAPHS[0] in printed
    assert files(content_dir) == before


def refused(content_dir: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one line ``content add`` refuses with; nothing may have been written."""
    before = files(content_dir)
    assert add(content_dir, *args) == 1
    captured = capsys.readouterr()
    assert files(content_dir) == before
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.count("\n") == 1, captured.err
    return captured.err


def test_refusals_write_nothing(site: Site, content_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    short = site.html("/short", article_page("Krótko", ("Protesty trwają od 2 stycznia.",)))
    assert re.search(
        r"too little text for an article: \d\d characters \(at least 400\)$", refused(content_dir, capsys, short)
    )

    english = site.html("/en", article_page("Protests in Kazakhstan", (ENGLISH,), lang="en"))
    message = refused(content_dir, capsys, english)
    assert "reads as English, not Polish: dates are read from Polish text only" in message
    assert "--language en" in message

    assert "unknown topic 'pogoda'" in refused(
        content_dir, capsys, site.html("/a", FULL_METADATA), "--topics", "pogoda"
    )
    assert "no publication date" in refused(
        content_dir, capsys, site.html("/nodate", article_page("Bez daty", PARAGRAPHS))
    )


def test_the_language_check_can_be_overridden(site: Site, content_dir: Path) -> None:
    english = site.html("/2022/01/10/en", article_page("Protests in Kazakhstan", (ENGLISH,), lang="en"))
    assert add(content_dir, english, "--language", "en", "--outlet", "Steppe Courier") == 0
    article = next(a for a in load_content(content_dir).articles if a.id == "protests-in-kazakhstan")
    assert article.language == "en" and article.outlet == "Steppe Courier"


def test_an_article_already_present_is_refused(
    site: Site, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(content_dir, site.html("/a", FULL_METADATA)) == 0
    capsys.readouterr()
    path = content_dir / "articles" / f"{ADDED}.md"

    assert f"{path} exists (--force to replace it)" in refused(content_dir, capsys, site.url("/a"))
    same_address = refused(content_dir, capsys, site.url("/a"), "--id", "inna")
    assert f"{path} has the same address" in same_address
    # the same text under another address, title and id
    copied = article_page("Przedruk", PARAGRAPHS[:3] + ("Przedruk za Kurierem Stepowym, 12 stycznia 2022.",))
    assert f"of its text is in {path}" in refused(
        content_dir, capsys, site.html("/2022/01/12/copy", copied), "--outlet", "X"
    )
    # --force replaces the file itself, which is no other article
    assert add(content_dir, site.url("/a"), "--force", "--outlet", "Kurier") == 0
    assert front_matter(path)["outlet"] == "Kurier"


def test_an_id_in_use_by_another_file_is_refused(
    site: Site, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = refused(content_dir, capsys, site.html("/premier", JSON_LD_ONLY), "--id", "odkb-w-kazachstanie")
    assert "odkb-w-kazachstanie.md exists" in message


def test_network_failures_are_one_line(site: Site, content_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site.pages["/report.pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 " + b"0" * 1_000)
    assert "the server answered 404 Not Found" in refused(content_dir, capsys, site.url("/missing"))
    assert "redirect loop" in refused(content_dir, capsys, site.url("/loop"))
    assert "not a web page or text but application/pdf" in refused(content_dir, capsys, site.url("/report.pdf"))
    assert "not an http:// or https:// address" in refused(content_dir, capsys, "ftp://127.0.0.1/a.html")
    assert "not an http(s) address, a .html file or a .txt file" in refused(content_dir, capsys, "notes.pdf")


def test_a_redirect_is_followed(site: Site, content_dir: Path) -> None:
    site.html("/a", FULL_METADATA)
    site.pages["/old"] = (301, {"Location": "/a"}, b"")
    assert add(content_dir, site.url("/old")) == 0
    assert (content_dir / "articles" / f"{ADDED}.md").is_file()
    assert all(agent.startswith("briefing-bot/") for agent in site.user_agents)


def test_a_saved_page_and_a_text_file(tmp_path: Path, content_dir: Path) -> None:
    saved = tmp_path / "strona.html"
    saved.write_bytes(FULL_METADATA)
    assert add(content_dir, str(saved), "--id", "zapisana") == 0
    assert front_matter(content_dir / "articles" / "zapisana.md")["url"] == (
        "https://kurier.example/swiat/protesty-w-kazachstanie"
    )

    text = tmp_path / "premier.txt"
    text.write_text("Nowy premier Kazachstanu\n\n" + "\n\n".join(OTHER_PARAGRAPHS), encoding="utf-8")
    assert add(content_dir, str(text), "--outlet", "PAP", "--published", "2022-01-12") == 0
    meta = front_matter(content_dir / "articles" / "nowy-premier-kazachstanu.md")
    assert (meta["title"], meta["published"], meta["published_inferred"]) == (
        "Nowy premier Kazachstanu",
        date(2022, 1, 12),
        False,
    )
    assert "Title: the first line of the text." in str(meta["note"])
    assert any(a.id == "nowy-premier-kazachstanu" for a in load_content(content_dir).articles)
