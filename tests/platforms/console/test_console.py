"""The console chat: replies, paging with /next and /prev, language, quitting."""

from __future__ import annotations

import io
import json
import shlex
from pathlib import Path

import pytest

from bot.briefings.service import Briefing
from bot.cli import main
from bot.content.loader import CONTROL_CHARACTERS
from bot.export.charts import Charts
from bot.platforms.console.adapter import ConsoleSession, run_console
from tests.conftest import BUNDLED_CONTENT, NOW, WARSAW, fixed_clock


def test_paging_through_a_long_reply(bundled: Briefing) -> None:
    session = ConsoleSession(bundled)
    first = session.answer("/timeline")
    pages = len(bundled.ask("/timeline").cards)
    assert f"Strona 1/{pages}" in first and first.endswith("(/next, /prev)")
    assert f"Strona 2/{pages}" in session.answer("/next")
    assert f"Strona 1/{pages}" in session.answer("/prev")
    assert session.answer("/prev") == "Nie ma więcej stron."


def test_next_without_a_paged_reply(bundled: Briefing) -> None:
    session = ConsoleSession(bundled)
    assert session.answer("/next") == "Nie ma więcej stron."
    session.answer("/csto")
    for _ in range(len(bundled.ask("/csto").cards) - 1):
        assert session.answer("/next") != "Nie ma więcej stron."
    assert session.answer("/next") == "Nie ma więcej stron."


def test_language_is_kept_for_the_session(bundled: Briefing) -> None:
    session = ConsoleSession(bundled)
    assert "Reply language: English." in session.answer("/lang en")
    assert session.answer("/timeline 2022-01").startswith("Timeline: January 2022")
    assert "Page 2/2" in session.answer("/next")
    assert session.answer("/next") == "There are no more pages."


def test_run_console_until_quit(bundled: Briefing) -> None:
    stdin = io.StringIO("\n/csto\n/quit\n/start\n")
    stdout = io.StringIO()
    assert run_console(bundled, stdin, stdout) == 0
    out = stdout.getvalue()
    assert out.startswith("Cześć! Tu briefing-bot")
    assert "ODKB (CSTO) w Kazachstanie" in out
    assert out.count("Cześć! Tu briefing-bot") == 1  # nothing after /quit is answered


def test_an_article_added_during_the_chat_is_answered(content_dir: Path, data_dir: Path) -> None:
    session = ConsoleSession(Briefing.load(content_dir, data_dir, WARSAW, "pl", fixed_clock(NOW)))
    assert "Testowa Gazeta" not in session.answer("/sources")
    (content_dir / "articles" / "lotnisko.md").write_text(
        '+++\ntitle = "Lotnisko"\noutlet = "Testowa Gazeta"\npublished = 2022-01-20\n+++\n'
        "W czwartek 13 stycznia 2022 r. otwarto lotnisko.\n",
        encoding="utf-8",
    )
    assert "Testowa Gazeta" in session.answer("/sources")


def test_help_lists_and_explains_the_console_commands(bundled: Briefing) -> None:
    session = ConsoleSession(bundled)
    listing = session.answer("/help")
    for usage in ("/next — ", "/prev — ", "/quit | /exit — ", "/timeline [YYYY"):
        assert usage in listing
    assert "Użycie: /next" in session.answer("/help next")
    assert "Użycie: /next" in session.answer("/help /next")
    assert "Użycie: /quit | /exit" in session.answer("/help exit")
    session.answer("/lang en")
    assert "the previous page" in session.answer("/help prev")
    assert "Nie znam" not in session.answer("/help quit")


def test_exit_ends_the_chat_and_q_is_no_longer_a_quit(bundled: Briefing) -> None:
    def chat(text: str) -> str:
        stdout = io.StringIO()
        assert run_console(bundled, io.StringIO(text), stdout) == 0
        return stdout.getvalue()

    greeting_only = chat("")
    for ending in ("/exit", "/EXIT", "/quit"):
        assert chat(f"{ending}\n/csto\n") == greeting_only
    answered = chat("/q\n/csto\n")  # a topic file may take the command /q
    assert "Nie znam komendy /q" in answered and len(answered) > len(chat("/q\n")) > len(greeting_only)


def test_digest_preview_in_the_console(bundled: Briefing) -> None:
    session = ConsoleSession(bundled)
    shown = session.answer("/digest preview 01-06")
    assert shown.startswith("Tego dnia: 6 stycznia") and "6 stycznia 2022 · 4 lata temu" in shown  # today: 2026
    assert "nie zostałby wysłany" in session.answer("/digest preview 11-22")
    assert "Nie rozumiem „02-30”" in session.answer("/digest preview 02-30")
    today = session.answer("/digest preview")  # 22 November 2026: no anniversaries
    assert "nie zostałby wysłany" in today
    for other in ("/digest on 08:00", "/digest", "/digest status"):
        assert "W konsoli działa /digest preview [MM-DD]" in session.answer(other)
    session.answer("/lang en")
    assert session.answer("/digest preview 01-06").startswith("On this day: 6 January")
    assert "In the console, /digest preview [MM-DD] works" in session.answer("/digest off")


def test_no_reply_carries_a_control_character_of_an_article(content_dir: Path, data_dir: Path) -> None:
    (content_dir / "articles" / "nul.md").write_text(
        '+++\ntitle = "Lotnisko\\u0007 w Ałmaty"\noutlet = "Testowa\\u007fGazeta"\npublished = 2022-01-20\n'
        'topics = ["protesty"]\n[[facts]]\ndate = 2022-01-14\ntext = "Fakt\\u0000kuratora."\n+++\n'
        "W czwartek 13 stycznia 2022 r. otwarto\x00lotnisko\x1b[31m w Ałmaty.\n\n"
        "W piątek 14 stycznia\x85 protesty\x9f ucichły.\n",
        encoding="utf-8",
    )
    briefing = Briefing.load(content_dir, data_dir, WARSAW, "pl", fixed_clock(NOW))
    article_facts = [f for f in briefing.knowledge.facts if f.article == "nul"]
    assert len(article_facts) == 3
    session = ConsoleSession(briefing)
    replies = [
        session.answer(command)
        for command in (
            "/card nul",
            "/sources",
            "/timeline 2022-01",
            "/onthisday 01-13",
            "/search lotnisko",
            "/protesty",
            *(f"/sources {fact.id}" for fact in article_facts),
        )
    ]
    while (page := session.answer("/next")) != "Nie ma więcej stron.":
        replies.append(page)
    shown = "\n".join(replies)
    assert "otwarto lotnisko [31m w Ałmaty" in shown and "Fakt kuratora." in shown and "Testowa Gazeta" in shown
    assert CONTROL_CHARACTERS.search(shown) is None
    assert not any(CONTROL_CHARACTERS.search(json.dumps(f.to_json(), ensure_ascii=False)) for f in article_facts)


def test_a_chart_answers_with_its_caption_and_the_command_that_draws_it(
    bundled: Briefing, bundled_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The console shows no pictures: it gives the caption and the export command, which writes
    the very picture the chat platforms send."""
    session = ConsoleSession(bundled)
    answer = session.answer("/timeline 2022-01 chart")
    caption, _, hint = answer.partition("\n\n")
    assert caption.startswith("Wykres: styczeń 2022\n") and "jako lista: /timeline 2022-01" in caption
    prefix = "Konsola nie pokazuje obrazków; ten wykres zapisze do pliku: "
    assert hint.startswith(prefix)
    command = shlex.split(hint.removeprefix(prefix))
    assert command == [
        "briefing-bot", "export", "png", "--from", "2022-01-01", "--to", "2022-01-31", "-o", "timeline.png"
    ]  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert main([*command[1:], "--content", str(BUNDLED_CONTENT), "--data", str(bundled_data)]) == 0
    query = bundled.ask("/timeline 2022-01 chart").chart
    assert query is not None
    assert (tmp_path / "timeline.png").read_bytes() == Charts().png(bundled.knowledge, query)
    assert "briefing-bot export png --topic csto -o timeline.png" in session.answer("/csto chart")
    assert "export png" not in session.answer("/timeline 2030 chart")  # nothing to draw: just the notice
    assert "export png" not in session.answer("/timeline 2022-01")  # a list: no picture asked for
