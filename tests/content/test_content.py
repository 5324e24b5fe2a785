"""The content loader: real files in a temporary folder, expectations worked out by hand.

Articles are built with ``article(*front_lines, body=...)``: line 1 is the opening '+++', the
k-th front matter line (from 0) is file line k + 2, then the closing '+++', then the body.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.base.errors import Problem
from bot.briefings.service import RESERVED_COMMANDS
from bot.content.loader import Content, load_content
from bot.language.dates import DateValue

REPO = Path(__file__).resolve().parents[2]
BUNDLED_CONTENT = REPO / "content"

TOPIC = 'title = "Protesty"\naliases = ["protesty", "zamieszki"]\nsummary = "Protesty w Kazachstanie."\n'
TITLE, OUTLET, PUBLISHED = 'title = "Tytuł"', 'outlet = "Gazeta.pl"', "published = 2022-01-06"
BODY = "W czwartek 6 stycznia 2022 r. trwały protesty.\n"


def article(*front: str, body: str = BODY) -> str:
    return "+++\n" + "".join(line + "\n" for line in front) + "+++\n" + body


GOOD = article(TITLE, OUTLET, PUBLISHED, 'topics = ["protesty"]')


def make_content(root: Path, articles: dict[str, str | bytes], topics: dict[str, str] | None = None) -> Path:
    """A content folder with one valid topic (``protesty``) plus the given files."""
    folder = root / "content"
    (folder / "articles").mkdir(parents=True)
    (folder / "topics").mkdir()
    for name, text in {"protesty.toml": TOPIC, **(topics or {})}.items():
        (folder / "topics" / name).write_text(text, encoding="utf-8")
    for name, data in articles.items():
        path = folder / "articles" / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return folder


def only_problem(content: Content, path: Path) -> Problem:
    assert [p.path for p in content.problems] == [path], [str(p) for p in content.problems]
    return content.problems[0]


def broken_problem(root: Path, source: str | bytes) -> Problem:
    """The one problem of ``broken.md``, next to a valid ``good.md`` that still loads."""
    folder = make_content(root, {"broken.md": source, "good.md": GOOD})
    content = load_content(folder)
    assert [a.id for a in content.articles] == ["good"]
    return only_problem(content, folder / "articles" / "broken.md")


# --- the bundled content ------------------------------------------------------------------------


def test_bundled_content_loads_without_problems() -> None:
    content = load_content(BUNDLED_CONTENT, reserved_commands=frozenset(RESERVED_COMMANDS))
    assert [str(p) for p in content.problems] == []
    article_files = sorted(p.stem for p in (BUNDLED_CONTENT / "articles").glob("*.md"))
    topic_files = sorted(p.stem for p in (BUNDLED_CONTENT / "topics").glob("*.toml"))
    assert len(article_files) == 5 and len(topic_files) == 3
    assert sorted(a.id for a in content.articles) == article_files
    assert sorted(t.id for t in content.topics) == topic_files
    assert content.files == 9  # 5 articles, 3 topics and quantities.toml
    assert {q.key for q in content.quantities} >= {"detained", "csto_troops", "officers_killed"}


# --- a valid article ----------------------------------------------------------------------------

VALID = (
    "+++\n"  # 1
    'title = "Kazachstan bliżej NATO"\n'  # 2
    'outlet = "Onet"\n'  # 3
    "published = 2022-07-25T22:16:00+02:00\n"  # 4
    'url = "https://example.com/nato"\n'  # 5
    'author = "Jan Kowalski"\n'  # 6
    'topics = ["protesty"]\n'  # 7
    "\n"  # 8
    "[[facts]]\n"  # 9
    "date = 2022-01-02\n"  # 10
    "end = 2022-01-11\n"  # 11
    'precision = "range"\n'  # 12
    'text = "Protesty   trwały."\n'  # 13
    "\n"  # 14
    "[[facts]]\n"  # 15
    "date = 2022-01-01\n"  # 16
    'precision = "month"\n'  # 17
    'text = "Styczeń."\n'  # 18
    "+++\n"  # 19
    "\n"  # 20
    "Pierwszy akapit.\n"  # 21
    "Drugi akapit.\n"  # 22
)


def test_valid_article_fields(tmp_path: Path) -> None:
    folder = make_content(tmp_path, {"kazachstan.md": VALID})
    content = load_content(folder)
    assert content.problems == ()
    assert content.files == 2
    (loaded,) = content.articles
    assert loaded.id == "kazachstan"
    assert (loaded.title, loaded.outlet, loaded.author) == ("Kazachstan bliżej NATO", "Onet", "Jan Kowalski")
    assert loaded.url == "https://example.com/nato"
    assert loaded.published == date(2022, 7, 25)
    assert loaded.published_at == datetime(2022, 7, 25, 22, 16, tzinfo=timezone(timedelta(hours=2)))
    assert (loaded.language, loaded.published_precision, loaded.note) == ("pl", "day", None)
    assert loaded.topics == ("protesty",)
    assert loaded.body == "Pierwszy akapit.\nDrugi akapit."
    assert loaded.body_line == 21
    assert loaded.path == folder / "articles" / "kazachstan.md"
    assert loaded.sha256 == hashlib.sha256(VALID.encode("utf-8")).hexdigest()


def test_curated_facts_keep_precision_end_and_line(tmp_path: Path) -> None:
    (loaded,) = load_content(make_content(tmp_path, {"kazachstan.md": VALID})).articles
    first, second = loaded.facts
    assert first.value == DateValue(date(2022, 1, 2), "range", date(2022, 1, 11))
    assert (first.text, first.topics, first.line) == ("Protesty trwały.", ("protesty",), 9)
    assert second.value == DateValue(date(2022, 1, 1), "month")
    assert (second.text, second.line) == ("Styczeń.", 15)


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("2022-07-25T22:16:00+02:00", date(2022, 7, 25)),
        ("2022-07-25T01:30:00+02:00", date(2022, 7, 25)),  # still 24 July in UTC
        ("2022-01-06", date(2022, 1, 6)),
    ],
)
def test_published_is_the_local_calendar_date(tmp_path: Path, published: str, expected: date) -> None:
    folder = make_content(tmp_path, {"a.md": article(TITLE, OUTLET, f"published = {published}")})
    (loaded,) = load_content(folder).articles
    assert loaded.published == expected
    assert (loaded.published_at is None) == ("T" not in published)


def test_month_precision_and_explicit_id(tmp_path: Path) -> None:
    text = article(TITLE, OUTLET, "published = 2023-06-01", 'published_precision = "month"', 'id = "inny-id"')
    (loaded,) = load_content(make_content(tmp_path, {"plik.md": text})).articles
    assert (loaded.id, loaded.published_precision, loaded.published_at) == ("inny-id", "month", None)


@pytest.mark.parametrize(
    ("front", "inferred"),
    [
        ((), False),
        (("published_inferred = true",), True),
        (('note = "Published: not stated; inferred from the weekdays in the text."',), True),
        (('note = "Published: not stated; the latest source quoted is of 7 January."',), True),
        (('note = "Data publikacji ustalona na podstawie tekstu."',), True),
        (('note = "Title and publication time are the seed\'s first lines."',), False),
        (('note = "Published: inferred from the text."', "published_inferred = false"), False),
    ],
)
def test_inferred_publication_date(tmp_path: Path, front: tuple[str, ...], inferred: bool) -> None:
    """``published_inferred``, or else a note saying the date was inferred, marks the date."""
    (loaded,) = load_content(make_content(tmp_path, {"a.md": article(TITLE, OUTLET, PUBLISHED, *front)})).articles
    assert loaded.published_inferred is inferred


# --- broken articles: reported at the right line, skipped, the others still load -----------------

FACT = ("", "[[facts]]", "date = 2022-01-06", 'text = "Fakt."')  # file lines 5-8 after TITLE, OUTLET, PUBLISHED
BROKEN: list[tuple[str, str | bytes, set[int], list[str]]] = [
    ("no opening fence", GOOD.removeprefix("+++\n"), {1}, ["+++"]),
    ("invalid TOML", article(OUTLET, 'title = "unterminated', PUBLISHED), {3}, ["invalid toml"]),
    ("missing outlet", article(TITLE, PUBLISHED), {1}, ["missing", "'outlet'"]),
    ("unknown key", article(TITLE, OUTLET, PUBLISHED, 'autor = "x"'), {5}, ["unknown key", "'autor'"]),
    ("date as string", article(TITLE, OUTLET, 'published = "2022-01-06"'), {4}, ["toml date"]),
    ("no offset", article(TITLE, OUTLET, "published = 2022-01-06T10:00:00"), {4}, ["offset"]),
    ("month 13", article(TITLE, OUTLET, "published = 2022-13-01"), {4}, ["invalid toml"]),
    (
        "not UTF-8",
        article(TITLE, OUTLET, PUBLISHED, body="Pierwsza linia.\n").encode() + b"\xff druga\n",
        {7},
        ["utf-8"],
    ),
    ("empty body", article(TITLE, OUTLET, PUBLISHED, body="\n   \n"), {6}, ["no text"]),
    ("range without end", article(TITLE, OUTLET, PUBLISHED, *FACT, 'precision = "range"'), {6, 9}, ["range", "'end'"]),
    ("unknown precision", article(TITLE, OUTLET, PUBLISHED, *FACT, 'precision = "week"'), {9}, ["precision", "range"]),
    ("unknown topic", article(TITLE, OUTLET, PUBLISHED, 'topics = ["nieznany"]'), {5}, ["unknown topic", "nieznany"]),
]


@pytest.mark.parametrize(("source", "lines", "fragments"), [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN])
def test_broken_article_is_reported_and_skipped(
    tmp_path: Path, source: str | bytes, lines: set[int], fragments: list[str]
) -> None:
    problem = broken_problem(tmp_path, source)
    assert problem.line in lines, str(problem)
    for fragment in fragments:
        assert fragment in problem.message.lower(), str(problem)


UNCLOSED = "+++\n" + TITLE + "\n" + OUTLET + "\n" + PUBLISHED + "\n\nTekst.\n"  # six lines, never closed


def crowded(dates: int) -> str:
    """An article whose third body line (file line 8) is a sentence of ``dates`` dates."""
    days = ", ".join(f"{day} stycznia" for day in range(1, dates + 1))
    return article(TITLE, OUTLET, PUBLISHED, body=f"Pierwsze zdanie.\n\nProtesty trwały {days}.\nKoniec.\n")


def test_a_sentence_with_more_dates_than_are_read_is_reported(tmp_path: Path) -> None:
    """Each date of a sentence made a fact carrying the whole sentence: 50,000 dates in one made
    gigabytes of facts. At most 20 are read from one sentence; one with more is reported."""
    problem = broken_problem(tmp_path / "21", crowded(21))
    assert problem.line == 8 and "21 dates" in problem.message and "20" in problem.message, str(problem)
    hostile = article(TITLE, OUTLET, PUBLISHED, body="6 stycznia 2022 r. " * 50_000)
    problem = broken_problem(tmp_path / "50000", hostile)
    assert problem.line == 6 and "50000 dates" in problem.message, str(problem)
    folder = make_content(tmp_path / "20", {"a.md": crowded(20)})
    assert load_content(folder).problems == ()


def test_unclosed_front_matter_is_reported_and_skipped(tmp_path: Path) -> None:
    assert "not closed" in broken_problem(tmp_path, UNCLOSED).message


def test_unclosed_front_matter_points_at_a_line_of_the_file(tmp_path: Path) -> None:
    assert broken_problem(tmp_path, UNCLOSED).line in {1, 6}  # the opening fence or the last line


def test_impossible_date_message_mentions_the_date(tmp_path: Path) -> None:
    problem = broken_problem(tmp_path, article(TITLE, OUTLET, "published = 2022-13-01"))
    assert "date" in problem.message.lower(), str(problem)


def test_toml_error_on_the_last_front_matter_line(tmp_path: Path) -> None:
    problem = broken_problem(tmp_path, article(TITLE, OUTLET, PUBLISHED, 'note = "unterminated'))
    assert problem.line == 5, str(problem)  # the note line


def test_unknown_topic_in_a_fact_points_at_the_facts_topics(tmp_path: Path) -> None:
    source = article(TITLE, OUTLET, PUBLISHED, 'topics = ["protesty"]', *FACT, 'topics = ["nieznany"]')
    problem = broken_problem(tmp_path, source)
    assert "nieznany" in problem.message and problem.line == 10, str(problem)  # the fact's topics line


DUPLICATE = {"alpha.md": GOOD, "beta.md": article(TITLE, OUTLET, PUBLISHED, 'id = "alpha"')}  # id on line 5


def test_duplicate_article_id_is_reported_and_the_first_kept(tmp_path: Path) -> None:
    folder = make_content(tmp_path, DUPLICATE)
    content = load_content(folder)
    problem = only_problem(content, folder / "articles" / "beta.md")
    assert "'alpha'" in problem.message and str(folder / "articles" / "alpha.md") in problem.message
    assert [(a.id, a.path.name) for a in content.articles] == [("alpha", "alpha.md")]


def test_duplicate_article_id_points_at_the_id_key(tmp_path: Path) -> None:
    folder = make_content(tmp_path, DUPLICATE)
    assert only_problem(load_content(folder), folder / "articles" / "beta.md").line == 5


BAD_FILE_NAMES = ["a\nb.md", "a b.md", "żółw.md", "-a.md", "a.b.md", "a" * 65 + ".md", "a\x1b[31m.md"]


@pytest.mark.parametrize("name", BAD_FILE_NAMES, ids=[repr(name) for name in BAD_FILE_NAMES])
def test_a_file_name_that_is_no_article_id_is_reported(tmp_path: Path, name: str) -> None:
    """The id from the file name was not checked as the 'id' key is: "a\\nb.md" loaded as 'a\\nb'."""
    folder = make_content(tmp_path, {"good.md": GOOD, name: GOOD})
    content = load_content(folder)
    problem = only_problem(content, folder / "articles" / name)
    assert problem.line == 1 and "'id'" in problem.message and problem.message.isprintable(), str(problem)
    assert [a.id for a in content.articles] == ["good"]


def test_an_article_known_under_an_id_that_is_none_is_checked_again(tmp_path: Path) -> None:
    """A fact store built before ids were checked holds "a\\nb.md" as parsed then: not taken as is."""
    folder = make_content(tmp_path, {"a\nb.md": GOOD})
    path = folder / "articles" / "a\nb.md"
    (good,) = load_content(make_content(tmp_path / "other", {"good.md": GOOD})).articles
    info = path.stat()
    stored = replace(good, id="a\nb", path=path, size=info.st_size, mtime_ns=info.st_mtime_ns)
    content = load_content(folder, known={path.name: (stored, ("protesty",))})
    assert only_problem(content, path).line == 1 and content.articles == ()


def test_an_id_key_names_an_article_whose_file_name_is_no_id(tmp_path: Path) -> None:
    folder = make_content(tmp_path, {"a b.md": article(TITLE, OUTLET, PUBLISHED, 'id = "a-b"')})
    content = load_content(folder)
    assert content.problems == () and [a.id for a in content.articles] == ["a-b"]


def test_other_file_types_are_reported(tmp_path: Path) -> None:
    folder = make_content(tmp_path, {"good.md": GOOD, "notes.txt": "notatki\n"})
    content = load_content(folder)
    problem = only_problem(content, folder / "articles" / "notes.txt")
    assert problem.line == 1 and ".md" in problem.message
    assert [a.id for a in content.articles] == ["good"]


def test_readme_and_hidden_files_are_ignored(tmp_path: Path) -> None:
    folder = make_content(tmp_path, {"good.md": GOOD, "README.md": "# Artykuły\n", ".szkic.md": "nie +++\n"})
    (folder / "topics" / ".notes.toml").write_text("to nie TOML [\n", encoding="utf-8")
    content = load_content(folder)
    assert content.problems == ()
    assert [a.id for a in content.articles] == ["good"]
    assert content.files == 2


# --- topics -------------------------------------------------------------------------------------

NO_ALIASES = {"wojna.toml": 'title = "Wojna"\nsummary = "Wojna."\n'}


def test_topic_without_aliases_is_reported_and_skipped(tmp_path: Path) -> None:
    folder = make_content(tmp_path, {"good.md": GOOD}, NO_ALIASES)
    content = load_content(folder)
    problem = only_problem(content, folder / "topics" / "wojna.toml")
    assert "missing" in problem.message and "'aliases'" in problem.message
    assert [t.id for t in content.topics] == ["protesty"]


def test_topic_missing_key_points_at_line_1(tmp_path: Path) -> None:
    folder = make_content(tmp_path, {}, NO_ALIASES)
    assert only_problem(load_content(folder), folder / "topics" / "wojna.toml").line == 1


def test_topic_taking_a_reserved_command_is_reported(tmp_path: Path) -> None:
    folder = make_content(tmp_path, {"good.md": GOOD}, {"help.toml": TOPIC})
    content = load_content(folder, reserved_commands=frozenset({"help"}))
    problem = only_problem(content, folder / "topics" / "help.toml")
    assert problem.line == 1 and "/help" in problem.message
    assert [t.id for t in content.topics] == ["protesty"]


def test_reserved_command_key_points_at_its_line(tmp_path: Path) -> None:
    folder = make_content(tmp_path, {}, {"pomoc.toml": TOPIC + 'command = "help"\n'})  # line 4
    problem = only_problem(load_content(folder, frozenset({"help"})), folder / "topics" / "pomoc.toml")
    assert "/help" in problem.message and problem.line == 4, str(problem)


# --- topic clashes: the newcomer is reported, what it claims keeps loading ---------------------

OTHER = 'title = "Inne"\naliases = ["inne"]\nsummary = "Inne."\n'
CLASHES = [  # a file that sorts before protesty.toml and claims its id or command; the line reported
    ("a-nowy.toml", OTHER + 'command = "protesty"\n', 4),
    ("a-nowy.toml", OTHER + 'id = "Protesty"\n', 4),
    ("PROTESTY.toml", OTHER, 1),
    ("Protesty.toml", OTHER + 'command = "inne"\n', 1),
    ("zz.toml", OTHER + 'command = "protesty"\n', 4),
]


@pytest.mark.parametrize(("name", "text", "line"), CLASHES, ids=[f"{c[0]}:{c[2]}" for c in CLASHES])
def test_a_topic_claiming_another_topics_name_is_reported_and_the_other_kept(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    """Topics were taken in file-name order, the first winning: a-nowy.toml with command "protesty"
    (or PROTESTY.toml) replaced protesty.toml, and every article tagged "protesty" was skipped."""
    folder = make_content(tmp_path, {"good.md": GOOD}, {name: text})
    content = load_content(folder)
    problem = only_problem(content, folder / "topics" / name)
    assert problem.line == line, str(problem)
    assert "already used by" in problem.message and str(folder / "topics" / "protesty.toml") in problem.message
    assert [(t.id, t.path.name) for t in content.topics] == [("protesty", "protesty.toml")]
    assert [a.id for a in content.articles] == ["good"]


ODKB = 'title = "ODKB"\naliases = ["ODKB"]\nsummary = "ODKB."\ncommand = "csto"\n'
ODKB_ARTICLE = article(TITLE, OUTLET, PUBLISHED, 'topics = ["odkb"]')


def test_a_topic_loaded_before_keeps_its_name_against_a_file_named_for_it(tmp_path: Path) -> None:
    """odkb.toml takes the command /csto; a later csto.toml, whose file name is that command, sorts
    first and wins a fresh start, but not against a topic the articles were checked against."""
    folder = make_content(tmp_path, {"a.md": ODKB_ARTICLE}, {"odkb.toml": ODKB})
    first = load_content(folder)
    assert [t.id for t in first.topics] == ["odkb", "protesty"] and first.problems == ()
    (folder / "topics" / "csto.toml").write_text(OTHER, encoding="utf-8")
    known = {a.path.name: (a, tuple(sorted(t.id for t in first.topics))) for a in first.articles}
    content = load_content(folder, known=known)
    problem = only_problem(content, folder / "topics" / "csto.toml")
    assert problem.line == 1 and str(folder / "topics" / "odkb.toml") in problem.message
    assert [t.id for t in content.topics] == ["odkb", "protesty"]
    assert [a.id for a in content.articles] == ["a"]
    fresh = load_content(folder)  # nothing loaded before: the file named for the command wins
    assert [t.id for t in fresh.topics] == ["csto", "protesty"]
    assert {p.path.name for p in fresh.problems} == {"odkb.toml", "a.md"}


def test_topic_sources_naming_an_unknown_article(tmp_path: Path) -> None:
    topic = 'title = "Wojna"\naliases = ["wojna"]\nsummary = "Wojna."\nsources = ["good", "brak"]\n'
    folder = make_content(tmp_path, {"good.md": GOOD}, {"wojna.toml": topic})
    content = load_content(folder)
    problem = only_problem(content, folder / "topics" / "wojna.toml")
    assert problem.line == 4 and "brak" in problem.message and "good" not in problem.message
    assert [a.id for a in content.articles] == ["good"]


# --- the folder and the problem format ------------------------------------------------------------


def test_missing_content_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    missing = tmp_path / "nie-ma"
    content = load_content(missing)
    assert (content.articles, content.topics, content.files) == ((), (), 0)
    assert [p.path for p in content.problems] == [missing] and "not exist" in content.problems[0].message


# --- files that are not regular files, or too large ------------------------------------------------

LOAD_IN_CHILD = """
import json, sys
from pathlib import Path
from bot.content.loader import load_content
content = load_content(Path(sys.argv[1]))
print(json.dumps({"problems": sorted([p.path.name, p.line, p.message] for p in content.problems),
                  "articles": [a.id for a in content.articles], "topics": [t.id for t in content.topics]}))
"""


def _one_gigabyte() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def load_in_child(folder: Path, timeout: float = 60.0) -> dict[str, Any]:
    """``load_content(folder)`` in a child process with 1 GB of address space and a timeout, so
    that a read that blocks, or never ends, fails the test instead of the suite or the machine."""
    try:
        result = subprocess.run(
            [sys.executable, "-c", LOAD_IN_CHILD, str(folder)],
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_one_gigabyte,
            cwd=REPO,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"loading {folder} did not finish within {timeout:.0f} s")
    assert result.returncode == 0, result.stderr[-3000:]
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_fifos_and_devices_are_reported_not_read(tmp_path: Path) -> None:
    """A FIFO hung the loader (content check, ask, start-up, and a running bot's reload) until
    someone wrote to it; a link to /dev/zero filled the memory (2.6 GB, then MemoryError)."""
    (tmp_path / "elsewhere.md").write_text(GOOD, encoding="utf-8")
    folder = make_content(tmp_path, {"good.md": GOOD})
    os.mkfifo(folder / "articles" / "fifo.md")
    os.mkfifo(folder / "topics" / "fifo.toml")
    os.mkfifo(folder / "quantities.toml")
    (folder / "articles" / "zero.md").symlink_to("/dev/zero")
    (folder / "topics" / "zero.toml").symlink_to("/dev/zero")
    (folder / "articles" / "link.md").symlink_to(tmp_path / "elsewhere.md")  # a link to a regular file is fine
    loaded = load_in_child(folder)
    fifo, device = "not a regular file (a FIFO)", "not a regular file (a character device)"
    assert [(name, line, message.split(";")[0]) for name, line, message in loaded["problems"]] == [
        ("fifo.md", 1, fifo),
        ("fifo.toml", 1, fifo),
        ("quantities.toml", 1, fifo),
        ("zero.md", 1, device),
        ("zero.toml", 1, device),
    ]
    assert loaded["articles"] == ["good", "link"] and loaded["topics"] == ["protesty"]


def test_files_over_the_size_limits_are_reported_unread(tmp_path: Path) -> None:
    """Articles are read up to 5 MB, topic files and quantities.toml up to 1 MB each."""
    big_article = article(TITLE, OUTLET, PUBLISHED, body="Tekst.\n" * (5_000_000 // 7 + 1))
    folder = make_content(
        tmp_path,
        {"good.md": GOOD, "big.md": big_article},
        {"big.toml": TOPIC.replace("Protesty w", "Protesty" + " w" * 500_000)},
    )
    (folder / "quantities.toml").write_text("# " + "x" * 1_000_000 + "\n", encoding="utf-8")
    content = load_content(folder)
    assert sorted((p.path.name, p.line, p.message.split(";")[0]) for p in content.problems) == [
        ("big.md", 1, "larger than 5 MB"),
        ("big.toml", 1, "larger than 1 MB"),
        ("quantities.toml", 1, "larger than 1 MB"),
    ]
    assert [a.id for a in content.articles] == ["good"] and [t.id for t in content.topics] == ["protesty"]
    under = article(TITLE, OUTLET, PUBLISHED, body="Tekst.\n" * (4_900_000 // 7))
    (folder / "articles" / "big.md").write_text(under, encoding="utf-8")
    assert sorted(a.id for a in load_content(folder).articles) == ["big", "good"]


def test_problem_str_is_path_line_message(tmp_path: Path) -> None:
    assert str(Problem(Path("content/articles/a.md"), 3, "zła data")) == "content/articles/a.md:3: zła data"
    folder = make_content(tmp_path, {"a.md": article(TITLE, OUTLET, PUBLISHED, 'autor = "x"')})
    problem = only_problem(load_content(folder), folder / "articles" / "a.md")
    assert str(problem) == f"{folder / 'articles' / 'a.md'}:5: {problem.message}"


def test_a_problem_stays_on_its_one_line_whatever_the_file_name() -> None:
    problem = Problem(Path("content/articles/zły\nplik\t.md"), 1, "not an article id")
    assert str(problem) == "content/articles/zły\\nplik\\t.md:1: not an article id"


# --- control characters -------------------------------------------------------------------------

CONTROLS = "\x00\x07\x0b\x0c\x1b\x7f\x85\x9f"


def test_control_characters_are_reported_by_line_and_read_as_spaces(tmp_path: Path) -> None:
    source = article(
        'title = "Tytuł\\u0007 z dzwonkiem"',
        'outlet = "Gazeta\x7f.pl"',
        PUBLISHED,
        "[[facts]]",
        "date = 2022-01-06",
        'text = "Fakt\\u0000kuratora."',
        body="W czwartek 6 stycznia 2022 r. trwały\x00protesty.\n\nDrugi\x1b[0m akapit\x85.\nTab\tzostaje.\n",
    )
    folder = make_content(tmp_path, {"nul.md": source})
    content = load_content(folder)
    path = folder / "articles" / "nul.md"
    assert content.problems == ()
    assert [str(w) for w in content.warnings] == [
        f"{path}:2: a control character (U+0007) in a string, read as a space: remove it",
        f"{path}:3: a control character (U+007F) in the text, read as a space: remove it",
        f"{path}:7: a control character (U+0000) in a string, read as a space: remove it",
        f"{path}:9: a control character (U+0000) in the text, read as a space: remove it",
        f"{path}:11: a control character (U+001B) in the text, read as a space: remove it",
    ]
    (loaded,) = content.articles
    assert (loaded.title, loaded.outlet, loaded.facts[0].text) == ("Tytuł  z dzwonkiem", "Gazeta .pl", "Fakt kuratora.")
    assert loaded.body.startswith("W czwartek 6 stycznia 2022 r. trwały protesty.\n\nDrugi [0m akapit .\nTab\tzostaje.")
    assert loaded.body_line == 9


def test_a_topic_with_a_control_character_and_a_file_full_of_them(tmp_path: Path) -> None:
    topic = TOPIC.replace('summary = "Protesty w Kazachstanie."', 'summary = "Protesty\\u001bw Kazachstanie."')
    noisy = article(TITLE, OUTLET, PUBLISHED, body="".join(f"Linia {c!r}{c}.\n" for c in CONTROLS * 2))
    folder = make_content(tmp_path, {"noisy.md": noisy}, {"protesty.toml": topic})
    content = load_content(folder)
    assert content.topics[0].summary == "Protesty w Kazachstanie."
    messages = [(w.path.name, w.line, w.message.split(",")[0]) for w in content.warnings]
    assert messages[0] == ("protesty.toml", 3, "a control character (U+001B) in a string")
    assert [line for name, line, _ in messages if name == "noisy.md"] == list(range(6, 16)) + [16]
    assert messages[-1][2] == "control characters on 6 more line(s) from here"
    assert not any(c in content.articles[0].body for c in CONTROLS)
