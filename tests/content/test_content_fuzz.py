"""Content fuzzing: hostile article and topic files never crash, hang or take other files down.

Files are mutated from the bundled ones (cut, spliced, junk bytes, swapped value types, other
encodings, deep nesting) or generated from scratch, and written next to the bundled content as
``articles/zz-fuzz.md`` or ``topics/zz_fuzz.toml`` (sorted last, so that a clash of ids or
commands is reported on the file under test). Every case must end in the file loaded, or in
problems ``path:line: message`` on that file alone, with every bundled file still loaded; an
article that loads also goes through extraction (sentences, dates, figures, topics, reference
lists). The work runs in a child process (``content_fuzz_worker``) that the test waits for with a
timeout, because a regular expression that backtracks catastrophically cannot be interrupted.

Each test sets its own ``max_examples``; the counts are in the test names' docstrings.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from bot.content.loader import load_content
from bot.language import lemmas
from bot.language.dates import find_dates
from bot.language.figures import QuantityMatcher, find_figures
from bot.language.sentences import paragraphs, split_sentences
from tests.conftest import BUNDLED_CONTENT
from tests.content.content_fuzz_worker import ContentWorker, Loaded
from tests.language.test_figures import load_quantities

ARTICLES = {p.name: p.read_bytes() for p in sorted((BUNDLED_CONTENT / "articles").glob("*.md"))}
TOPICS = {p.name: p.read_bytes() for p in sorted((BUNDLED_CONTENT / "topics").glob("*.toml"))}
ARTICLE_UNDER_TEST = "zz-fuzz.md"
TOPIC_UNDER_TEST = "zz_fuzz.toml"
MAX_MESSAGE = 400  # characters: a problem is one readable line, whatever the file holds
MEGABYTE = 1_000_000


@pytest.fixture(scope="module")
def worker() -> Iterator[ContentWorker]:
    child = ContentWorker()
    yield child
    child.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled content; each example writes its file under test here and removes it after."""
    target = tmp_path_factory.mktemp("fuzz") / "content"
    shutil.copytree(BUNDLED_CONTENT, target)
    return target


def bundled_ids(names: dict[str, bytes]) -> set[str]:
    return {name.rsplit(".", 1)[0] for name in names}


def try_file(
    worker: ContentWorker, folder: Path, kind: str, data: bytes, timeout: float = 60.0, extract: bool = True
) -> Loaded:
    """Load the content with ``data`` as the file under test, and check what every case must satisfy."""
    path = folder / kind / (ARTICLE_UNDER_TEST if kind == "articles" else TOPIC_UNDER_TEST)
    path.write_bytes(data)
    try:
        loaded = worker.load(folder, path, timeout, extract)
    finally:
        path.unlink()
    assert_outcome(loaded, path, data)
    return loaded


def assert_outcome(loaded: Loaded, path: Path, data: bytes) -> None:
    lines = data.count(b"\n") + 1
    for (where, line, message), rendered in zip(loaded.problems, loaded.rendered):
        assert where == str(path), f"a problem in a file that was not touched: {rendered}"
        assert 1 <= line <= lines, f"line {line} is not a line of the file ({lines} lines): {rendered[:MAX_MESSAGE]}"
        assert message and "\n" not in message and len(message) <= MAX_MESSAGE, rendered[: 2 * MAX_MESSAGE]
        assert rendered == f"{path}:{line}: {message}"
    assert bundled_ids(ARTICLES) <= {id_ for id_, where in loaded.articles if where != str(path)}
    assert bundled_ids(TOPICS) == {id_ for id_, where in loaded.topics if where != str(path)}
    in_articles = any(where == str(path) for _, where in loaded.articles)
    in_topics = any(where == str(path) for _, where in loaded.topics)
    if path.suffix == ".md":
        assert in_articles != bool(loaded.problems), "an article is either loaded or reported, not both or neither"
    else:
        assert in_topics or loaded.problems, "a topic that did not load must be reported"


# --- TOML values of every type ---------------------------------------------------------------------


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a TOML basic string, escapes included


BARE_KEYS = st.text("abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=12)
SCALARS = st.one_of(
    st.text(max_size=40).map(toml_string),
    st.integers().map(str),
    st.floats().map(lambda f: {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(str(f), repr(f))),
    st.booleans().map(lambda b: str(b).lower()),
    st.dates().map(str),
    st.datetimes(timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=2)), None])).map(
        lambda d: d.isoformat()
    ),
    st.sampled_from(
        [
            '""',
            "''",
            '"""\n"""',
            "'''\n'''",
            "0x1F",
            "0o17",
            "1_000",
            "+inf",
            "-0.0",
            "07:32:00",
            "2022-02-30",
            "2022-13-01",
            "0000-01-01",
            "9999-12-31",
            "0001-01-01T00:00:00Z",
            "1979-05-27 07:32:00",
            '"\\ud800"',
            '"\\U0010FFFF"',
            '"\\x00"',
            '"\\u0000"',
            "true false",
            "= =",
            "[",
            "{",
            '"unterminated',
            "{ a = 1, a = 2 }",
            "[1, 'a']",
            "[[]]",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
        st.dictionaries(BARE_KEYS, inner, max_size=3).map(
            lambda table: "{" + ", ".join(f"{k} = {v}" for k, v in table.items()) + "}"
        ),
    ),
    max_leaves=8,
)
HUGE = st.sampled_from([10_000, 100_000, 1_000_000])


@st.composite
def huge_value(draw: st.DrawFn) -> str:
    """A string value of up to a megabyte, or a huge list of them."""
    size = draw(HUGE)
    unit = draw(st.sampled_from(["x", "ą", " ", "2 stycznia 2022 r. ", "\\n", "a.b", "\\u0000"]))
    text = unit * (size // len(unit))
    return '"' + text + '"' if draw(st.booleans()) else "[" + ", ".join(['"a"'] * (size // 5)) + "]"


@st.composite
def deep_value(draw: st.DrawFn) -> str:
    """Arrays or inline tables nested hundreds to thousands deep."""
    depth = draw(st.integers(1, 5_000))
    if draw(st.booleans()):
        return "[" * depth + "1" + "]" * depth
    return "{a = " * depth + "1" + "}" * depth


# Encodings a content file must not be in: each is either refused as not UTF-8 or, where its bytes
# happen to be UTF-8 (UTF-16 of ASCII holds NUL bytes), refused for what the text then says.
OTHER_CODECS = ("utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1250", "ascii")


# --- files from scratch: a valid draft, then a few deviations ----------------------------------------


@dataclass
class Draft:
    """A content file before it is written: keys with TOML values, tables, and its form."""

    front: dict[str, str]
    tables: list[tuple[str, dict[str, str]]]
    fields: dict[str, Allowed]  # what the format allows at the top level
    table_fields: dict[str, dict[str, Allowed]]  # and in each kind of table
    body: str | None = None  # articles only
    opening: str = "+++"
    closing: str = "+++"
    newline: str = "\n"
    codec: str = "utf-8"

    def render(self) -> bytes:
        lines = [f"{key} = {value}" for key, value in self.front.items()]
        for name, table in self.tables:
            lines += ["", f"[[{name}]]", *(f"{key} = {value}" for key, value in table.items())]
        if self.body is not None:
            lines = [self.opening, *lines, self.closing, self.body]
        return "\n".join(lines).replace("\n", self.newline).encode(self.codec, errors="replace")


@dataclass(frozen=True)
class Allowed:
    """The values a key may take (TOML text), some it may not, and whether it must be there."""

    valid: tuple[str, ...]
    invalid: tuple[str, ...] = ()
    required: bool = False


POLISH_WORDS = (
    "W",
    "Kazachstanie",
    "od",
    "do",
    "2",
    "6",
    "31",
    "stycznia",
    "lutego",
    "marcu",
    "styczniu",
    "2022",
    "r.",
    "roku",
    "tego",
    "ubiegłego",
    "przyszłym",
    "w",
    "we",
    "poniedziałek",
    "środę",
    "nocy",
    "z",
    "piątku",
    "na",
    "sobotę",
    "wczoraj",
    "jutro",
    "pojutrze",
    "ciągu",
    "ostatnich",
    "siedmiu",
    "99",
    "dni",
    "ponad",
    "około",
    "co najmniej",
    "5 135",
    "tysięcy",
    "tys.",
    "mln",
    "mld",
    "dolarów",
    "osób",
    "żołnierzy",
    "zatrzymała",
    "policja",
    "ODKB",
    "CSTO",
    "Rosja",
    "Białoruś",
    "Uzbekistan",
    "Armenia",
    "Kirgizja",
    "Tadżykistan",
    "m.in.",
    "06.01.2022",
    "2022-01-06",
    "dwutysięczny",
    "kontyngent",
    "–",
    "-",
    ",",
    ".",
    ";",
    ":",
    "(",
    ")",
    "„",
    "”",
    "?",
    "!",
    "…",
    "\n",
    "\n\n",
    "  ",
    "\t",
    "A.",
    "J.",
    "Kowalski",
    "9" * 400,
    "straciło życie",
    "zginęło",
    "rannych",
    "funkcjonariuszy",
    "obronność",
    "granica",
    "aresztowano",
    "MSW",
)
POLISH_TEXT = st.lists(st.sampled_from(POLISH_WORDS), min_size=1, max_size=80).map(" ".join)

ARTICLE_FIELDS = {
    "title": Allowed(('"Tytuł"', '"Kazachstan bliżej NATO"', '"' + "T" * 5_000 + '"'), ('""', '"  "'), True),
    "outlet": Allowed(('"Onet"', '"PAP"'), ('""',), True),
    "published": Allowed(
        (
            "2022-01-06",
            "2022-07-25T22:16:00+02:00",
            "2020-02-29",
            "0001-01-01",
            "9999-12-31",
            "9999-12-31T23:59:59-12:00",
        ),
        ("2022-01-06T10:00:00", '"2022-01-06"', "10:00:00", "2022-02-30"),
        True,
    ),
    "id": Allowed(('"inny-id"', '"' + "a" * 64 + '"'), ('"odkb-w-kazachstanie"', '"../../etc/passwd"', '""', '"a b"')),
    "url": Allowed(('"https://example.com/a"',), ('"ftp://x"', '"javascript:alert(1)"', '"https://a b"')),
    "author": Allowed(('"Jan Kowalski"',)),
    "language": Allowed(('"pl"', '"en"'), ('"PL"', '""')),
    "published_precision": Allowed(('"day"', '"month"'), ('"year"',)),
    "published_inferred": Allowed(("true", "false"), ('"yes"', "1")),
    "topics": Allowed(('["csto"]', '["protesty", "wojna"]', "[]"), ('["nieznany"]', '"csto"', '[""]')),
    "note": Allowed(('"Notatka."', '"""\nWiele\nlinii.\n"""')),
}
FACT_FIELDS = {
    "date": Allowed(("2022-01-06", "0001-01-01", "9999-12-31"), ("2022-01-06T10:00:00+01:00", '"2022-01-06"'), True),
    "text": Allowed(('"Fakt."', '"W styczniu 2022 r. policja zatrzymała 5 135 osób."'), ('""',), True),
    "precision": Allowed(('"day"', '"month"', '"year"'), ('"range"', '"week"')),
    "topics": Allowed(('["csto"]',), ('["nieznany"]', "[1]")),
}
ERRATUM_FIELDS = {
    "quote": Allowed(('"stycznia"', '"2"', '"W"'), ('"nie ma takiego tekstu"', '""'), True),
    "correction": Allowed(('"lutego"', '"3"'), ('""',), True),
    "note": Allowed(('"Błąd druku."',)),
}
TOPIC_FIELDS = {
    "title": Allowed(('"Temat"',), ('""',), True),
    "aliases": Allowed(
        ('["temat", "ODKB"]', '["Organizacja Układu o Bezpieczeństwie Zbiorowym"]', '["  ", "x"]'),
        ("[]", '"ODKB"', '["(", "[", "\\\\b"]'),
        True,
    ),
    "summary": Allowed(('"Streszczenie."',), ('""',), True),
    "id": Allowed(('"zz-inny"',), ('"csto"', '"../x"', '""')),
    "command": Allowed(('"zz_fuzz"', '"temat"'), ('"csto"', '"help"', '"Temat"', '"a b"', '"digest"')),
    "description": Allowed(('"Opis"',), ('""', '"' + "x" * 101 + '"')),
    "sources": Allowed(('["odkb-w-kazachstanie"]', "[]"), ('["brak"]', '"odkb-w-kazachstanie"')),
}
REFERENCE_FIELDS = {
    "name": Allowed(('"członkowie"',), ('""',), True),
    "members": Allowed(('["Armenia", "Rosja", "Kazachstan"]',), ("[]",), True),
    "others": Allowed(('["Uzbekistan", "Kirgizja"]', '[""]')),
    "synonyms": Allowed(('{ "Kirgizja" = "Armenia" }', '{ "" = "" }', "{}"), ('["a"]',)),
    "source": Allowed(('"Karta ODKB"',), ('""',), True),
}


def valid_table(draw: st.DrawFn, fields: dict[str, Allowed]) -> dict[str, str]:
    keys = [key for key, field in fields.items() if field.required or draw(st.booleans())]
    return {key: draw(st.sampled_from(fields[key].valid)) for key in keys}


def wrong_value(draw: st.DrawFn, field: Allowed | None) -> str:
    """A value the format refuses for the key, or any TOML value, a huge one or a deep one."""
    kinds = [VALUES, huge_value(), deep_value()] + ([st.sampled_from(field.invalid)] if field and field.invalid else [])
    return draw(st.one_of(kinds))


def _table(draw: st.DrawFn, draft: Draft) -> tuple[dict[str, str], dict[str, Allowed]]:
    """The top level or one of the tables, with what the format allows in it."""
    choices = [(draft.front, draft.fields)]
    choices += [(table, draft.table_fields.get(name, {})) for name, table in draft.tables]
    return choices[draw(st.integers(0, len(choices) - 1))]


def drop_key(draw: st.DrawFn, draft: Draft) -> None:
    table, _ = _table(draw, draft)
    if table:
        del table[draw(st.sampled_from(sorted(table)))]


def change_value(draw: st.DrawFn, draft: Draft) -> None:
    table, fields = _table(draw, draft)
    key = draw(st.sampled_from(sorted({*table, *fields}))) if table or fields else "x"
    table[key] = wrong_value(draw, fields.get(key))


def unknown_key(draw: st.DrawFn, draft: Draft) -> None:
    table, _ = _table(draw, draft)
    key = draw(st.one_of(BARE_KEYS, st.sampled_from(['"klucz ze spacją"', '"a\\nb"', "x.y", "x" * 100_000])))
    table[key] = draw(VALUES)


def odd_table(draw: st.DrawFn, draft: Draft) -> None:
    name = draw(st.sampled_from([*draft.table_fields, "fakty", "facts.x", ""]))
    draft.tables.append((name, {key: draw(VALUES) for key in draw(st.lists(BARE_KEYS, max_size=3))}))


def many_tables(draw: st.DrawFn, draft: Draft) -> None:
    """Thousands of tables, each with a problem: every one must be reported, quickly."""
    name = draw(st.sampled_from(sorted(draft.table_fields)))
    draft.tables += [(name, {"zly_klucz": "1"}) for _ in range(draw(st.integers(100, 3_000)))]


def fences(draw: st.DrawFn, draft: Draft) -> None:
    draft.opening = draw(st.sampled_from(["", "+++ ", "---", "++", "\ufeff+++", "+++\n+++"]))
    draft.closing = draw(st.sampled_from(["", "+++ ", "---", "+++\n+++"]))


def newlines(draw: st.DrawFn, draft: Draft) -> None:
    draft.newline = draw(st.sampled_from(["\r\n", "\r", "\x0b", "\u2028"]))


def encoding(draw: st.DrawFn, draft: Draft) -> None:
    draft.codec = draw(st.sampled_from(OTHER_CODECS))


def body(draw: st.DrawFn, draft: Draft) -> None:
    draft.body = draw(st.one_of(st.sampled_from(["", "\n  \n", "\x00" * 100, "+++"]), st.text(max_size=300)))


Deviation = Callable[[st.DrawFn, Draft], None]
ARTICLE_DEVIATIONS: list[Deviation] = [
    drop_key,
    change_value,
    change_value,
    unknown_key,
    odd_table,
    many_tables,
    fences,
    newlines,
    encoding,
    body,
]
TOPIC_DEVIATIONS: list[Deviation] = [
    drop_key,
    change_value,
    change_value,
    unknown_key,
    odd_table,
    many_tables,
    newlines,
    encoding,
]


def deviate(draw: st.DrawFn, draft: Draft, deviations: list[Deviation]) -> bytes:
    """The draft with none to three deviations: a third of the files stay valid."""
    for _ in range(draw(st.integers(0, 3))):
        draw(st.sampled_from(deviations))(draw, draft)
    return draft.render()


@st.composite
def generated_articles(draw: st.DrawFn) -> bytes:
    text = draw(POLISH_TEXT)
    tables = [("facts", valid_table(draw, FACT_FIELDS)) for _ in range(draw(st.integers(0, 2)))]
    tables += [("errata", valid_table(draw, ERRATUM_FIELDS)) for _ in range(draw(st.integers(0, 1)))]
    draft = Draft(
        valid_table(draw, ARTICLE_FIELDS),
        tables,
        ARTICLE_FIELDS,
        {"facts": FACT_FIELDS, "errata": ERRATUM_FIELDS},
        body=text,
    )
    return deviate(draw, draft, ARTICLE_DEVIATIONS)


@st.composite
def generated_topics(draw: st.DrawFn) -> bytes:
    tables = [("reference", valid_table(draw, REFERENCE_FIELDS)) for _ in range(draw(st.integers(0, 2)))]
    draft = Draft(valid_table(draw, TOPIC_FIELDS), tables, TOPIC_FIELDS, {"reference": REFERENCE_FIELDS})
    return deviate(draw, draft, TOPIC_DEVIATIONS)


# --- mutations of real files ---------------------------------------------------------------------

Mutation = Callable[[st.DrawFn, bytes], bytes]


def _at(draw: st.DrawFn, data: bytes) -> int:
    return draw(st.integers(0, len(data)))


def cut(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: _at(draw, data)]


def delete_slice(draw: st.DrawFn, data: bytes) -> bytes:
    start = _at(draw, data)
    return data[:start] + data[draw(st.integers(start, len(data))) :]


def duplicate_slice(draw: st.DrawFn, data: bytes) -> bytes:
    start = _at(draw, data)
    end = draw(st.integers(start, len(data)))
    return data[:end] + data[start:end] + data[end:]


def insert_junk(draw: st.DrawFn, data: bytes) -> bytes:
    junk = draw(
        st.one_of(
            st.binary(min_size=1, max_size=64),
            st.sampled_from(
                [
                    b"\xef\xbb\xbf",
                    b"\xff\xfe",
                    b"\xfe\xff",
                    b"\x00",
                    b"\xed\xa0\x80",  # BOMs, NUL, a surrogate
                    b"\xc3",
                    b"\xf4\x90\x80\x80",
                    b"+++\n",
                    b"\n+++\n",
                    b"[[facts]]\n",
                    b"\r",
                    b"\x1b[31m",
                ]
            ),
            st.text(max_size=20).map(lambda t: t.encode("utf-8")),
        )
    )
    at = _at(draw, data)
    return data[:at] + junk + data[at:]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def shuffle_lines(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    operation = draw(st.sampled_from(["swap", "drop", "repeat"]))
    if operation == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif operation == "drop":
        del lines[i]
    else:
        lines[i:i] = [lines[j]] * draw(st.integers(1, 1_000))
    return b"\n".join(lines)


def replace_value(draw: st.DrawFn, data: bytes) -> bytes:
    """A value of another type (or huge, or nested deep) in place of one of the file's values."""
    lines = _lines(data)
    assignments = [i for i, line in enumerate(lines) if re.match(rb"\s*[\w\"'.-]+\s*=", line)]
    if not assignments:
        return data
    index = draw(st.sampled_from(assignments))
    key = lines[index].split(b"=", 1)[0].decode("utf-8", "replace").strip()
    lines[index] = f"{key} = {wrong_value(draw, None)}".encode("utf-8")
    return b"\n".join(lines)


def rename_key(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    assignments = [i for i, line in enumerate(lines) if b"=" in line]
    if not assignments:
        return data
    index = draw(st.sampled_from(assignments))
    key = draw(st.one_of(BARE_KEYS, st.sampled_from(["facts", "topics", "[[facts]]", "a.b.c", "", '"x"', "x" * 9_999])))
    lines[index] = key.encode("utf-8") + b" =" + lines[index].split(b"=", 1)[1]
    return b"\n".join(lines)


def dotted_key(draw: st.DrawFn, data: bytes) -> bytes:
    """A key of many dotted parts, or a table header of many: nesting by names, not brackets."""
    parts = draw(st.integers(1, 30_000))
    line = ".".join(["a"] * parts) + " = 1" if draw(st.booleans()) else "[" + ".".join(["t"] * parts) + "]"
    lines = _lines(data)
    lines.insert(draw(st.integers(1, max(1, min(len(lines), 12)))), line.encode("utf-8"))
    return b"\n".join(lines)


def reencode(draw: st.DrawFn, data: bytes) -> bytes:
    return data.decode("utf-8", errors="replace").encode(draw(st.sampled_from(OTHER_CODECS)), errors="replace")


def line_endings(draw: st.DrawFn, data: bytes) -> bytes:
    return data.replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n\n", b"\x0b", "\u2028".encode()])))


MUTATIONS: list[Mutation] = [
    cut,
    delete_slice,
    duplicate_slice,
    insert_junk,
    insert_junk,
    shuffle_lines,
    replace_value,
    replace_value,
    replace_value,
    rename_key,
    dotted_key,
    reencode,
    line_endings,
]


# Copies of the bundled topics under another command, so that an unharmed copy loads.
TOPIC_COPIES = {name: re.sub(rb'(?m)^command = ".*"$', b'command = "zz_fuzz"', data) for name, data in TOPICS.items()}


@st.composite
def mutated(draw: st.DrawFn, originals: dict[str, bytes]) -> bytes:
    data = originals[draw(st.sampled_from(sorted(originals)))]
    for _ in range(draw(st.integers(1, 3))):
        data = draw(st.sampled_from(MUTATIONS))(draw, data)
    return data


# --- the properties --------------------------------------------------------------------------------


@settings(max_examples=150)
@given(data=mutated(ARTICLES))
def test_mutated_articles_load_or_are_reported(worker: ContentWorker, folder: Path, data: bytes) -> None:
    """150 examples: bundled articles cut, spliced, re-encoded, with junk and values of other types."""
    loaded = try_file(worker, folder, "articles", data)
    event("loaded" if not loaded.problems else "reported")


@settings(max_examples=150)
@given(data=generated_articles())
def test_generated_articles_load_or_are_reported(worker: ContentWorker, folder: Path, data: bytes) -> None:
    """150 examples: articles from scratch, valid and not, in several encodings and line endings."""
    loaded = try_file(worker, folder, "articles", data)
    event("loaded" if not loaded.problems else "reported")


@settings(max_examples=100)
@given(data=mutated(TOPIC_COPIES))
def test_mutated_topics_load_or_are_reported(worker: ContentWorker, folder: Path, data: bytes) -> None:
    """100 examples: bundled topics mutated as the articles above."""
    loaded = try_file(worker, folder, "topics", data)
    event("loaded" if not loaded.problems else "reported")


@settings(max_examples=100)
@given(data=generated_topics())
def test_generated_topics_load_or_are_reported(worker: ContentWorker, folder: Path, data: bytes) -> None:
    """100 examples: topics from scratch, with reference lists."""
    loaded = try_file(worker, folder, "topics", data)
    event("loaded" if not loaded.problems else "reported")


# --- deep nesting, many problems, huge bodies, unreadable files -------------------------------------

VALID_FRONT = 'title = "Tytuł"\noutlet = "Onet"\npublished = 2022-01-06\n'


def article_bytes(front: str = VALID_FRONT, body: str = "W czwartek 6 stycznia 2022 r. trwały protesty.\n") -> bytes:
    return f"+++\n{front}+++\n{body}".encode()


NESTINGS = {
    "array": lambda depth: "note = " + "[" * depth + "]" * depth,
    "inline table": lambda depth: "note = " + "{a = " * depth + "1" + "}" * depth,
    "array of inline tables": lambda depth: "note = " + "[{a = " * depth + "1" + "}]" * depth,
    "dotted key": lambda depth: ".".join(["a"] * depth) + " = 1",
    "dotted key in an inline table": lambda depth: "note = {" + ".".join(["b"] * depth) + " = 1}",
    "table header": lambda depth: "[" + ".".join(["t"] * depth) + "]",
    "array of tables header": lambda depth: "[[" + " . ".join(["t"] * depth) + "]]",
}


@settings(max_examples=40)
@given(kind=st.sampled_from(sorted(NESTINGS)), depth=st.one_of(st.integers(1, 40), st.integers(900, 100_000)))
def test_deep_nesting_is_reported_at_its_line(worker: ContentWorker, folder: Path, kind: str, depth: int) -> None:
    """40 examples: arrays, inline tables and dotted keys nested up to 100,000 deep, on line 5.

    Deep brackets exhausted tomllib's recursion (RecursionError escaped); a dotted key of 100,000
    parts took tomllib minutes and tens of GB (quadratic)."""
    loaded = try_file(worker, folder, "articles", article_bytes(VALID_FRONT + NESTINGS[kind](depth) + "\n"))
    assert loaded.problems, "a nested note, or a key the format does not know, is reported"
    if depth >= 900:
        ((_, line, message),) = loaded.problems
        assert line == 5 and ("nested too deeply" in message or "dotted parts" in message), message


def test_thousands_of_bad_facts_are_each_reported_at_their_line(worker: ContentWorker, folder: Path) -> None:
    """Each problem was located by searching the whole front matter again: 3,000 bad facts took
    16 s, 20,000 several minutes. Now a fraction of a second; the guard is generous."""
    facts = "".join(f'[[facts]]\ndate = 2022-01-06\ntext = "Fakt."\nzly = {i}\n' for i in range(20_000))
    loaded = try_file(worker, folder, "articles", article_bytes(VALID_FRONT + facts), timeout=30)
    assert [line for _, line, _ in loaded.problems] == [5 + 4 * i + 3 for i in range(20_000)]
    messages = {message for _, _, message in loaded.problems}
    assert messages == {f"unknown key 'facts[{i + 1}].zly'" for i in range(20_000)}


def test_huge_names_and_values_make_one_line_messages(worker: ContentWorker, folder: Path) -> None:
    """A key, an id or a topic of a megabyte is shortened in its message, and line breaks escaped."""
    huge = "x" * MEGABYTE
    for key_value, line_of_key in [
        (f"{huge} = 1", 5),
        (f'id = "{huge}"', 5),
        (f'topics = ["{huge}", "a\\nb"]', 5),
        ('"a\\nb" = 1', 1),
    ]:  # a quoted key is not looked for: the opening fence
        loaded = try_file(worker, folder, "articles", article_bytes(VALID_FRONT + key_value + "\n"))
        ((_, line, message),) = loaded.problems
        assert line == line_of_key and len(message) < MAX_MESSAGE, message[:MAX_MESSAGE]


ARTICLE_LIMIT = 5 * MEGABYTE  # bytes read from an article at most (content.ARTICLE_MAX_BYTES)
NEAR_THE_LIMIT = 4_500_000  # characters: some of the prose's Polish letters take two bytes
PROSE = "\n".join(data.decode().split("+++\n", 2)[2] for data in ARTICLES.values())
HUGE_BODIES = {
    "Polish prose": (PROSE * (NEAR_THE_LIMIT // len(PROSE) + 1))[:NEAR_THE_LIMIT],
    "one line of dates": "6 stycznia 2022 r. " * (NEAR_THE_LIMIT // 19),
    "spaces": " " * NEAR_THE_LIMIT,
    "newlines": "\n" * NEAR_THE_LIMIT,
    "NUL bytes": "\x00" * NEAR_THE_LIMIT,
}


@pytest.mark.parametrize("name", sorted(HUGE_BODIES))
def test_bodies_near_the_size_limit_load_or_are_reported(worker: ContentWorker, folder: Path, name: str) -> None:
    """One case each: an article of almost 5 MB, the most that is read, loads (extraction, linear
    in the body, is tried at 1 MB below), or is reported: blank (NUL bytes are read as spaces), or
    one sentence of 236,842 dates."""
    data = article_bytes(body=HUGE_BODIES[name])
    assert len(data) <= ARTICLE_LIMIT
    loaded = try_file(worker, folder, "articles", data, timeout=60, extract=False)
    expected = {
        "spaces": ["the article has no text after the front matter"],
        "newlines": ["the article has no text after the front matter"],
        "NUL bytes": ["the article has no text after the front matter"],
        "one line of dates": ["a sentence with 236842 dates: at most 20 are read from one sentence; split it"],
    }
    assert [message for _, _, message in loaded.problems] == expected.get(name, [])


def test_a_body_near_the_size_limit_with_a_bad_byte_at_its_end(worker: ContentWorker, folder: Path) -> None:
    data = article_bytes(body="Tekst.\n" * (NEAR_THE_LIMIT // 7)) + b"\xff\n"
    ((_, line, message),) = try_file(worker, folder, "articles", data, extract=False).problems
    assert line == data.count(b"\n") and "UTF-8" in message


def test_an_article_over_the_size_limit_is_reported_unread(worker: ContentWorker, folder: Path) -> None:
    """A byte more than 5 MB, and the file is reported on its first line without being read."""
    front = article_bytes(body="")
    data = front + b"x" * (ARTICLE_LIMIT + 1 - len(front))
    ((_, line, message),) = try_file(worker, folder, "articles", data, extract=False).problems
    assert line == 1 and message.startswith("larger than 5 MB")


def test_unreadable_files_are_reported(folder: Path, tmp_path: Path) -> None:
    """A dangling link (or a file removed between listing and reading) was an OSError out of
    load_content: every file lost instead of one."""
    (folder / "articles" / "zz-link.md").symlink_to(tmp_path / "gone.md")
    (folder / "topics" / "zz_link.toml").symlink_to(tmp_path / "gone.toml")
    try:
        content = load_content(folder)
    finally:
        (folder / "articles" / "zz-link.md").unlink()
        (folder / "topics" / "zz_link.toml").unlink()
    assert sorted((p.path.name, p.line) for p in content.problems) == [("zz-link.md", 1), ("zz_link.toml", 1)]
    assert all("cannot be read" in p.message for p in content.problems)
    assert len(content.articles) == len(ARTICLES) and len(content.topics) == len(TOPICS)


@settings(max_examples=40)
@given(data=mutated({"quantities.toml": (BUNDLED_CONTENT / "quantities.toml").read_bytes()}))
def test_mutated_quantities_load_or_are_reported(data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    """40 examples: quantities.toml mutated like the articles; problems are path:line: message."""
    folder = tmp_path_factory.mktemp("quantities")
    (folder / "quantities.toml").write_bytes(data)
    quantities, problems = load_quantities(folder)
    lines = data.count(b"\n") + 1
    for problem in problems:
        assert 1 <= problem.line <= lines and "\n" not in problem.message and len(problem.message) <= MAX_MESSAGE
        assert str(problem) == f"{folder / 'quantities.toml'}:{problem.line}: {problem.message}"
    assert all(QuantityMatcher.of(quantity) for quantity in quantities)


# --- a megabyte through the extraction path ----------------------------------------------------------

ADVERSARIAL = {
    "digits": "1",
    "digits and spaces": "12 ",
    "digit groups": "1 000 ",
    "spaces": " ",
    "tabs and spaces": "\t ",
    "blank lines": " " * 999 + "\n",
    "newlines": "\n",
    "dots": ".",
    "dots and spaces": ". ",
    "initials": "A. ",
    "one-letter sentences": "X.\n",
    "Polish month words": "stycznia ",
    "month words without spaces": "stycznialutegomarca",
    "date fragments": "6 stycznia 2022 r. ",
    "numeric dates": "07.01.",
    "ranges": "od 2 do 5 stycznia ",
    "prepositions": "w ",
    "weekday nights": "w nocy z piątku na ",
    "qualifiers": "ponad około ",
    "decimal commas": "1,1,",
    "hyphens": "1-",
    "capitalised names": "Armenia, Rosja i ",
    "one word": "a",
    "quotes and brackets": '„("[',
}
# Seconds a stage may take before it counts as hung: far above the times measured (a stage takes
# well under a second over most of these, a few seconds over text made of nothing but figures).
STAGE_TIMEOUT = 20.0


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_a_megabyte_of_adversarial_text_finishes(worker: ContentWorker, name: str) -> None:
    """One case each, every stage of the extraction path over 1 MB."""
    times = worker.extraction_times(ADVERSARIAL[name], MEGABYTE, STAGE_TIMEOUT)
    print(name, {stage: round(seconds, 3) for stage, seconds in times.items()})


FRAGMENT_WORDS = st.sampled_from(
    [
        "1",
        "12",
        "2022",
        " ",
        "  ",
        "\n",
        ".",
        ",",
        "-",
        "–",
        "r.",
        "roku",
        "stycznia",
        "styczniu",
        "od",
        "do",
        "w",
        "nocy",
        "z",
        "piątku",
        "na",
        "sobotę",
        "ponad",
        "tys.",
        "mln",
        "osób",
        "A",
        "Rosja",
        "(",
        "„",
        "'",
        "!",
        "…",
    ]
)


@settings(max_examples=5)
@given(fragment=st.lists(FRAGMENT_WORDS, min_size=1, max_size=12).map("".join))
def test_a_megabyte_of_generated_fragments_finishes(worker: ContentWorker, fragment: str) -> None:
    """5 examples: a fragment of date and number syntax, repeated to 1 MB."""
    worker.extraction_times(fragment, MEGABYTE, STAGE_TIMEOUT)


# --- extraction over any publication date and any sentence --------------------------------------------

SENTENCES = st.lists(st.sampled_from(POLISH_WORDS), min_size=1, max_size=30).map(" ".join)


@settings(max_examples=300)
@given(
    published=st.one_of(st.dates(), st.dates(max_value=date(1, 2, 1)), st.dates(min_value=date(9999, 11, 30))),
    published_is_day=st.booleans(),
    text=SENTENCES,
)
def test_dates_resolve_against_any_publication_date(published: date, published_is_day: bool, text: str) -> None:
    """300 examples: "jutro" on 9999-12-31 or "w ubiegłym roku" in the year 1 overflowed the date
    type (OverflowError, ValueError) and took the whole build down; such mentions are left out."""
    mentions = find_dates(text, published, published_is_day)
    for first, second in zip(mentions, mentions[1:]):
        assert first.start < second.start, "mentions are in order"
        # Only a listed day ("6 i 7 stycznia") overlaps the next mention: it reaches to the end of
        # the date that completes it.
        assert first.end <= second.start or first.end == second.end, "mentions do not overlap"
    for mention in mentions:
        assert mention.value.start <= mention.value.last_day


@pytest.mark.parametrize(
    ("published", "text"),
    [
        (date(9999, 12, 31), "jutro"),
        (date(9999, 12, 31), "2 stycznia"),
        (date(9999, 12, 31), "w przyszłym roku"),
        (date(1, 1, 1), "w ubiegłym roku"),
        (date(1, 1, 3), "w ciągu ostatnich 9 dni"),
        (date(1, 1, 1), "w nocy z piątku na sobotę"),
        (date(1, 1, 1), "od 2 stycznia"),
    ],
)
def test_dates_outside_the_calendar_are_left_out(published: date, text: str) -> None:
    assert find_dates(text, published) == []


QUANTITIES = tuple(QuantityMatcher.of(q) for q in load_quantities(BUNDLED_CONTENT)[0])


def contains_phrase(text_keys: Sequence[str], phrase_keys: Sequence[str]) -> bool:
    """Whether the lemma sequence of a phrase occurs in a text's lemma sequence: the plain way,
    beside extraction's ``lemmas.PhraseIndex``."""
    size = len(phrase_keys)
    if size == 0 or phrase_keys[0] not in text_keys:  # most phrases are one word, most absent
        return False
    phrase = tuple(phrase_keys)
    return any(tuple(text_keys[i : i + size]) == phrase for i in range(len(text_keys) - size + 1))


def reference_quantity(sentence: str, start: int, end: int) -> str | None:
    """The quantity of a figure as the rule reads: a word of the quantity in the figure's clause
    (between the punctuation around it), found the slow way, as extraction first did."""
    left = max(sentence.rfind(mark, 0, start) for mark in (",", ";", ":", "(", " – ", " - ")) + 1
    rights = [i for i in (sentence.find(mark, end) for mark in (",", ";", ":", ")", " – ")) if i != -1]
    clause_keys = lemmas.keys(sentence[left : min(rights) if rights else len(sentence)])
    for quantity in QUANTITIES:
        if not any(contains_phrase(clause_keys, w) for w in quantity.words):
            continue
        if quantity.context and not any(contains_phrase(lemmas.keys(sentence), c) for c in quantity.context):
            continue
        return quantity.key
    return None


FIGURE_WORDS = (
    "5 135",
    "ponad",
    "2",
    "tys.",
    "9" * 400,
    "dwa",
    "dwutysięczny",
    "osób",
    "zatrzymała",
    "aresztowano",
    "żołnierzy",
    "kontyngent",
    "ODKB",
    "Kazachstan",
    "funkcjonariuszy",
    "zginęło",
    "straciło życie",
    "rannych",
    "MSW",
    "granica",
    "obronność",
    "i",
    "w",
    ",",
    ";",
    ":",
    "(",
    ")",
    "–",
    "-",
)


@settings(max_examples=300)
@given(sentence=st.one_of(SENTENCES, st.lists(st.sampled_from(FIGURE_WORDS), min_size=1, max_size=20).map(" ".join)))
def test_figures_count_what_their_clause_says(sentence: str) -> None:
    """300 examples: each figure's quantity is the clause rule's, and its value a finite number
    (400 digits made an infinite "figure")."""
    for figure in find_figures(sentence, QUANTITIES):
        assert figure.quantity == reference_quantity(sentence, figure.start, figure.end), figure
        assert math.isfinite(figure.value)


def reference_blocks(body: str) -> list[tuple[int, list[str]]]:
    """Paragraphs as the sentence splitter first found them, with one regular expression."""
    found = []
    for block in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", body):
        lines = block.group(0).split("\n")
        found.append((block.start(), lines[:-1] if lines[-1] == "" else lines))
    return found


@settings(max_examples=300)
@given(body=st.one_of(SENTENCES, st.text(st.sampled_from(" \t\n\r\x0bA.a"), max_size=60)))
def test_sentences_stand_where_the_body_has_them(body: str) -> None:
    """300 examples: paragraphs as before (the regular expression was quadratic on a line of
    spaces), and every sentence's text, offset and line as in the body."""
    assert paragraphs(body) == reference_blocks(body)
    for sentence in split_sentences(body):
        assert body[sentence.offset : sentence.offset + len(sentence.raw)] == sentence.raw
        assert sentence.line == body.count("\n", 0, sentence.offset) + 1
        assert sentence.text == " ".join(sentence.raw.split())
