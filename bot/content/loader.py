"""Content files: articles (``content/articles/*.md``) and topics (``content/topics/*.toml``).

Every file is validated on its own; a broken one becomes ``path:line: message`` problems and is
skipped, and the others still load. The file format is a contract: see README "Content files".
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.base import tomlfile
from bot.base.errors import BriefingError, Problem
from bot.language import dates
from bot.language.dates import DateValue, find_dates
from bot.language.figures import QUANTITIES_FILE, Quantity, parse_quantities
from bot.language.sentences import paragraphs, split_sentences

FRONT_MATTER_FENCE = "+++"
ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
COMMAND_PATTERN = r"[a-z0-9_]{1,32}"  # what Telegram and Discord both accept
#: The most bytes read from an article, and from a topic file or quantities.toml: anything larger
#: is reported, not read.
ARTICLE_MAX_BYTES = 5_000_000
TOPIC_MAX_BYTES = 1_000_000
#: The most dates read from one sentence (each becomes a fact); an article with a sentence that
#: holds more is reported.
MAX_DATES_PER_SENTENCE = 20
#: Control characters (C0 but tab, line feed and carriage return; DEL; C1), which no reply may
#: carry: a content file is read with each replaced by a space, and each line that held one is
#: reported (``Content.warnings``). A space, not nothing, so that no two words run together.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Lines with control characters reported per file; the rest are counted in one more report.
MAX_CONTROL_REPORTS = 10


# --- validated front matter -------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


_Date = date  # the field below is called "date"


class CuratedFactSpec(_Strict):
    date: _Date
    text: str = Field(min_length=1)
    precision: Literal["day", "month", "year", "range"] = "day"
    end: _Date | None = None
    topics: list[str] = []

    @field_validator("date", "end", mode="before")
    @classmethod
    def _plain_date(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            raise ValueError("must be a TOML date such as 2022-01-06, without a time")
        return value

    @model_validator(mode="after")
    def _range_has_end(self) -> CuratedFactSpec:
        if self.precision == "range" and self.end is None:
            raise ValueError("a fact with precision \"range\" needs an 'end' date")
        if self.precision != "range" and self.end is not None:
            raise ValueError("'end' is only for facts with precision \"range\"")
        if self.end is not None and self.end < self.date:
            raise ValueError("'end' is before 'date'")
        return self

    def value(self) -> DateValue:
        start = self.date
        if self.precision == "month":
            start = start.replace(day=1)
        elif self.precision == "year":
            start = start.replace(month=1, day=1)
        return DateValue(start, self.precision, self.end)


class ErratumSpec(_Strict):
    quote: str = Field(min_length=1)  # the text as printed
    correction: str = Field(min_length=1)
    note: str | None = None


class FrontMatter(_Strict):
    title: str = Field(min_length=1)
    outlet: str = Field(min_length=1)
    published: date | datetime
    id: str | None = Field(default=None, pattern=f"^{ID_PATTERN}$")
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    author: str | None = None
    language: str = Field(default="pl", pattern=r"^[a-z]{2,3}$")
    published_precision: Literal["day", "month"] = "day"
    #: The publication date is the editors' reading, not stated by the source; when not given,
    #: a ``note`` that says so (see ``says_inferred``) counts.
    published_inferred: bool | None = None
    topics: list[str] = []
    note: str | None = None
    facts: list[CuratedFactSpec] = []
    errata: list[ErratumSpec] = []

    @field_validator("published", mode="after")
    @classmethod
    def _offset_required(cls, value: date | datetime) -> date | datetime:
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise ValueError("a date-time needs an offset, e.g. 2022-07-25T22:16:00+02:00 (or give just the date)")
        return value


class ReferenceSpec(_Strict):
    name: str = Field(min_length=1)
    members: list[str] = Field(min_length=1)
    others: list[str] = []  # names that are NOT members, but that sources may list
    synonyms: dict[str, str] = {}  # another name → the name used above
    source: str = Field(min_length=1)


class TopicSpec(_Strict):
    title: str = Field(min_length=1)
    aliases: list[str] = Field(min_length=1)
    summary: str = Field(min_length=1)
    id: str | None = Field(default=None, pattern=f"^{ID_PATTERN}$")
    command: str | None = Field(default=None, pattern=f"^{COMMAND_PATTERN}$")
    description: str | None = Field(default=None, min_length=1, max_length=100)
    sources: list[str] = []
    reference: list[ReferenceSpec] = []


# --- loaded content -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CuratedFact:
    value: DateValue
    text: str
    topics: tuple[str, ...]
    line: int  # line of its [[facts]] table in the file


@dataclass(frozen=True, slots=True)
class Erratum:
    """A correction of the source: facts use ``correction`` and say what was printed."""

    quote: str  # as printed, white space folded
    correction: str
    note: str | None


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    outlet: str
    published: date  # the local calendar date of publication
    published_precision: Literal["day", "month"]
    published_at: datetime | None  # when the front matter gives a time
    url: str | None
    author: str | None
    language: str
    topics: tuple[str, ...]
    note: str | None
    facts: tuple[CuratedFact, ...]
    errata: tuple[Erratum, ...]
    body: str
    body_line: int  # line of the file on which the body starts
    path: Path
    sha256: str  # of the file's bytes: the key for incremental rebuilds
    size: int = 0  # the file's size and modification time when it was read: a file that still
    mtime_ns: int = 0  # has both need not be read again (see ``load_content``'s ``known``)
    published_inferred: bool = False  # the date is the editors' reading, not the source's: cards say so


@dataclass(frozen=True, slots=True)
class Reference:
    """A list the topic vouches for (e.g. the CSTO's members in 2022), with its source."""

    name: str
    members: tuple[str, ...]
    others: tuple[str, ...]
    synonyms: tuple[tuple[str, str], ...]
    source: str


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    command: str
    title: str
    aliases: tuple[str, ...]
    summary: str
    description: str
    sources: tuple[str, ...]
    path: Path
    sha256: str
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True, slots=True)
class Content:
    articles: tuple[Article, ...]
    topics: tuple[Topic, ...]
    problems: tuple[Problem, ...]
    files: int  # how many files were read
    quantities: tuple[Quantity, ...] = ()
    quantities_sha256: str = ""
    #: Problems that did not stop a file from loading: it was loaded repaired (control characters
    #: read as spaces). ``content check`` reports them as it reports ``problems``.
    warnings: tuple[Problem, ...] = ()


# --- parsing helpers ----------------------------------------------------------------------------


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise _FileProblem(line, f"not UTF-8 text (byte 0x{raw[error.start]:02x}); save the file as UTF-8") from None


class _FileProblem(BriefingError):
    """A content file is invalid at ``line``."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def _check_kind_and_size(info: os.stat_result, limit: int) -> None:
    """``_FileProblem`` unless ``info`` is a regular file's of at most ``limit`` bytes."""
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _SPECIAL_FILES if test(info.st_mode)), "a special file")
        raise _FileProblem(1, f"not a regular file ({kind}); content files must be regular files")
    if info.st_size > limit:
        raise _FileProblem(1, f"larger than {limit // 1_000_000} MB; not read")


def _read_content_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file (or of a link to one) of at most ``limit`` bytes.

    Anything else is a ``_FileProblem`` on line 1 and is not read: a FIFO blocks its reader until
    someone writes to it, and a device such as /dev/zero never ends. OSError when the file cannot
    be read at all.
    """
    _check_kind_and_size(os.stat(path), limit)
    # Opened without blocking and checked again: a FIFO put in the file's place meanwhile must not
    # block the open, and is refused by the second check.
    with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as handle:
        _check_kind_and_size(os.fstat(handle.fileno()), limit)
        raw = handle.read(limit + 1)
    if len(raw) > limit:  # it grew since
        raise _FileProblem(1, f"larger than {limit // 1_000_000} MB; not read")
    return raw


def _split_front_matter(text: str) -> tuple[str, str, int]:
    """Front matter text, body, and the 1-based line on which the body starts."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise _FileProblem(1, f"the file must start with a line '{FRONT_MATTER_FENCE}' that opens the front matter")
    for index in range(1, len(lines)):
        if lines[index].strip() == FRONT_MATTER_FENCE:
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    raise _FileProblem(1, f"the front matter opened here is not closed: add a line '{FRONT_MATTER_FENCE}' after it")


def _parse_toml(text: str, first_line: int) -> dict[str, Any]:
    """TOML with errors as file lines; ``first_line`` is the file line of the TOML's line 1."""
    try:
        return tomlfile.parse(text)
    except tomlfile.TomlProblem as problem:
        raise _FileProblem(first_line + problem.line - 1, problem.message) from None


class _KeyLines:
    """Where a TOML text's keys and tables stand, indexed once for all the problems of a file
    (searching the whole text again for each problem would be quadratic in a front matter with
    thousands of bad facts)."""

    def __init__(self, toml_text: str, first_line: int) -> None:
        self.lines = toml_text.split("\n")
        self.first_line = first_line  # the file line of the TOML's line 1
        self.tables = [i for i, line in enumerate(self.lines) if line.strip().startswith("[")]
        self.arrays: dict[str, list[int]] = {}  # "[[name]]" header lines by name
        for index in self.tables:
            header = self.lines[index].strip()
            if header.startswith("[[") and header.endswith("]]"):
                self.arrays.setdefault(header[2:-2], []).append(index)
        self.keys: dict[str, list[int]] = {}  # lines "key = ..." by key
        for index, line in enumerate(self.lines):
            key, equals, _ = line.lstrip().partition("=")
            if equals:
                self.keys.setdefault(key.rstrip(), []).append(index)

    def line(self, location: tuple[int | str, ...]) -> int:
        """The file line of a key (``('facts', 1, 'date')``), else of its table, else the start."""
        start, stop = 0, len(self.lines)
        if len(location) >= 2 and isinstance(location[1], int):
            headers = self.arrays.get(str(location[0]), [])
            if location[1] < len(headers):
                start = headers[location[1]]
                later = bisect.bisect_right(self.tables, start)
                stop = self.tables[later] if later < len(self.tables) else len(self.lines)
                key = location[2] if len(location) > 2 else None
            else:
                key = str(location[0])
        else:
            key = location[0] if location else None
            stop = self.tables[0] if self.tables else len(self.lines)
        if isinstance(key, str):
            found = self._key_in(key, start, stop)
            if found is not None:
                return self.first_line + found
        # No such key: its table's header, else the line before the TOML (the opening fence of an
        # article's front matter; line 1 of a topic file).
        return self.first_line + start if start else max(1, self.first_line - 1)

    def _key_in(self, key: str, start: int, stop: int) -> int | None:
        """The first line from ``start`` to before ``stop`` that assigns ``key``."""
        if "=" in key or key != key.strip():  # not as the index reads lines: search them
            pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
            return next((i for i in range(start, stop) if pattern.match(self.lines[i])), None)
        rows = self.keys.get(key, [])
        index = bisect.bisect_left(rows, start)
        return rows[index] if index < len(rows) and rows[index] < stop else None


def _validation_problems(error: ValidationError, key_lines: _KeyLines) -> list[tuple[int, str]]:
    found = []
    for item in error.errors():
        location = tuple(item["loc"])
        kind = item["type"]
        if location[:1] == ("published",):
            location = ("published",)  # pydantic names each member of the date | datetime union
            if kind in ("date_type", "datetime_type"):
                kind = "published_type"
        name = ".".join(str(part) if not isinstance(part, int) else f"[{part + 1}]" for part in location)
        name = tomlfile.shown(name.replace(".[", "["))
        if kind == "missing":
            message = f"missing required key '{name}'"
        elif kind == "extra_forbidden":
            message = f"unknown key '{name}'"
        elif kind in ("date_type", "datetime_type"):
            message = f"'{name}' must be a TOML date such as 2022-01-06 (no quotes)"
        elif kind == "published_type":
            message = (
                f"'{name}' must be a TOML date (2022-01-06) or a date-time with an offset (2022-01-06T09:30:00+01:00)"
            )
        elif kind == "string_pattern_mismatch":
            hint = _PATTERN_HINTS.get(str(location[-1]), "see README")
            message = f"'{name}' has an invalid value {tomlfile.shown(repr(item['input']))} (expected: {hint})"
        else:
            text = item["msg"].removeprefix("Value error, ")
            message = f"'{name}': {text}" if name else text
        found.append((key_lines.line(location), message))
    return found


def _listed(names: list[str], limit: int = 5) -> str:
    """At most ``limit`` names, each shortened, and how many more there are."""
    shown = ", ".join(tomlfile.shown(name) for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


_PATTERN_HINTS = {
    "id": "letters, digits, '-' and '_', at most 64 characters",
    "url": "an http:// or https:// address",
    "language": "a language code such as 'pl'",
    "command": "lower-case letters, digits and '_', at most 32 characters",
}


def _check_model(model: type[BaseModel], data: dict[str, Any], toml_text: str, first_line: int) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = _validation_problems(error, _KeyLines(toml_text, first_line))
        unique = list(dict.fromkeys(problems))
        raise _MultiProblem(unique) from None


class _MultiProblem(BriefingError):
    """A content file is invalid at several lines: (line, message) each."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


_INFERRED = re.compile(
    r"\bpublished\b[^.]*?(?:\binferred\b|\bnot stated\b)"
    r"|\bdat[aęy] publikacji\b[^.]*?(?:\bustalon|\bwywnioskowan|\bnie podan)",
    re.IGNORECASE | re.DOTALL,
)


def says_inferred(note: str | None) -> bool:
    """Whether an article's note says that its publication date was inferred ("Published: not
    stated; inferred from the weekdays…"): what ``published_inferred`` defaults to."""
    return bool(note and _INFERRED.search(note))


def _local_date(value: date | datetime) -> tuple[date, datetime | None]:
    if isinstance(value, datetime):
        return value.date(), value
    return value, None


def _without_controls(path: Path, text: str, warnings: list[Problem]) -> str:
    """``text`` with each control character replaced by a space; a warning per line that held one
    (the line of the file: ``text`` is a whole file)."""
    if not CONTROL_CHARACTERS.search(text):
        return text
    lines = [
        (number, found.group(0))
        for number, line in enumerate(text.split("\n"), 1)
        if (found := CONTROL_CHARACTERS.search(line))
    ]
    warnings += [
        Problem(path, number, f"a control character (U+{ord(character):04X}) in the text, read as a space: remove it")
        for number, character in lines[:MAX_CONTROL_REPORTS]
    ]
    if len(lines) > MAX_CONTROL_REPORTS:
        more = len(lines) - MAX_CONTROL_REPORTS
        warnings.append(
            Problem(
                path,
                lines[MAX_CONTROL_REPORTS][0],
                f"control characters on {more} more line(s) from here, read as spaces",
            )
        )
    return CONTROL_CHARACTERS.sub(" ", text)


_Found = list[tuple[tuple[int | str, ...], str]]


def _strings_without_controls(data: Any, location: tuple[int | str, ...] = ()) -> tuple[Any, _Found]:
    """TOML data with control characters in its strings (written as escapes, such as "\\u0000")
    replaced by spaces, and where each such string stands, with its first control character."""
    if isinstance(data, str):
        found_in = CONTROL_CHARACTERS.search(data)
        return (CONTROL_CHARACTERS.sub(" ", data), [(location, found_in.group(0))]) if found_in else (data, [])
    found: _Found = []
    if isinstance(data, dict):
        cleaned: dict[str, Any] = {}
        for key, value in data.items():
            cleaned[key], where = _strings_without_controls(value, (*location, key))
            found += where
        return cleaned, found
    if isinstance(data, list):
        items = []
        for index, value in enumerate(data):
            item, where = _strings_without_controls(value, (*location, index))
            items.append(item)
            found += where
        return items, found
    return data, []


def _toml_without_controls(
    path: Path, data: dict[str, Any], toml_text: str, first_line: int, warnings: list[Problem]
) -> dict[str, Any]:
    cleaned, locations = _strings_without_controls(data)
    if locations:
        key_lines = _KeyLines(toml_text, first_line)
        for location, character in locations[:MAX_CONTROL_REPORTS]:
            warnings.append(
                Problem(
                    path,
                    key_lines.line(location),
                    f"a control character (U+{ord(character):04X}) in a string, read as a space: remove it",
                )
            )
    return cleaned


# --- loading ------------------------------------------------------------------------------------


def parse_article(path: Path, raw: bytes, topic_ids: set[str], warnings: list[Problem] | None = None) -> Article:
    """One article file, validated; problems are raised as ``_FileProblem`` or ``_MultiProblem``.
    Problems it repaired (control characters) are added to ``warnings``."""
    repaired: list[Problem] = []
    text = _decode(path, raw).removeprefix("\ufeff")
    text = _without_controls(path, text.replace("\r\n", "\n"), repaired)
    toml_text, body, body_line = _split_front_matter(text)
    data = _toml_without_controls(path, _parse_toml(toml_text, 2), toml_text, 2, repaired)
    spec: FrontMatter = _check_model(FrontMatter, data, toml_text, 2)
    if spec.id is None and not re.fullmatch(ID_PATTERN, path.stem):
        raise _FileProblem(
            1,
            f"the file name gives an invalid article id {tomlfile.shown(repr(path.stem))} "
            f"(expected: {_PATTERN_HINTS['id']}); rename the file or set 'id'",
        )
    if not body.strip():
        raise _FileProblem(body_line, "the article has no text after the front matter")
    known = ", ".join(sorted(topic_ids)) or "none"
    unknown_topics = [
        (location, missing)
        for location, names in [(("topics",), spec.topics)]
        + [(("facts", i, "topics"), fact.topics) for i, fact in enumerate(spec.facts)]
        if (missing := [name for name in names if name not in topic_ids])
    ]
    if unknown_topics:
        key_lines = _KeyLines(toml_text, 2)
        raise _MultiProblem(
            [
                (
                    key_lines.line(location),
                    f"unknown topic {_listed([repr(name) for name in missing])} (topics: {known})",
                )
                for location, missing in unknown_topics
            ]
        )
    folded_body = " ".join(body.split())
    errata_lines = [i + 2 for i, line in enumerate(toml_text.split("\n")) if line.strip() == "[[errata]]"]
    errata = tuple(Erratum(" ".join(e.quote.split()), " ".join(e.correction.split()), e.note) for e in spec.errata)
    unfound = [
        (errata_lines[i] if i < len(errata_lines) else 1, e.quote)
        for i, e in enumerate(errata)
        if e.quote not in folded_body
    ]
    if unfound:
        raise _MultiProblem(
            [
                (line, f"erratum quote {tomlfile.shown(repr(quote))} is not in the article's text")
                for line, quote in unfound
            ]
        )
    published, published_at = _local_date(spec.published)
    fact_lines = [i + 2 for i, line in enumerate(toml_text.split("\n")) if line.strip() == "[[facts]]"]
    facts = tuple(
        CuratedFact(
            value=fact.value(),
            text=" ".join(fact.text.split()),
            topics=tuple(fact.topics or spec.topics),
            line=fact_lines[i] if i < len(fact_lines) else 1,
        )
        for i, fact in enumerate(spec.facts)
    )
    body, body_line = _trimmed(body, body_line)
    if spec.language == "pl":  # dates are read from Polish text only
        crowded = _crowded_sentences(body, published, spec.published_precision == "day")
        if crowded:
            raise _MultiProblem(
                [
                    (
                        body_line + line - 1,
                        f"a sentence with {count} dates: at most "
                        f"{MAX_DATES_PER_SENTENCE} are read from one sentence; split it",
                    )
                    for line, count in crowded
                ]
            )
    if warnings is not None:
        warnings += sorted(repaired, key=lambda problem: problem.line)
    return Article(
        id=spec.id or path.stem,
        title=spec.title.strip(),
        outlet=spec.outlet.strip(),
        published=published,
        published_precision=spec.published_precision,
        published_at=published_at,
        published_inferred=spec.published_inferred if spec.published_inferred is not None else says_inferred(spec.note),
        url=spec.url,
        author=spec.author,
        language=spec.language,
        topics=tuple(spec.topics),
        note=spec.note,
        facts=facts,
        errata=errata,
        body=body,
        body_line=body_line,
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


# Every date expression holds a run of digits or one of these words (those of the date patterns
# that need no digit), and no two expressions share one: counting both bounds the dates in a text.
_DIGITS = re.compile(r"\d+")
_DATE_WORDS = sorted(
    {word for group, needs_digit in dates._TRIGGERS.values() if not needs_digit for word in dates._TRIGGER_WORDS[group]}
)


def _could_hold_too_many_dates(text: str) -> bool:
    folded = text.casefold()  # as the patterns' IGNORECASE matches
    bound = len(_DIGITS.findall(text)) + sum(folded.count(word) for word in _DATE_WORDS)
    return bound > MAX_DATES_PER_SENTENCE


def _crowded_sentences(body: str, published: date, published_is_day: bool) -> list[tuple[int, int]]:
    """(line in the body, dates) of each sentence with more than ``MAX_DATES_PER_SENTENCE`` dates.

    Only the paragraphs that could hold such a sentence are split into sentences, and only such
    sentences searched for dates: the others, nearly all, are passed over after a count.
    """
    crowded = []
    first_line, counted = 1, 0  # the line at offset ``counted``: lines counted once through the body
    for offset, lines in paragraphs(body):
        paragraph = "\n".join(lines)
        if not _could_hold_too_many_dates(paragraph):
            continue
        first_line += body.count("\n", counted, offset)
        counted = offset
        for sentence in split_sentences(paragraph):  # as in the whole body: a sentence stays in its paragraph
            if _could_hold_too_many_dates(sentence.text):
                count = len(find_dates(sentence.text, published, published_is_day))
                if count > MAX_DATES_PER_SENTENCE:
                    crowded.append((first_line + sentence.line - 1, count))
    return crowded


def _trimmed(body: str, body_line: int) -> tuple[str, int]:
    """Leading blank lines belong to the fence; the body starts at its first line of text."""
    stripped = body.lstrip("\n")
    return stripped.rstrip(), body_line + len(body) - len(stripped)


def parse_topic(path: Path, raw: bytes, warnings: list[Problem] | None = None) -> Topic:
    repaired: list[Problem] = []
    text = _without_controls(path, _decode(path, raw).removeprefix("\ufeff"), repaired)
    data = _toml_without_controls(path, _parse_toml(text, 1), text, 1, repaired)
    spec: TopicSpec = _check_model(TopicSpec, data, text, 1)
    topic_id = spec.id or path.stem
    if not re.fullmatch(ID_PATTERN, topic_id):
        raise _FileProblem(1, f"the file name gives the topic id {topic_id!r}; set a valid 'id'")
    command = spec.command or _default_command(topic_id)
    if not re.fullmatch(COMMAND_PATTERN, command):
        raise _FileProblem(1, f"the topic id {topic_id!r} is not a valid command name; set 'command'")
    if warnings is not None:
        warnings += sorted(repaired, key=lambda problem: problem.line)
    return Topic(
        id=topic_id,
        command=command,
        title=spec.title.strip(),
        aliases=tuple(a.strip() for a in spec.aliases if a.strip()),
        summary=" ".join(spec.summary.split()),
        description=spec.description or spec.title.strip(),
        sources=tuple(spec.sources),
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        references=tuple(
            Reference(r.name, tuple(r.members), tuple(r.others), tuple(r.synonyms.items()), r.source)
            for r in spec.reference
        ),
    )


def _default_command(topic_id: str) -> str:
    return topic_id.lower().replace("-", "_")


def _names(topic: Topic) -> list[str]:
    """What a topic answers to: its command, and its id with case ignored (``/timeline CSTO``
    finds the topic ``csto``). Two topics may not share one."""
    return list(dict.fromkeys((topic.command, topic.id.lower())))


def _without_clashes(candidates: list[Topic], loaded_before: set[str]) -> tuple[list[Topic], list[Problem]]:
    """The topics to load, in file-name order, and a problem for each one that claims a name (see
    ``_names``) with a weaker claim than another's.

    The strongest claim is a topic that loaded before (its id is in ``loaded_before``), then a
    file named for its id and command (``csto.toml`` for ``/csto``), then the first in file-name
    order. So a file added to a running bot never takes a name from a topic that was loading, and
    the articles tagged with that topic keep loading.
    """

    def claim(index: int) -> tuple[bool, bool, int]:
        topic = candidates[index]
        named_for_it = topic.path.stem == topic.id == topic.id.lower() and topic.command == _default_command(topic.id)
        return topic.id not in loaded_before, not named_for_it, index

    holders: dict[str, Topic] = {}
    kept: list[int] = []
    clashes: list[tuple[int, Problem]] = []
    for index in sorted(range(len(candidates)), key=claim):
        topic = candidates[index]
        name = next((name for name in _names(topic) if name in holders), None)
        if name is None:
            holders.update(dict.fromkeys(_names(topic), topic))
            kept.append(index)
            continue
        # The key that gave the name (a command may come from the id), else line 1: the file name.
        keys = ("command", "id") if name == topic.command else ("id",)
        line = next((line for key in keys if (line := _key_line(topic.path, key)) is not None), 1)
        clashes.append(
            (index, Problem(topic.path, line, f"topic id or command {name!r} is already used by {holders[name].path}"))
        )
    return [candidates[i] for i in sorted(kept)], [problem for _, problem in sorted(clashes, key=lambda c: c[0])]


def _problems_of(path: Path, error: Exception) -> list[Problem]:
    if isinstance(error, _MultiProblem):
        return [Problem(path, line, message) for line, message in error.problems]
    if isinstance(error, _FileProblem):
        return [Problem(path, error.line, error.message)]
    raise error


def _unreadable(path: Path, error: OSError) -> Problem:
    """A file listed but not readable: a dangling link, no permission, or removed meanwhile (an
    editor that saves by renaming, while a running bot reloads)."""
    return Problem(path, 1, f"cannot be read: {error.strerror or type(error).__name__}")


def _line_of(path: Path, key: str, before_line: int | None = None) -> int:
    """The line of a top-level ``key = ...`` in a file already known to be valid, else 1."""
    return _key_line(path, key, before_line) or 1


def _key_line(path: Path, key: str, before_line: int | None = None) -> int | None:
    """The line of a top-level ``key = ...`` in a file already known to be valid, if it has one."""
    try:
        lines = _read_content_file(path, ARTICLE_MAX_BYTES).decode("utf-8").split("\n")
    except (_FileProblem, OSError, UnicodeDecodeError):  # changed or removed since it was read
        return None
    if before_line is not None:
        lines = lines[: before_line - 1]
    found = next((i for i, line in enumerate(lines) if re.match(rf"\s*{re.escape(key)}\s*=", line)), None)
    return found + 1 if found is not None else None


def _files(folder: Path, suffix: str) -> tuple[list[Path], list[Problem]]:
    """Content files in a folder; other visible files are reported, not silently ignored."""
    if not folder.is_dir():
        return [], []
    wanted, problems = [], []
    with os.scandir(folder) as found:  # names and kinds in one call: archives hold many files
        entries = sorted((e for e in found), key=lambda e: e.name)
    for entry in entries:
        name = entry.name
        if name.startswith((".", "_")) or name.lower() == "readme.md" or entry.is_dir():
            continue
        if name.endswith(suffix):
            wanted.append(folder / name)
        else:
            problems.append(Problem(folder / name, 1, f"not a content file: files here must end in {suffix}"))
    return wanted, problems


#: Every content file's name, size and modification time: what changes when a file does. A file
#: that is not a regular one has the size -1, one that cannot be looked at (a dangling link) -1, -1.
ContentSignature = tuple[tuple[str, int, int], ...]


def content_signature(content_dir: Path) -> ContentSignature:
    """A cheap look at the content folder, to tell whether anything changed: ``stat`` only, no
    file is opened (a FIFO would block). A FIFO or a link to a device counts too, so that it
    gets reported when it appears."""
    found = []
    for folder in (content_dir / "topics", content_dir / "articles", content_dir):
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir():
                        continue
                    try:
                        info = entry.stat()
                    except OSError:
                        found.append((entry.path, -1, -1))
                        continue
                    size = info.st_size if stat.S_ISREG(info.st_mode) else -1
                    found.append((entry.path, size, info.st_mtime_ns))
        except OSError:
            continue  # a missing folder is reported by load_content
    return tuple(sorted(found))


def _load_quantities(content_dir: Path) -> tuple[tuple[Quantity, ...], str, list[Problem]]:
    """``quantities.toml``'s quantities, the sha256 of its bytes ("" when there is none), problems."""
    path = content_dir / QUANTITIES_FILE
    try:
        raw = _read_content_file(path, TOPIC_MAX_BYTES)
    except _FileProblem as error:
        return (), "", _problems_of(path, error)
    except FileNotFoundError as error:  # none: no quantities; a dangling link is reported
        return (), "", [_unreadable(path, error)] if path.is_symlink() else []
    except OSError as error:
        return (), "", [_unreadable(path, error)]
    quantities, problems = parse_quantities(path, raw)
    return quantities, hashlib.sha256(raw).hexdigest(), problems


def load_content(
    content_dir: Path,
    reserved_commands: frozenset[str] = frozenset(),
    known: Mapping[str, tuple[Article, tuple[str, ...]]] | None = None,
) -> Content:
    """Load and validate every topic and article under ``content_dir``.

    ``reserved_commands`` are the bot's own commands, which a topic may not take. ``known`` holds
    articles parsed before (by a running bot, or stored with the facts), by file name, with the
    topic ids they were checked against. For the same topics, a file that still has the size and
    modification time it had then is not read again, and one whose bytes did not change is not
    parsed again. Those topic ids are also the topics loaded before, which keep their names
    against a topic file that claims one of them.
    """
    known = known or {}
    if not content_dir.is_dir():
        return Content((), (), (Problem(content_dir, 1, "the content folder does not exist"),), 0)
    quantities, quantities_sha, problems = _load_quantities(content_dir)
    warnings: list[Problem] = []
    topic_paths, extra = _files(content_dir / "topics", ".toml")
    article_paths, extra_articles = _files(content_dir / "articles", ".md")
    problems += extra + extra_articles

    candidates: list[Topic] = []
    for path in topic_paths:
        try:
            topic = parse_topic(path, _read_content_file(path, TOPIC_MAX_BYTES), warnings)
        except (_FileProblem, _MultiProblem) as error:
            problems += _problems_of(path, error)
            continue
        except OSError as error:
            problems.append(_unreadable(path, error))
            continue
        if topic.command in reserved_commands:
            problems.append(
                Problem(
                    path,
                    _line_of(path, "command"),
                    f"the command /{topic.command} is one of the bot's own; set another 'command'",
                )
            )
        else:
            candidates.append(topic)
    loaded_before = {topic_id for _, checked_against in known.values() for topic_id in checked_against}
    topics, clashes = _without_clashes(candidates, loaded_before)
    problems += clashes

    topic_ids = {t.id for t in topics}
    known_topics = tuple(sorted(topic_ids))
    articles: list[Article] = []
    seen: dict[str, Path] = {}
    for path in article_paths:
        previous, checked_against = known.get(path.name, (None, ()))
        if checked_against != known_topics or (previous is not None and not re.fullmatch(ID_PATTERN, previous.id)):
            previous = None  # checked against other topics, or before file names were checked as ids
        try:
            info = path.stat()
            _check_kind_and_size(info, ARTICLE_MAX_BYTES)
            if previous is not None and (previous.size, previous.mtime_ns) == (info.st_size, info.st_mtime_ns):
                article = previous if previous.path == path else replace(previous, path=path)
            else:
                raw = _read_content_file(path, ARTICLE_MAX_BYTES)
                if previous is not None and previous.sha256 == hashlib.sha256(raw).hexdigest():
                    article = replace(previous, path=path, size=info.st_size, mtime_ns=info.st_mtime_ns)
                else:
                    article = replace(
                        parse_article(path, raw, topic_ids, warnings), size=info.st_size, mtime_ns=info.st_mtime_ns
                    )
        except (_FileProblem, _MultiProblem) as error:
            problems += _problems_of(path, error)
            continue
        except OSError as error:
            problems.append(_unreadable(path, error))
            continue
        if article.id in seen:
            problems.append(
                Problem(
                    path,
                    _line_of(path, "id", article.body_line),
                    f"article id {article.id!r} is already used by {seen[article.id]}",
                )
            )
            continue
        seen[article.id] = path
        articles.append(article)

    known_articles = set(seen)
    for topic in topics:
        missing = [s for s in topic.sources if s not in known_articles]
        if missing:
            line = _line_of(topic.path, "sources")
            problems.append(Problem(topic.path, line, f"'sources' names unknown articles: {_listed(missing)}"))
    files = len(topic_paths) + len(article_paths) + len(extra) + len(extra_articles) + (1 if quantities_sha else 0)
    return Content(tuple(articles), tuple(topics), tuple(problems), files, quantities, quantities_sha, tuple(warnings))
