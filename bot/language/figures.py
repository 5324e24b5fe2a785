"""Figures in Polish text: numbers with their qualifier, unit, what they count, and the quantity.

"ponad 5 tysięcy osób" → 5000, "ponad", no unit, counts "osoba", quantity "detained" (the
sentence says "zatrzymała"). Only counts and amounts are figures: a time of day ("od 23 do 7
rano"), a model ("Ił-76"), an ordinal ("25. forum"), a year or the day of a date is not. Which
words make which quantity is content, not code: it lives in ``content/quantities.toml`` so that
content authors can extend it.

Written by hand: no maintained library reads Polish numerals with their qualifiers ("ponad",
"co najmniej"), multipliers ("tys.", "mln") and number adjectives ("dwutysięczny").
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.base import tomlfile
from bot.base.errors import Problem
from bot.language import lemmas
from bot.language.dates import DateValue

QUANTITIES_FILE = "quantities.toml"

_QUALIFIERS = {
    "ponad": "ponad",
    "przeszło": "ponad",
    "powyżej": "ponad",
    "więcej niż": "ponad",
    "około": "około",
    "ok.": "około",
    "mniej więcej": "około",
    "co najmniej": "co najmniej",
    "przynajmniej": "co najmniej",
    "prawie": "prawie",
    "niemal": "prawie",
    "blisko": "prawie",
    "niespełna": "prawie",
    "mniej niż": "mniej niż",
    "poniżej": "mniej niż",
}
_MULTIPLIERS = {
    "tys.": 1_000,
    "tys": 1_000,
    "tysiąc": 1_000,
    "tysiące": 1_000,
    "tysięcy": 1_000,
    "tysiąca": 1_000,
    "mln": 1_000_000,
    "mln.": 1_000_000,
    "milion": 1_000_000,
    "miliony": 1_000_000,
    "milionów": 1_000_000,
    "mld": 1_000_000_000,
    "mld.": 1_000_000_000,
    "miliard": 1_000_000_000,
    "miliardy": 1_000_000_000,
    "miliardów": 1_000_000_000,
}
_UNITS = {
    "dolarów": "USD",
    "dolary": "USD",
    "dolara": "USD",
    "dolar": "USD",
    "usd": "USD",
    "$": "USD",
    "euro": "EUR",
    "eur": "EUR",
    "złotych": "PLN",
    "zł": "PLN",
    "złote": "PLN",
    "pln": "PLN",
    "rubli": "RUB",
    "km": "km",
    "kilometrów": "km",
    "kilometry": "km",
    "%": "%",
    "proc.": "%",
    "procent": "%",
}
_WORD_NUMBERS = {
    "dwa": 2,
    "dwie": 2,
    "dwóch": 2,
    "dwoje": 2,
    "trzy": 3,
    "trzech": 3,
    "troje": 3,
    "cztery": 4,
    "czterech": 4,
    "pięć": 5,
    "pięciu": 5,
    "sześć": 6,
    "sześciu": 6,
    "siedem": 7,
    "siedmiu": 7,
    "osiem": 8,
    "ośmiu": 8,
    "dziewięć": 9,
    "dziewięciu": 9,
    "dziesięć": 10,
    "dziesięciu": 10,
}
_THOUSAND_ADJECTIVES = {
    "dwu": 2,
    "trzy": 3,
    "cztero": 4,
    "pięcio": 5,
    "sześcio": 6,
    "siedmio": 7,
    "ośmio": 8,
    "dziewięcio": 9,
    "dziesięcio": 10,
}
# Words after a number that say nothing about what it counts.
_NOT_COUNTED = {"zostac", "byc", "stracic", "miec", "w", "z", "do", "na", "i", "a", "o", "r", "roku", "rok"}  # folded

_QUALIFIER = "|".join(re.escape(q) for q in sorted(_QUALIFIERS, key=len, reverse=True))
_MULTIPLIER = "|".join(re.escape(m) for m in sorted(_MULTIPLIERS, key=len, reverse=True))
_UNIT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
# Every figure starts with a digit or the first letter of a qualifier or number word: a lookahead
# for those lets the search skip every other position at once.
_FIRST = "".join(sorted({word[0] for word in (*_QUALIFIERS, *_THOUSAND_ADJECTIVES, *_WORD_NUMBERS)}))
# Number adjectives written with digits ("ponad 2-tysięczny kontyngent", "150-osobowy oddział"), by
# the multiplier their stem stands for and the unit it gives.
_DIGIT_ADJECTIVES = {
    "tysięczn": (1_000, None),
    "milionow": (1_000_000, None),
    "osobow": (1, None),
    "procentow": (1, "%"),
    "kilometrow": (1, "km"),
}
_NUMBER = re.compile(
    rf"(?=[\d{re.escape(_FIRST)}])"
    rf"(?:(?P<qualifier>{_QUALIFIER})\s+)?"
    # Not after a letter and a hyphen: "Ił-76", "An-124" are models; not before ". word": "25. forum"
    # is an ordinal.
    rf"(?:(?P<digits>(?<![\w.,])(?<![^\W\d_]-)\d{{1,3}}(?:[ \u00a0]\d{{3}})+(?![\d,])|(?<![\w.,])(?<![^\W\d_]-)\d+(?:,\d+)?)"  # noqa: E501 (one alternative of a pattern)
    rf"(?![\w])(?!-\w)(?!\.\d)(?!\.\s*[a-ząćęłńóśźż])"
    rf"|(?P<digit_adjective>(?<![\w.,-])(?P<adjective_digits>\d+(?:,\d+)?)-(?P<stem>{'|'.join(_DIGIT_ADJECTIVES)})\w*)"
    rf"|(?P<adjective>\b(?:{'|'.join(_THOUSAND_ADJECTIVES)})tysięczn\w*)"
    rf"|(?P<word>\b(?:{'|'.join(sorted(_WORD_NUMBERS, key=len, reverse=True))})\b))"
    rf"(?:\s*(?P<multiplier>{_MULTIPLIER})(?=\s|$|[,;:)]))?"
    rf"(?:\s*(?P<unit>{_UNIT})(?=\s|$|[,.;:)]))?",
    re.IGNORECASE,
)
_HOUR = r"(?:[01]?\d|2[0-4])"
_DAY_PARTS = r"rano|wieczorem|w\s+nocy|nad\s+ranem|po\s+południu|przed\s+południem|w\s+południe|czasu"
#: Numbers that are no figures: times of day ("o 9:15", "godz. 18", "od 23 do 7 rano") and years
#: ("od 2014 Rosja", "roku 2021"); the group ``n`` is the number.
_NOT_FIGURES = re.compile(
    rf"(?<![\w.,])(?P<n>{_HOUR}[:.][0-5]\d)(?![\d.,]\d)(?!\s*(?:tys|mln|mld|zł|%|proc))"
    rf"|\bgodz(?:\.|in[aęy]?|inie)\s*(?P<n2>{_HOUR})\b"
    rf"|\b(?:od|do|o|około|po|przed|między)\s+(?P<n3>{_HOUR}(?:\s*(?:do|a|[-–])\s*{_HOUR})?)(?=\s+(?:{_DAY_PARTS})\b)"
    rf"|\b(?:rok|roku|roce|rokiem|latach|lata|lat)\s+(?P<n4>(?:19|20)\d\d)\b"
    rf"|\b(?:w|we|od|do|z|ze|sprzed|po|przed)\s+(?P<n5>(?:19|20)\d\d)"
    rf"(?=\s*(?:[,;:)]|\.?\s*$|[–—-]\s)|\s+(?:i|a|oraz|ale|gdy|kiedy|że|r\.|roku)\b|(?-i:\s+[A-ZĄĆĘŁŃÓŚŹŻ]))",
    re.IGNORECASE,
)
#: In a sentence about a curfew, the numbers after "od", "do", "o" and "między" are hours.
_CURFEW = re.compile(r"\bgodzin\w*\s+policyjn|\bpolicyjn\w*\s+godzin", re.IGNORECASE)
_HOURS = re.compile(rf"\b(?:od|do|o|między)\s+(?P<n>{_HOUR}(?:\s*(?:do|a|[-–])\s*{_HOUR})?)\b(?![,.]\d)")


def _no_figures(sentence: str) -> list[tuple[int, int]]:
    """The spans of the numbers in ``sentence`` that are times of day or years."""
    spans = [
        match.span(next(g for g in ("n", "n2", "n3", "n4", "n5") if match.group(g)))
        for match in _NOT_FIGURES.finditer(sentence)
    ]
    if _CURFEW.search(sentence):
        spans += [match.span("n") for match in _HOURS.finditer(sentence)]
    return spans


#: The word after a figure, matched in place (a slice of the rest of the sentence for every
#: figure would be quadratic in a long sentence of numbers).
_FOLLOWING_WORD = re.compile(r"\s+(\w+)")


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

    def label_in(self, language: str) -> str:
        """The label in the reader's language where the content gives one: it has Polish and
        English labels, and content is shown in Polish to readers of other languages."""
        return self.label_en if language == "en" else self.label


@dataclass(frozen=True, slots=True)
class QuantityMatcher:
    """A quantity's words as lemma sequences (building it loads the lemmatiser)."""

    key: str
    words: tuple[tuple[str, ...], ...]
    context: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, quantity: Quantity) -> QuantityMatcher:
        return cls(
            quantity.key,
            tuple(tuple(lemmas.keys(w)) for w in quantity.words),
            tuple(tuple(lemmas.keys(c)) for c in quantity.context),
        )


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
        # Unpickled by calling the class: faster than the generic state restore
        # of slotted dataclasses, and the fact store holds a figure for every other fact.
        return Figure, (
            self.value,
            self.qualifier,
            self.unit,
            self.quantity,
            self.text,
            self.counted,
            self.start,
            self.end,
        )

    def to_json(self) -> dict[str, Any]:
        """The public shape inside ``facts --json`` (a contract: keep it)."""
        return {
            "value": self.value,
            "qualifier": self.qualifier,
            "unit": self.unit,
            "quantity": self.quantity,
            "text": self.text,
        }


# --- quantities.toml ----------------------------------------------------------------------------


class _QuantitySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    label: str = Field(min_length=1)
    label_en: str | None = None
    words: list[str] = Field(min_length=1)
    context: list[str] = []
    topic: str | None = None
    cumulative: bool = False


def parse_quantities(path: Path, raw: bytes) -> tuple[tuple[Quantity, ...], list[Problem]]:
    """The quantities in the bytes of a ``quantities.toml`` read from ``path``, and its problems."""
    try:
        text = raw.decode("utf-8")
        data = tomlfile.parse(text)
    except UnicodeDecodeError as error:
        return (), [Problem(path, raw.count(b"\n", 0, error.start) + 1, "not UTF-8 text; save the file as UTF-8")]
    except tomlfile.TomlProblem as problem:
        return (), [Problem(path, problem.line, problem.message)]
    quantities: list[Quantity] = []
    problems: list[Problem] = []
    lines = text.split("\n")
    for key, table in data.items():
        line = next((i + 1 for i, text in enumerate(lines) if text.strip() == f"[{key}]"), 1)
        if not isinstance(table, dict):
            problems.append(Problem(path, line, f"'{tomlfile.shown(key)}' must be a table [{tomlfile.shown(key)}]"))
            continue
        try:
            spec = _QuantitySpec.model_validate(table)
        except ValidationError as error:
            first = error.errors()[0]
            name = tomlfile.shown(".".join(str(part) for part in first["loc"]))
            problems.append(Problem(path, line, f"[{tomlfile.shown(key)}] {name}: {first['msg']}"))
            continue
        quantities.append(
            Quantity(
                key=key,
                label=spec.label,
                label_en=spec.label_en or spec.label,
                words=tuple(spec.words),
                context=tuple(spec.context),
                topic=spec.topic,
                cumulative=spec.cumulative,
            )
        )
    return tuple(quantities), problems


# --- extraction ---------------------------------------------------------------------------------


def _value(digits: str | None, adjective: str | None, word: str | None, multiplier: str | None) -> int | float | None:
    """The number a figure's groups say, or None when it is no finite number."""
    if digits:
        value: float = float(digits.replace(" ", "").replace("\u00a0", "").replace(",", "."))
    elif adjective:
        value = _THOUSAND_ADJECTIVES[adjective.lower().split("tysięczn")[0]] * 1000
    else:
        value = _WORD_NUMBERS[(word or "").lower()]
    if multiplier:
        value *= _MULTIPLIERS[multiplier.lower()]
    if not math.isfinite(value):
        return None  # hundreds of digits: no figure, and no JSON number either
    return int(value) if float(value).is_integer() else round(value, 6)


_CLAUSE_OPENERS = (",", ";", ":", "(", " – ", " - ")
_CLAUSE_CLOSERS = (",", ";", ":", ")", " – ")


def _occurrences(text: str, mark: str) -> list[int]:
    """Every offset of ``mark`` in ``text``, overlapping ones too (every one ``str.find`` can return)."""
    found, index = [], text.find(mark)
    while index != -1:
        found.append(index)
        index = text.find(mark, index + 1)
    return found


class _SentenceQuantities:
    """The quantities a sentence's figures may count, found once for all its figures.

    A figure counts a quantity when one of the quantity's words stands in the figure's clause
    (the part of the sentence between the punctuation around it) and the sentence has one of its
    context words. Searching for the punctuation and lemmatising the clause anew for every figure
    would be quadratic in a long sentence of numbers without punctuation. Here the
    sentence's punctuation and words are listed once, each quantity's words located in it once,
    and a figure costs a few binary searches. No word crosses a clause's edge (the marks are not
    word characters), so a clause's words are a run of the sentence's.
    """

    def __init__(self, sentence: str, quantities: tuple[QuantityMatcher, ...]) -> None:
        # A clause opens after the last opening mark that ends before the figure, and closes at
        # the first closing mark from the figure's end on.
        openers = sorted((at + len(mark), at + 1) for mark in _CLAUSE_OPENERS for at in _occurrences(sentence, mark))
        self._opener_ends = [end for end, _ in openers]
        self._opened_at = list(itertools.accumulate((start for _, start in openers), max))
        self._closers = sorted(at for mark in _CLAUSE_CLOSERS for at in _occurrences(sentence, mark))
        self._length = len(sentence)
        spans = lemmas.word_spans(sentence)
        self._word_starts = [start for start, _ in spans]
        keys = [lemmas.lemma(word) for _, word in spans]
        by_key: dict[str, list[int]] = {}
        for index, key in enumerate(keys):
            by_key.setdefault(key, []).append(index)

        def found(phrases: tuple[tuple[str, ...], ...]) -> list[tuple[int, int]]:
            """Where the phrases stand in the sentence: (first word, past the last), in order."""
            return sorted(
                (i, i + len(phrase))
                for phrase in phrases
                if phrase
                for i in by_key.get(phrase[0], ())
                if tuple(keys[i : i + len(phrase)]) == phrase
            )

        # Per quantity present: where its words start, and the nearest end of one starting there
        # or later (a word lies in a clause when it starts in it and ends by its end).
        self._present: list[tuple[str, list[int], list[int]]] = []
        for quantity in quantities:
            places = found(quantity.words)
            if places and (not quantity.context or found(quantity.context)):
                ends = list(itertools.accumulate(reversed([end for _, end in places]), min))[::-1]
                self._present.append((quantity.key, [start for start, _ in places], ends))

    def quantity(self, start: int, end: int) -> str | None:
        """The first quantity with a word in the clause of the figure at ``start..end``."""
        if not self._present:
            return None
        opened = bisect.bisect_right(self._opener_ends, start)
        left = self._opened_at[opened - 1] if opened else 0
        closed = bisect.bisect_left(self._closers, end)
        right = self._closers[closed] if closed < len(self._closers) else self._length
        first, stop = bisect.bisect_left(self._word_starts, left), bisect.bisect_left(self._word_starts, right)
        for key, starts, ends in self._present:
            index = bisect.bisect_left(starts, first)
            if index < len(starts) and ends[index] <= stop:
                return key
        return None


class _Skipped:
    """Spans of a sentence that hold no figures (its dates), asked by binary search: a sentence of
    thousands of dates and numbers, each number checked against every date, never finished."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        self._reach = list(itertools.accumulate((end for _, end in ordered), max))  # the furthest end so far

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``start..end`` overlaps a span: one of those starting before ``end`` reaches past ``start``."""
        before = bisect.bisect_left(self._starts, end)
        return before > 0 and self._reach[before - 1] > start


def find_figures(
    sentence: str, quantities: tuple[QuantityMatcher, ...] = (), skip: list[tuple[int, int]] | None = None
) -> list[Figure]:
    """The figures in a sentence; spans in ``skip`` (its dates) are not figures."""
    found: list[Figure] = []
    computed: list[_SentenceQuantities] = []
    skipped = _Skipped([*(skip or []), *_no_figures(sentence)])

    def quantity(start: int, end: int) -> str | None:  # read once a sentence, and only when it has a figure
        if not computed:
            computed.append(_SentenceQuantities(sentence, quantities))
        return computed[0].quantity(start, end)

    for match in _NUMBER.finditer(sentence):
        qualifier, digits, digit_adjective, adjective, word, multiplier, unit_text = match.group(
            "qualifier", "digits", "digit_adjective", "adjective", "word", "multiplier", "unit"
        )
        start, end = match.span()
        number = next(g for g in ("digits", "digit_adjective", "adjective", "word") if match.group(g))
        if skipped.overlaps(match.start(number), end):
            continue
        after = sentence[end : end + 3]
        if word and (after.startswith(" z ") or not qualifier and after[:1] == "-"):
            continue
        unit = _UNITS.get(unit_text.lower()) if unit_text else None
        if digit_adjective:
            factor, unit = _DIGIT_ADJECTIVES[match.group("stem").lower()]
            value = _value(match.group("adjective_digits"), None, None, None)
            value = value * factor if value is not None and not multiplier else None
        else:
            value = _value(digits, adjective, word, multiplier)
        if value is None:
            continue
        text_end = end
        counted = None
        if adjective or digit_adjective:
            following = _FOLLOWING_WORD.match(sentence, end)
            counted = following.group(1) if following else None
            text_end = following.end() if following else end
        elif unit is None:
            following = _FOLLOWING_WORD.match(sentence, end)
            if following and lemmas.lemma(following.group(1)) not in _NOT_COUNTED:
                counted = following.group(1)
                text_end = following.end()
        found.append(
            Figure(
                value=value,
                qualifier=_QUALIFIERS.get(qualifier.lower()) if qualifier else None,
                unit=unit,
                quantity=quantity(start, text_end) if quantities else None,
                text=sentence[start:text_end].strip(),
                counted=counted,
                start=start,
                end=text_end,
            )
        )
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
            "figure": self.figure,
            "article": self.article,
            "quote": self.quote,
            "line": self.line,
            "as_of": self.as_of.start,
            "as_of_precision": self.as_of.precision,
            "as_of_end": self.as_of.end,
            "topics": self.topics,
        }

    @classmethod
    def from_record(
        cls, record: dict[str, Any], values: dict[tuple[Any, ...], DateValue] | None = None
    ) -> SourcedFigure:
        """A figure from its store document. ``values``, when given, holds one DateValue per
        distinct date for many calls: a store has 150,000 figures on far fewer dates, and making
        a DateValue costs more than reading the rest of the document."""
        key = (record["as_of"], record["as_of_precision"], record["as_of_end"])
        as_of = values.get(key) if values is not None else None
        if as_of is None:
            as_of = DateValue(*key)
            if values is not None:
                values[key] = as_of
        return cls(record["figure"], record["article"], record["quote"], record["line"], as_of, tuple(record["topics"]))


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


#: The figures a group keeps, earliest first. A card shows those that fit in ``cards.CARD_BUDGET``
#: characters (900), each taking at least 16 of them, and counts the rest ("… (+N)"), so more
#: would never be shown; a large corpus has tens of thousands of one quantity.
KEPT_ENTRIES = 128


@dataclass(frozen=True, slots=True)
class FigureGroup:
    """The sources' figures for one quantity, in the order of their as-of dates."""

    quantity: Quantity
    entries: tuple[SourcedFigure, ...]  # the first ``KEPT_ENTRIES`` of them
    verdict: str  # "single", "agree", "dates" (values differ with the date) or "differ" (they contradict)
    count: int  # of all the figures
    #: Whether the sources give more than one value (compatible or not).
    varies: bool
    topics: frozenset[str]  # of all the figures


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
        varies = len({(e.figure.value, e.figure.qualifier) for e in entries}) > 1
        topics = frozenset(topic for e in entries for topic in e.topics)
        groups.append(FigureGroup(quantity, tuple(entries[:KEPT_ENTRIES]), verdict, len(entries), varies, topics))
    return groups


def _verdict(entries: list[SourcedFigure], cumulative: bool) -> str:
    """ "differ" if two figures of the same day, or a running total and a later lower one, exclude
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
        for second in entries[i + 1 :]:
            if compatible(first.figure, second.figure):
                continue
            same_day = first.as_of.last_day == second.as_of.last_day
            shrinking = cumulative and second.figure.value < first.figure.value
            verdict = "differ" if same_day or shrinking else ("dates" if verdict == "agree" else verdict)
    return verdict
