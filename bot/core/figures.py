"""Figures in Polish text: numbers with their qualifier, unit, what they count, and the quantity.

"ponad 5 tysięcy osób" → 5000, "ponad", no unit, counts "osoba", quantity "detained" (the
sentence says "zatrzymała"). Which words make which quantity is content, not code: it lives in
``content/quantities.toml`` so that content authors can extend it.

Written by hand: no maintained library reads Polish numerals with their qualifiers ("ponad",
"co najmniej"), multipliers ("tys.", "mln") and number adjectives ("dwutysięczny").
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core import lemmas
from bot.core.dates import DateValue
from bot.core.errors import Problem

QUANTITIES_FILE = "quantities.toml"

_QUALIFIERS = {
    "ponad": "ponad", "przeszło": "ponad", "powyżej": "ponad", "więcej niż": "ponad",
    "około": "około", "ok.": "około", "mniej więcej": "około",
    "co najmniej": "co najmniej", "przynajmniej": "co najmniej",
    "prawie": "prawie", "niemal": "prawie", "blisko": "prawie", "niespełna": "prawie",
    "mniej niż": "mniej niż", "poniżej": "mniej niż",
}
_MULTIPLIERS = {
    "tys.": 1_000, "tys": 1_000, "tysiąc": 1_000, "tysiące": 1_000, "tysięcy": 1_000, "tysiąca": 1_000,
    "mln": 1_000_000, "mln.": 1_000_000, "milion": 1_000_000, "miliony": 1_000_000, "milionów": 1_000_000,
    "mld": 1_000_000_000, "mld.": 1_000_000_000, "miliard": 1_000_000_000, "miliardy": 1_000_000_000,
    "miliardów": 1_000_000_000,
}
_UNITS = {
    "dolarów": "USD", "dolary": "USD", "dolara": "USD", "dolar": "USD", "usd": "USD", "$": "USD",
    "euro": "EUR", "eur": "EUR", "złotych": "PLN", "zł": "PLN", "złote": "PLN", "pln": "PLN",
    "rubli": "RUB", "km": "km", "kilometrów": "km", "kilometry": "km", "%": "%", "proc.": "%", "procent": "%",
}
_WORD_NUMBERS = {
    "dwa": 2, "dwie": 2, "dwóch": 2, "dwoje": 2, "trzy": 3, "trzech": 3, "troje": 3, "cztery": 4, "czterech": 4,
    "pięć": 5, "pięciu": 5, "sześć": 6, "sześciu": 6, "siedem": 7, "siedmiu": 7, "osiem": 8, "ośmiu": 8,
    "dziewięć": 9, "dziewięciu": 9, "dziesięć": 10, "dziesięciu": 10,
}
_THOUSAND_ADJECTIVES = {
    "dwu": 2, "trzy": 3, "cztero": 4, "pięcio": 5, "sześcio": 6, "siedmio": 7, "ośmio": 8, "dziewięcio": 9,
    "dziesięcio": 10,
}
# Words after a number that say nothing about what it counts.
_NOT_COUNTED = {"zostac", "byc", "stracic", "miec", "w", "z", "do", "na", "i", "a", "o", "r", "roku", "rok"}  # folded

_QUALIFIER = "|".join(re.escape(q) for q in sorted(_QUALIFIERS, key=len, reverse=True))
_MULTIPLIER = "|".join(re.escape(m) for m in sorted(_MULTIPLIERS, key=len, reverse=True))
_UNIT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_NUMBER = re.compile(
    rf"(?:(?P<qualifier>{_QUALIFIER})\s+)?"
    rf"(?:(?P<digits>(?<![\w.,])\d{{1,3}}(?:[ \u00a0]\d{{3}})+(?![\d,])|(?<![\w.,])\d+(?:,\d+)?)(?![\w])(?!-\w)(?!\.\d)"
    rf"|(?P<adjective>\b(?:{'|'.join(_THOUSAND_ADJECTIVES)})tysięczn\w*)"
    rf"|(?P<word>\b(?:{'|'.join(sorted(_WORD_NUMBERS, key=len, reverse=True))})\b))"
    rf"(?:\s*(?P<multiplier>{_MULTIPLIER})(?=\s|$|[,;:)]))?"
    rf"(?:\s*(?P<unit>{_UNIT})(?=\s|$|[,.;:)]))?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A kind of figure: the words that signal it, and optionally words the sentence must hold."""

    key: str
    label: str
    label_en: str
    words: tuple[str, ...]  # one of these in the figure's clause (any inflection)
    context: tuple[str, ...]  # one of these in the sentence, if any are given
    topic: str | None
    cumulative: bool = False  # a running total: it does not go down over time


@dataclass(frozen=True, slots=True)
class QuantityMatcher:
    """A quantity's words as lemma sequences (building it loads the lemmatiser)."""

    key: str
    words: tuple[tuple[str, ...], ...]
    context: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, quantity: Quantity) -> QuantityMatcher:
        return cls(quantity.key, tuple(tuple(lemmas.keys(w)) for w in quantity.words),
                   tuple(tuple(lemmas.keys(c)) for c in quantity.context))


@dataclass(frozen=True, slots=True)
class Figure:
    value: int | float
    qualifier: str | None
    unit: str | None
    quantity: str | None
    text: str  # as written
    counted: str | None  # the word for what is counted, as written, when the text says
    start: int  # offsets in the sentence
    end: int

    def __reduce__(self) -> tuple[type[Figure], tuple[Any, ...]]:
        # Unpickled by calling the class: several times faster than the generic state restore
        # of slotted dataclasses, and the fact store holds a figure for every other fact.
        return Figure, (self.value, self.qualifier, self.unit, self.quantity, self.text, self.counted,
                        self.start, self.end)

    def to_json(self) -> dict[str, Any]:
        """The public shape inside ``facts --json`` (a contract: keep it)."""
        return {"value": self.value, "qualifier": self.qualifier, "unit": self.unit,
                "quantity": self.quantity, "text": self.text}


# --- quantities.toml ----------------------------------------------------------------------------

class _QuantitySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    label: str = Field(min_length=1)
    label_en: str | None = None
    words: list[str] = Field(min_length=1)
    context: list[str] = []
    topic: str | None = None
    cumulative: bool = False


def load_quantities(content_dir: Path) -> tuple[tuple[Quantity, ...], list[Problem]]:
    """The quantities of ``content/quantities.toml`` (none when the file is missing)."""
    path = content_dir / QUANTITIES_FILE
    if not path.is_file():
        return (), []
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        found = re.search(r"at line (\d+)", str(error))
        return (), [Problem(path, int(found.group(1)) if found else 1, f"invalid TOML: {error}")]
    quantities: list[Quantity] = []
    problems: list[Problem] = []
    lines = text.split("\n")
    for key, table in data.items():
        line = next((i + 1 for i, text in enumerate(lines) if text.strip() == f"[{key}]"), 1)
        if not isinstance(table, dict):
            problems.append(Problem(path, line, f"'{key}' must be a table [{key}]"))
            continue
        try:
            spec = _QuantitySpec.model_validate(table)
        except ValidationError as error:
            first = error.errors()[0]
            name = ".".join(str(part) for part in first["loc"])
            problems.append(Problem(path, line, f"[{key}] {name}: {first['msg']}"))
            continue
        quantities.append(Quantity(key=key, label=spec.label, label_en=spec.label_en or spec.label,
                                   words=tuple(spec.words), context=tuple(spec.context), topic=spec.topic,
                                   cumulative=spec.cumulative))
    return tuple(quantities), problems


# --- extraction ---------------------------------------------------------------------------------

def _value(match: re.Match[str]) -> int | float | None:
    if match.group("digits"):
        raw = match.group("digits").replace(" ", "").replace("\u00a0", "")
        value: float = float(raw.replace(",", "."))
    elif match.group("adjective"):
        prefix = match.group("adjective").lower().split("tysięczn")[0]
        value = _THOUSAND_ADJECTIVES[prefix] * 1000
    else:
        value = _WORD_NUMBERS[match.group("word").lower()]
    multiplier = match.group("multiplier")
    if multiplier:
        value *= _MULTIPLIERS[multiplier.lower()]
    return int(value) if float(value).is_integer() else round(value, 6)


def _clause(sentence: str, start: int, end: int) -> str:
    """The part of the sentence between the punctuation around a figure."""
    left = max(sentence.rfind(mark, 0, start) for mark in (",", ";", ":", "(", " – ", " - ")) + 1
    rights = [i for i in (sentence.find(mark, end) for mark in (",", ";", ":", ")", " – ")) if i != -1]
    return sentence[left:min(rights) if rights else len(sentence)]


def _quantity(sentence: str, figure_start: int, figure_end: int, quantities: tuple[QuantityMatcher, ...],
              sentence_keys: Callable[[], list[str]]) -> str | None:
    clause_keys = lemmas.keys(_clause(sentence, figure_start, figure_end))
    for quantity in quantities:
        if not any(lemmas.contains_phrase(clause_keys, w) for w in quantity.words):
            continue
        if quantity.context and not any(lemmas.contains_phrase(sentence_keys(), c) for c in quantity.context):
            continue
        return quantity.key
    return None


def find_figures(sentence: str, quantities: tuple[QuantityMatcher, ...] = (),
                 skip: list[tuple[int, int]] | None = None) -> list[Figure]:
    """The figures in a sentence; spans in ``skip`` (its dates) are not figures."""
    found: list[Figure] = []
    computed: list[list[str]] = []

    def sentence_keys() -> list[str]:  # for context words: at most once a sentence, often never
        if not computed:
            computed.append(lemmas.keys(sentence))
        return computed[0]

    for match in _NUMBER.finditer(sentence):
        number_start = match.start("digits") if match.group("digits") else match.start(
            "adjective" if match.group("adjective") else "word")
        if any(number_start < end and start < match.end() for start, end in (skip or [])):
            continue
        after = sentence[match.end():match.end() + 3]
        if match.group("word") and (after.startswith(" z ") or not match.group("qualifier") and after[:1] == "-"):
            continue
        value = _value(match)
        if value is None:
            continue
        unit = _UNITS.get((match.group("unit") or "").lower()) if match.group("unit") else None
        text_end = match.end()
        counted = None
        if match.group("adjective"):
            following = re.match(r"\s+(\w+)", sentence[match.end():])
            counted = following.group(1) if following else None
            text_end = match.end() + following.end() if following else match.end()
        elif unit is None:
            following = re.match(r"\s+(\w+)", sentence[match.end():])
            if following and lemmas.lemma(following.group(1)) not in _NOT_COUNTED:
                counted = following.group(1)
                text_end = match.end() + following.end()
        qualifier = _QUALIFIERS.get((match.group("qualifier") or "").lower()) if match.group("qualifier") else None
        found.append(Figure(
            value=value, qualifier=qualifier, unit=unit,
            quantity=_quantity(sentence, match.start(), text_end, quantities, sentence_keys),
            text=sentence[match.start():text_end].strip(), counted=counted,
            start=match.start(), end=text_end,
        ))
    return found


@dataclass(frozen=True, slots=True)
class SourcedFigure:
    """A figure with where it was said, by whom, and as of when."""

    figure: Figure
    article: str
    quote: str  # the sentence as written
    line: int
    as_of: DateValue  # the date the sentence gives, else the article's publication date
    topics: tuple[str, ...]

    def to_record(self) -> dict[str, Any]:
        """The fact store's document (dates as dates)."""
        return {
            "figure": self.figure, "article": self.article, "quote": self.quote,
            "line": self.line, "as_of": self.as_of.start, "as_of_precision": self.as_of.precision,
            "as_of_end": self.as_of.end, "topics": self.topics,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any],
                    values: dict[tuple[Any, ...], DateValue] | None = None) -> SourcedFigure:
        """A figure from its store document. ``values``, when given, holds one DateValue per
        distinct date for many calls: a store has 150,000 figures on far fewer dates, and making
        a DateValue costs more than reading the rest of the document."""
        key = (record["as_of"], record["as_of_precision"], record["as_of_end"])
        as_of = values.get(key) if values is not None else None
        if as_of is None:
            as_of = DateValue(*key)
            if values is not None:
                values[key] = as_of
        return cls(record["figure"], record["article"], record["quote"], record["line"], as_of,
                   tuple(record["topics"]))


# --- sources side by side ------------------------------------------------------------------------

def _interval(figure: Figure) -> tuple[float, float]:
    """The values a figure allows: "ponad 3000" is anything above 3000."""
    value = float(figure.value)
    return {
        "ponad": (value, float("inf")),
        "co najmniej": (value, float("inf")),
        "około": (0.9 * value, 1.1 * value),
        "prawie": (0.9 * value, value),
        "mniej niż": (0.0, value),
    }.get(figure.qualifier or "", (value, value))


def compatible(a: Figure, b: Figure) -> bool:
    """Whether two figures can both be right: some value satisfies both."""
    (low_a, high_a), (low_b, high_b) = _interval(a), _interval(b)
    return max(low_a, low_b) <= min(high_a, high_b)


@dataclass(frozen=True, slots=True)
class FigureGroup:
    """Every source's figure for one quantity, in the order of their as-of dates."""

    quantity: Quantity
    entries: tuple[SourcedFigure, ...]
    verdict: str  # "single", "agree", "dates" (values differ with the date) or "differ" (they contradict)
    #: Whether the sources give more than one value (compatible or not); counted once, since
    #: topic cards ask it of groups with thousands of entries on every request.
    varies: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "varies", len({(e.figure.value, e.figure.qualifier) for e in self.entries}) > 1)


def group_figures(figures: list[SourcedFigure], quantities: tuple[Quantity, ...]) -> list[FigureGroup]:
    """Figures of the same quantity side by side, with how they relate.

    Values that differ with their as-of dates are not contradictions, unless a running total
    (a ``cumulative`` quantity, such as the number detained) goes down over time.
    """
    by_quantity: dict[str, list[SourcedFigure]] = {q.key: [] for q in quantities}
    for sourced in figures:
        if sourced.figure.quantity in by_quantity:
            by_quantity[sourced.figure.quantity].append(sourced)
    groups = []
    for quantity in quantities:
        entries = sorted(by_quantity[quantity.key], key=lambda f: (f.as_of.last_day, f.article, f.line))
        if not entries:
            continue
        verdict = "single" if len(entries) == 1 else _verdict(entries, quantity.cumulative)
        groups.append(FigureGroup(quantity, tuple(entries), verdict))
    return groups


def _verdict(entries: list[SourcedFigure], cumulative: bool) -> str:
    """"differ" if two figures of the same day, or a running total and a later lower one, exclude
    each other; "dates" if only figures of different days do; else "agree".

    Linear rather than over all pairs (a large corpus has tens of thousands of figures of one
    quantity): every figure allows an interval [low, high] holding its value, and intervals on a
    line exclude each other pairwise exactly when the largest low exceeds the smallest high.
    A later figure lower than an earlier one that it excludes is one whose high is below that
    earlier figure's low (the other way round, it would be higher).
    """
    intervals = [_interval(e.figure) for e in entries]
    if any(low > high for low, high in intervals):  # not from Polish numerals; keep the plain rule
        return _verdict_of_pairs(entries, cumulative)
    if max(low for low, _ in intervals) <= min(high for _, high in intervals):
        return "agree"
    day_low: dict[date, float] = {}
    day_high: dict[date, float] = {}
    highest_low = float("-inf")
    for entry, (low, high) in zip(entries, intervals):
        day = entry.as_of.last_day
        day_low[day] = max(day_low.get(day, low), low)
        day_high[day] = min(day_high.get(day, high), high)
        if cumulative and highest_low > high:
            return "differ"
        highest_low = max(highest_low, low)
    if any(day_low[day] > day_high[day] for day in day_low):
        return "differ"
    return "dates"


def _verdict_of_pairs(entries: list[SourcedFigure], cumulative: bool) -> str:
    """The verdict by comparing every pair: the definition that ``_verdict`` computes faster."""
    verdict = "agree"
    for i, first in enumerate(entries):
        for second in entries[i + 1:]:
            if compatible(first.figure, second.figure):
                continue
            same_day = first.as_of.last_day == second.as_of.last_day
            shrinking = cumulative and second.figure.value < first.figure.value
            verdict = "differ" if same_day or shrinking else ("dates" if verdict == "agree" else verdict)
    return verdict
