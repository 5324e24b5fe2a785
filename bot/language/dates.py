"""Dates with a precision, and the extraction of date expressions from Polish text.

Written by hand: ``dateparser.search_dates`` (the obvious library) finds full dates in Polish,
but it does not resolve weekdays against a publication date, has no notion of precision or of
"w nocy z piątku na sobotę", and reports many numbers as dates. The rules below are small,
listed in one place, and measured against hand-annotated articles in the tests.
"""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

Precision = Literal["day", "month", "year", "range"]
#: The precision of one end of a range.
Unit = Literal["day", "month", "year"]

#: What kind of expression a mention was; used by tests and the quality harness.
MentionKind = Literal["full", "no_year", "month", "year", "weekday", "relative", "range"]


@dataclass(frozen=True, slots=True)
class DateValue:
    """A date with its precision: a day, a month, a year, or a range.

    ``start`` is the first day of the period; ``end`` is set only for ranges, as their last day.
    A range's ends are days unless ``ends`` says otherwise: a topic's period from a fact of
    6 January 2022 to one of June 2023 ends in a month, not on an invented 30 June.
    """

    start: date
    precision: Precision = "day"
    end: date | None = None
    #: The precision of a range's two ends; None for days (or years, when the range runs from
    #: 1 January to 31 December: "w latach 2019–2021").
    ends: tuple[Unit, Unit] | None = None
    #: Date order: of periods starting on the same day, the longest first (2022, styczeń 2022,
    #: ...). Computed once, here: a large store's facts are sorted by it, and a computed key is slow.
    order: tuple[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.precision == "range":
            if self.end is None or self.end < self.start:
                raise ValueError("a range needs an end on or after its start")
            if self.ends is not None and not (
                _starts_unit(self.start, self.ends[0]) and _ends_unit(self.end, self.ends[1])
            ):
                raise ValueError("a range's ends must be whole units of their precision")
        elif self.end is not None or self.ends is not None:
            raise ValueError("only ranges have an end")
        object.__setattr__(self, "order", (self.start.toordinal(), -self.last_day.toordinal()))

    def __reduce__(self) -> tuple[type[DateValue], tuple[date, Precision, date | None, tuple[Unit, Unit] | None]]:
        return DateValue, (self.start, self.precision, self.end, self.ends)  # see Fact.__reduce__

    @property
    def bounds(self) -> tuple[Unit, Unit]:
        """The precision of the first and the last day: a range's ``ends``, or its precision twice."""
        if self.precision != "range":
            return self.precision, self.precision
        if self.ends is not None:
            return self.ends
        assert self.end is not None
        if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31):
            return "year", "year"
        return "day", "day"

    @property
    def first(self) -> DateValue:
        """The unit the value starts with: its first day, month or year."""
        return self if self.precision != "range" else DateValue(self.start, self.bounds[0])

    @property
    def last(self) -> DateValue:
        """The unit the value ends with: its last day, month or year."""
        if self.precision != "range":
            return self
        unit, end = self.bounds[1], self.last_day
        return DateValue(
            end.replace(day=1) if unit == "month" else end.replace(month=1, day=1) if unit == "year" else end, unit
        )

    def to_json(self) -> dict[str, str | None]:
        """``date`` (the first day), ``precision`` and ``end`` (of a range), as ``facts --json``
        and ``events --json`` give them (a contract: keep it)."""
        return {
            "date": self.start.isoformat(),
            "precision": self.precision,
            "end": self.end.isoformat() if self.end else None,
        }

    @property
    def last_day(self) -> date:
        """The last day the value covers."""
        if self.precision == "day":
            return self.start
        if self.precision == "month":
            days = calendar.monthrange(self.start.year, self.start.month)[1]
            return self.start.replace(day=days)
        if self.precision == "year":
            return self.start.replace(month=12, day=31)
        assert self.end is not None
        return self.end


def _starts_unit(value: date, unit: Unit) -> bool:
    return unit == "day" or value.day == 1 and (unit == "month" or value.month == 1)


def _ends_unit(value: date, unit: Unit) -> bool:
    return unit == "day" or (value + timedelta(days=1)).day == 1 and (unit == "month" or value.month == 12)


def day(value: date) -> DateValue:
    return DateValue(value, "day")


def month(year: int, month_number: int) -> DateValue:
    return DateValue(date(year, month_number, 1), "month")


def year(value: int) -> DateValue:
    return DateValue(date(value, 1, 1), "year")


def period(start: date, end: date) -> DateValue:
    """A range of days; a range of one day is just that day."""
    return day(start) if start == end else DateValue(start, "range", end)


def between(first: DateValue, last: DateValue) -> DateValue:
    """From the start of ``first`` to the end of ``last``, each end with its own precision.

    A value that covers the whole stretch is the answer itself (from "2022" to "9 stycznia 2022"
    is 2022); so is a range of days (6 to 9 January).
    """
    start, end = first.start, max(first.last_day, last.last_day)
    if first.last_day >= end:
        return first
    if last.start <= start:
        return last
    value = DateValue(start, "range", end)
    ends = (first.bounds[0], last.bounds[1])
    return value if value.bounds == ends else DateValue(start, "range", end, ends)


@dataclass(frozen=True, slots=True)
class Mention:
    """A date expression found in a sentence, resolved against the publication date."""

    start: int  # character offsets in the sentence
    end: int
    text: str
    kind: MentionKind
    value: DateValue


# --- Polish vocabulary -------------------------------------------------------------------------

_MONTHS_GENITIVE = (
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
)
_MONTHS_LOCATIVE = (
    "styczniu",
    "lutym",
    "marcu",
    "kwietniu",
    "maju",
    "czerwcu",
    "lipcu",
    "sierpniu",
    "wrześniu",
    "październiku",
    "listopadzie",
    "grudniu",
)
_MONTHS_NOMINATIVE = (
    "styczeń",
    "luty",
    "marzec",
    "kwiecień",
    "maj",
    "czerwiec",
    "lipiec",
    "sierpień",
    "wrzesień",
    "październik",
    "listopad",
    "grudzień",
)
_MONTH_NUMBER = {
    name: index + 1
    for names in (_MONTHS_GENITIVE, _MONTHS_LOCATIVE, _MONTHS_NOMINATIVE)
    for index, name in enumerate(names)
}

# Weekday forms after "w/we" (accusative) and after "z/ze ... na" (genitive); Monday is 0.
_WEEKDAYS_ACCUSATIVE = ("poniedziałek", "wtorek", "środę", "czwartek", "piątek", "sobotę", "niedzielę")
_WEEKDAYS_GENITIVE = ("poniedziałku", "wtorku", "środy", "czwartku", "piątku", "soboty", "niedzieli")
_WEEKDAY_NUMBER = {
    name: index for names in (_WEEKDAYS_ACCUSATIVE, _WEEKDAYS_GENITIVE) for index, name in enumerate(names)
}

# Adjectives of the weekdays ("środowa decyzja", "po czwartkowym posiedzeniu"), by their stem.
_WEEKDAY_ADJECTIVE_STEMS = ("poniedziałkow", "wtorkow", "środow", "czwartkow", "piątkow", "sobotn", "niedzieln")
_ADJECTIVE_ENDING = r"(?:ymi|ych|ego|emu|ej|ym|y|a|e|ą|imi|ich|iego|iemu|iej|im|ia|ie|ią|i)"  # "sobotni" is soft
# Adjectives of the days around the publication ("wczorajszy komunikat"), as days from it.
# "dzisiejszy" is left out here: "dzisiejsza Rosja" is today's Russia, not a day.
_DAY_ADJECTIVES = {"przedwczorajsz": -2, "wczorajsz": -1, "jutrzejsz": 1, "pojutrzejsz": 2}
# Parts of a day that, after "dzisiejszy", make it the publication day ("od dzisiejszego dnia").
_TODAY_NOUNS = ("dnia", "dzień", "dniu", "poranka", "ranka", "rana", "popołudnia", "wieczora", "wieczoru")
# Counts in the nominative, as in "za dwa dni", "dwa dni temu".
_COUNT_NOMINATIVE = {
    "dwa": 2,
    "trzy": 3,
    "cztery": 4,
    "pięć": 5,
    "sześć": 6,
    "siedem": 7,
    "osiem": 8,
    "dziewięć": 9,
    "dziesięć": 10,
    "czternaście": 14,
}
# Words that put a clause in the future tense: "będzie", "zostanie" and the future (perfective)
# forms of verbs that news reports plan with ("rozpocznie się w czwartek"), and "ma/mają" with
# an infinitive ("ma się odbyć"). A bare weekday in such a clause is the coming one.
_FUTURE_WORDS = (
    "będzie",
    "będą",
    "będziemy",
    "będziecie",
    "będę",
    "zostanie",
    "zostaną",
    "odbędzie",
    "odbędą",
    "rozpocznie",
    "rozpoczną",
    "zacznie",
    "zaczną",
    "zakończy",
    "zakończą",
    "skończy",
    "skończą",
    "potrwa",
    "potrwają",
    "przyjedzie",
    "przyjadą",
    "przyleci",
    "przylecą",
    "wyjedzie",
    "wyjadą",
    "wyleci",
    "wylecą",
    "spotka",
    "spotkają",
    "ogłosi",
    "ogłoszą",
    "przedstawi",
    "przedstawią",
    "podpisze",
    "podpiszą",
    "wejdzie",
    "wejdą",
    "zbierze",
    "zbiorą",
    "zdecyduje",
    "zdecydują",
    "wróci",
    "wrócą",
    "opuści",
    "opuszczą",
    "ruszy",
    "ruszą",
    "przyjmie",
    "przyjmą",
    "wystąpi",
    "wystąpią",
    "zagłosuje",
    "zagłosują",
    "odwiedzi",
    "odwiedzą",
    "wygłosi",
    "wygłoszą",
    "poleci",
    "polecą",
    "pojedzie",
    "pojadą",
    "dojdzie",
    "nastąpi",
    "otworzy",
    "otworzą",
    "zamknie",
    "zamkną",
    "rozpatrzy",
    "rozpatrzą",
    "omówi",
    "omówią",
)
_FUTURE = re.compile(rf"\b(?:{'|'.join(_FUTURE_WORDS)}|ma(?:ją)?\s+(?:się\s+)?\w+ć)\b", re.IGNORECASE)
# What ends a clause around a date, for the tense of its verb ("zapowiedział w niedzielę, że
# wojska wyjadą w środę": Sunday is past, Wednesday to come).
_CLAUSE_EDGE = re.compile(r"[,;:()–—]|\s-\s|\bże\b|\bgdy\b|\bkiedy\b|\bale\b|\ba\s", re.IGNORECASE)

_COUNT_WORDS = {
    "dwóch": 2,
    "dwu": 2,
    "trzech": 3,
    "czterech": 4,
    "pięciu": 5,
    "sześciu": 6,
    "siedmiu": 7,
    "ośmiu": 8,
    "dziewięciu": 9,
    "dziesięciu": 10,
    "czternastu": 14,
    "trzydziestu": 30,
}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_GEN = f"(?:{_alternation(_MONTHS_GENITIVE)})"
_LOC = f"(?:{_alternation(_MONTHS_LOCATIVE)})"
_NOM = f"(?:{_alternation(_MONTHS_NOMINATIVE)})"
_WD_ACC = f"(?:{_alternation(_WEEKDAYS_ACCUSATIVE)})"
_WD_GEN = f"(?:{_alternation(_WEEKDAYS_GENITIVE)})"
_YEAR_SUFFIX = r"(?:\s*(?:r\.|roku\b))?"
# A time of day after a date in a dateline or byline ("07.01.2022 09:15", "11.01.2022, godz. 14.40"):
# part of the date, so that it is neither a figure nor a second date.
_TIME = r"(?:,?\s*(?:godz\.\s*)?(?:[01]?\d|2[0-3])[:.][0-5]\d(?![\d.,:]\d))?"
_WD_ADJ = f"(?:{_alternation(_WEEKDAY_ADJECTIVE_STEMS)}){_ADJECTIVE_ENDING}"
_DAY_ADJ = f"(?:{_alternation(_DAY_ADJECTIVES)}){_ADJECTIVE_ENDING}"
_COUNT = rf"(?:\d{{1,2}}|{_alternation(_COUNT_NOMINATIVE)})"
_RELATIVE_YEAR = r"(?P<rel>tego|bieżącego|ubiegłego|zeszłego|przeszłego|przyszłego|poprzedniego)\s+roku\b"
_DAY_PART = r"(?:\s+(?:rano|wieczorem|po\s+południu|przed\s+południem|w\s+nocy|nad\s+ranem|około\s+południa))?"

_B = r"(?<![\w.,-])"  # no word character, digit group or decimal part right before
_E = r"(?!\w)"

# Each pattern has a name (the handler below) and is tried everywhere; overlaps are then
# settled in favour of the longest match, so "od 2 do 5 stycznia 2022" is one range.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in [
        (
            "day_range",
            rf"{_B}(?:od\s+|między\s+)?(?P<d1>\d{{1,2}})\s*(?:[-–—]|do|a)\s*(?P<d2>\d{{1,2}})\s+(?P<m>{_GEN})(?:\s+(?P<y>\d{{4}}){_YEAR_SUFFIX}|\s+{_RELATIVE_YEAR})?{_E}",
        ),
        (
            "month_range",
            rf"{_B}od\s+(?P<d1>\d{{1,2}})\s+(?P<m1>{_GEN})(?:\s+(?P<y1>\d{{4}}){_YEAR_SUFFIX})?\s+do\s+(?P<d2>\d{{1,2}})\s+(?P<m2>{_GEN})(?:\s+(?P<y2>\d{{4}}){_YEAR_SUFFIX})?{_E}",
        ),
        (
            "day_month",
            rf"{_B}(?P<od>od\s+)?(?P<d>\d{{1,2}})\s+(?P<m>{_GEN})(?:\s+(?P<y>\d{{4}}){_YEAR_SUFFIX}|\s+{_RELATIVE_YEAR})?{_E}",
        ),
        (
            "numeric",
            rf"{_B}(?P<od>od\s+)?(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}}){_YEAR_SUFFIX}(?![\w.]\d){_TIME}",
        ),
        ("iso", rf"{_B}(?P<od>od\s+)?(?P<y>\d{{4}})-(?P<m>\d{{2}})-(?P<d>\d{{2}}){_E}{_TIME}"),
        (
            "month_year",
            rf"{_B}(?:(?:w|we)\s+(?P<m_loc>{_LOC})|(?P<m_nom>{_NOM})|(?P<m_gen>{_GEN}))\s+(?P<y>\d{{4}}){_YEAR_SUFFIX}{_E}",
        ),
        ("month_in", rf"\b(?:w|we)\s+(?P<m>{_LOC})(?:\s+{_RELATIVE_YEAR})?{_E}"),
        (
            "month_part",
            rf"\b(?:na\s+początku|pod\s+koniec|w\s+połowie|z\s+końcem|na\s+przełomie|od\s+początku|do\s+końca)\s+(?P<m>{_GEN})(?:\s+(?P<y>\d{{4}}){_YEAR_SUFFIX}|\s+{_RELATIVE_YEAR})?{_E}",
        ),
        ("years", rf"\bw\s+latach\s+(?P<y1>\d{{4}})\s*[-–—]\s*(?P<y2>\d{{4}}){_E}"),
        ("year", rf"(?:\b(?:w|we|od|do|z|ze)\s+)?{_B}(?P<y>(?:19|20)\d\d)\s*(?:r\.|roku\b)"),
        (
            "year_relative",
            rf"\b(?:(?:na\s+początku|pod\s+koniec|w\s+połowie|od\s+początku)\s+(?P<rel_a>tego|bieżącego|ubiegłego|zeszłego|przyszłego)?\s*roku|w\s+(?P<rel_b>tym|bieżącym|ubiegłym|zeszłym|przyszłym)\s+roku){_E}",
        ),
        ("night", rf"\bw\s+nocy\s+(?:z|ze)\s+(?P<w1>{_WD_GEN})\s+na\s+(?P<w2>{_WD_ACC}){_E}"),
        (
            "weekday",
            rf"\b(?:w|we)\s+(?:(?P<mod>ubiegły|ubiegłą|zeszły|zeszłą|ostatni|ostatnią|przyszły|przyszłą|najbliższy|najbliższą)\s+)?(?P<w>{_WD_ACC}){_DAY_PART}{_E}",
        ),
        (
            "relative_day",
            rf"\b(?P<word>przedwczoraj|wczoraj|pojutrze|jutro|(?:dziś|dzisiaj)(?=\s+(?:rano|wieczorem|w\s+nocy|po\s+południu|przed\s+południem)))(?:{_DAY_PART}){_E}",
        ),
        (
            "last_days",
            rf"\b(?:w\s+ciągu\s+ostatnich|w\s+ostatnich|przez\s+ostatnie)\s+(?P<n>\d{{1,2}}|{_alternation(_COUNT_WORDS)})\s+(?:dni|dniach){_E}",
        ),
        ("year_bare", r"\b(?:w|we|sprzed)\s+(?P<y>(?:19|20)\d\d)(?=\s*[,;:)]|\s*\.?\s*$|\s+[–—-]\s)"),
        ("weekday_adj", rf"\b(?P<od>od\s+)?(?P<w>{_WD_ADJ}){_E}"),
        ("weekday_from", rf"\bod\s+(?P<w>{_WD_GEN}){_E}(?!\s+do\b)"),
        ("day_adj", rf"\b(?P<od>od\s+)?(?P<a>{_DAY_ADJ}){_E}"),
        ("today_adj", rf"\b(?P<od>od\s+)?dzisiejsz{_ADJECTIVE_ENDING}\s+(?:{_alternation(_TODAY_NOUNS)}){_E}"),
        ("last_evening", rf"\b(?P<od>od\s+)?(?:zeszłego|ubiegłego|wczorajszego)\s+wieczor[au]{_E}"),
        ("last_night", rf"\b(?:zeszłej|ubiegłej|minionej)\s+nocy{_E}"),
        ("days_ahead", rf"\bza\s+(?:(?P<n>{_COUNT})\s+(?P<unit>dni|tygodnie|tygodni)|(?P<week>tydzień)){_E}"),
        ("days_ago", rf"\b(?:(?P<n>{_COUNT})\s+(?P<unit>dni|tygodnie|tygodni)|(?P<week>tydzień))\s+temu{_E}"),
    ]
]


# Words without which a pattern cannot match (lower case), and whether it needs a digit: a
# sentence is tried only against the patterns it could match. Fifteen regular expressions over
# every sentence were a third of the extraction time of a large archive.
_TRIGGER_WORDS: dict[str, tuple[str, ...]] = {
    "genitive": _MONTHS_GENITIVE,
    "locative": _MONTHS_LOCATIVE,
    "month": (*_MONTHS_GENITIVE, *_MONTHS_LOCATIVE, *_MONTHS_NOMINATIVE),
    "weekday": _WEEKDAYS_ACCUSATIVE,
    "latach": ("latach",),
    "year": ("r.", "roku"),
    "roku": ("roku",),
    "nocy": ("nocy",),
    "relative": ("wczoraj", "jutr", "dziś", "dzisiaj"),  # "jutr": "pojutrze" too
    "ostatni": ("ostatni",),
    "weekday_adj": _WEEKDAY_ADJECTIVE_STEMS,
    "weekday_gen": _WEEKDAYS_GENITIVE,
    "day_adj": ("wczorajsz", "jutrzejsz"),  # "przedwczorajsz", "pojutrzejsz" too
    "dzisiejsz": ("dzisiejsz",),
    "wieczor": ("wieczor",),
    "span": ("dni", "tydzień", "tygodn"),
    "": ("",),
}
_TRIGGERS: dict[str, tuple[str, bool]] = {
    "day_range": ("genitive", True),
    "month_range": ("genitive", True),
    "day_month": ("genitive", True),
    "numeric": ("", True),
    "iso": ("", True),
    "month_year": ("month", True),
    "month_in": ("locative", False),
    "month_part": ("genitive", False),
    "years": ("latach", True),
    "year": ("year", True),
    "year_relative": ("roku", False),
    "night": ("nocy", False),
    "weekday": ("weekday", False),
    "relative_day": ("relative", False),
    "last_days": ("ostatni", False),
    "year_bare": ("", True),
    "weekday_adj": ("weekday_adj", False),
    "weekday_from": ("weekday_gen", False),
    "day_adj": ("day_adj", False),
    "today_adj": ("dzisiejsz", False),
    "last_evening": ("wieczor", False),
    "last_night": ("nocy", False),
    "days_ahead": ("span", False),
    "days_ago": ("span", False),
}
assert set(_TRIGGERS) == {name for name, _ in _PATTERNS}
_DIGIT = re.compile(r"\d")
#: Whether any of a group's words occurs (anywhere, as a substring) in a lower-cased sentence.
_TRIGGER_SEARCH = {group: re.compile("|".join(map(re.escape, words))).search for group, words in _TRIGGER_WORDS.items()}


def _candidate_patterns(text: str) -> list[tuple[int, str, re.Pattern[str]]]:
    """The patterns (with their priority) that ``text`` could match."""
    low = text.lower()
    has_digit = _DIGIT.search(text) is not None
    present: dict[str, bool] = {}
    found = []
    for priority, (name, pattern) in enumerate(_PATTERNS):
        group, needs_digit = _TRIGGERS[name]
        if needs_digit and not has_digit:
            continue
        if group not in present:
            present[group] = _TRIGGER_SEARCH[group](low) is not None
        if present[group]:
            found.append((priority, name, pattern))
    return found


# --- resolution --------------------------------------------------------------------------------


def infer_year(month_number: int, day_number: int, published: date) -> int:
    """The year of a date written without one: the nearest such date to the publication,
    where the future counts three times as far (news mostly reports what has happened)."""
    best_year, best_cost = published.year, None
    for candidate_year in (published.year - 1, published.year, published.year + 1):
        safe_day = min(day_number, calendar.monthrange(candidate_year, month_number)[1])
        candidate = date(candidate_year, month_number, safe_day)
        distance = (candidate - published).days
        cost = distance * 3 if distance > 0 else -distance
        if best_cost is None or cost < best_cost:
            best_year, best_cost = candidate_year, cost
    return best_year


def _relative_year(word: str | None, published: date) -> int | None:
    if not word:
        return None
    word = word.lower()
    if word in ("tego", "bieżącego", "tym", "bieżącym"):
        return published.year
    if word in ("ubiegłego", "zeszłego", "przeszłego", "poprzedniego", "ubiegłym", "zeszłym"):
        return published.year - 1
    return published.year + 1  # przyszłego / przyszłym


def last_weekday(weekday: int, published: date) -> date:
    """The latest such weekday on or before the publication date."""
    return published - timedelta(days=(published.weekday() - weekday) % 7)


def next_weekday(weekday: int, published: date) -> date:
    """The earliest such weekday on or after the publication date."""
    return published + timedelta(days=(weekday - published.weekday()) % 7)


_CLAUSE_WINDOW = 200


def _in_future_clause(match: re.Match[str]) -> bool:
    """Whether the clause around a matched date speaks of the future ("rozpocznie się w czwartek")."""
    text = match.string
    # Looked for within a window around the date: a sentence may be a megabyte of weekdays.
    left = max(0, match.start() - _CLAUSE_WINDOW)
    for edge in _CLAUSE_EDGE.finditer(text, left, match.start()):
        left = edge.end()
    edge_after = _CLAUSE_EDGE.search(text, match.end(), match.end() + _CLAUSE_WINDOW)
    right = edge_after.start() if edge_after else min(len(text), match.end() + _CLAUSE_WINDOW)
    return _FUTURE.search(text, left, right) is not None


def _safe_date(year_number: int, month_number: int, day_number: int) -> date | None:
    try:
        return date(year_number, month_number, day_number)
    except ValueError:
        return None


def _month(name: str) -> int:
    return _MONTH_NUMBER[name.lower()]


def _open_range(start: date, published: date, published_is_day: bool) -> DateValue:
    """ "od 2 stycznia" means from then until (at least) the article's date."""
    if published_is_day and published > start:
        return period(start, published)
    return day(start)


def _resolve(
    name: str, match: re.Match[str], published: date, published_is_day: bool
) -> tuple[MentionKind, DateValue] | None:
    g = match.groupdict()
    if name == "day_range":
        m = _month(g["m"])
        y = int(g["y"]) if g["y"] else _relative_year(g.get("rel"), published)
        y = y or infer_year(m, int(g["d1"]), published)
        first, last = _safe_date(y, m, int(g["d1"])), _safe_date(y, m, int(g["d2"]))
        if first is None or last is None or last < first:
            return None
        return "range", period(first, last)
    if name == "month_range":
        m1, m2 = _month(g["m1"]), _month(g["m2"])
        y2 = int(g["y2"]) if g["y2"] else infer_year(m2, int(g["d2"]), published)
        y1 = int(g["y1"]) if g["y1"] else (y2 if m1 <= m2 else y2 - 1)
        first, last = _safe_date(y1, m1, int(g["d1"])), _safe_date(y2, m2, int(g["d2"]))
        if first is None or last is None or last < first:
            return None
        return "range", period(first, last)
    if name == "day_month":
        m, d = _month(g["m"]), int(g["d"])
        explicit = int(g["y"]) if g["y"] else _relative_year(g.get("rel"), published)
        value = _safe_date(explicit or infer_year(m, d, published), m, d)
        if value is None:
            return None
        kind: MentionKind = "full" if g["y"] else "no_year"
        if g["od"]:
            resolved = _open_range(value, published, published_is_day)
            return ("range" if resolved.precision == "range" else kind), resolved
        return kind, day(value)
    if name in ("numeric", "iso"):
        value = _safe_date(int(g["y"]), int(g["m"]), int(g["d"]))
        if value is None:
            return None
        if g["od"]:
            resolved = _open_range(value, published, published_is_day)
            return ("range" if resolved.precision == "range" else "full"), resolved
        return "full", day(value)
    if name == "month_year":
        m = _month(g["m_loc"] or g["m_nom"] or g["m_gen"])
        return "month", month(int(g["y"]), m)
    if name in ("month_in", "month_part"):
        m = _month(g["m"])
        explicit = int(g["y"]) if g.get("y") else _relative_year(g.get("rel"), published)
        return "month", month(explicit or infer_year(m, 15, published), m)
    if name == "years":
        y1, y2 = int(g["y1"]), int(g["y2"])
        if y2 < y1:
            return None
        return "range", DateValue(date(y1, 1, 1), "range", date(y2, 12, 31))
    if name in ("year", "year_bare"):
        return "year", year(int(g["y"]))
    if name == "year_relative":
        y = _relative_year(g["rel_a"] or g["rel_b"] or "tego", published)
        assert y is not None
        return "year", year(y)
    # Everything below counts days from the publication date, so it needs a day-precise one.
    if not published_is_day:
        return None
    if name == "night":
        first = last_weekday(_WEEKDAY_NUMBER[g["w1"].lower()], published)
        second = first + timedelta(days=1)
        if second.weekday() != _WEEKDAY_NUMBER[g["w2"].lower()]:
            return None
        if second > published:  # the night that ended on the publication day at the latest
            first, second = first - timedelta(days=7), second - timedelta(days=7)
        return "range", period(first, second)
    if name == "weekday":
        target = _WEEKDAY_NUMBER[g["w"].lower()]
        modifier = (g["mod"] or "").lower()
        if modifier.startswith(("przysz", "najbli")):
            ahead = (target - published.weekday()) % 7 or 7
            return "weekday", day(published + timedelta(days=ahead))
        if not modifier and _in_future_clause(match):
            return "weekday", day(next_weekday(target, published))
        value = last_weekday(target, published)
        if modifier and value == published:
            value -= timedelta(days=7)  # "w ubiegły piątek" said on a Friday is a week ago
        return "weekday", day(value)
    if name in ("weekday_adj", "weekday_from"):
        word = g["w"].lower()
        target = (
            _WEEKDAY_NUMBER[word]
            if name == "weekday_from"
            else next(i for i, stem in enumerate(_WEEKDAY_ADJECTIVE_STEMS) if word.startswith(stem))
        )
        if _in_future_clause(match):
            return "weekday", day(next_weekday(target, published))
        value = last_weekday(target, published)
        if name == "weekday_from" or g["od"]:
            resolved = _open_range(value, published, True)
            return ("range" if resolved.precision == "range" else "weekday"), resolved
        return "weekday", day(value)
    if name in ("day_adj", "today_adj", "last_evening"):
        if name == "day_adj":
            offset = next(v for stem, v in _DAY_ADJECTIVES.items() if g["a"].lower().startswith(stem))
        else:
            offset = 0 if name == "today_adj" else -1
        value = published + timedelta(days=offset)
        if g["od"] and offset <= 0:
            resolved = _open_range(value, published, True)
            return ("range" if resolved.precision == "range" else "relative"), resolved
        return "relative", day(value)
    if name == "last_night":
        return "range", period(published - timedelta(days=1), published)
    if name in ("days_ahead", "days_ago"):
        if g["week"]:
            count = 7
        else:
            raw = g["n"].lower()
            count = int(raw) if raw.isdigit() else _COUNT_NOMINATIVE[raw]
            count *= 1 if g["unit"].lower() == "dni" else 7
        if count < 1:
            return None
        return "relative", day(published + timedelta(days=count if name == "days_ahead" else -count))
    if name == "relative_day":
        word = g["word"].lower()
        offset = {"przedwczoraj": -2, "wczoraj": -1, "jutro": 1, "pojutrze": 2}.get(word, 0)
        return "relative", day(published + timedelta(days=offset))
    if name == "last_days":
        raw = g["n"].lower()
        count = int(raw) if raw.isdigit() else _COUNT_WORDS[raw]
        if count < 1:
            return None
        return "range", period(published - timedelta(days=count - 1), published)
    raise AssertionError(f"unhandled date pattern {name}")


def _resolve_in_calendar(
    name: str, match: re.Match[str], published: date, published_is_day: bool
) -> tuple[MentionKind, DateValue] | None:
    """``_resolve``, or None when the date falls outside the years 1-9999 that ``date`` holds
    ("jutro" in an article published on 9999-12-31, "w ubiegłym roku" in one of the year 1)."""
    try:
        return _resolve(name, match, published, published_is_day)
    except (ValueError, OverflowError):
        return None


class _Spans:
    """Disjoint spans of a text, in order: whether a new one overlaps any is a binary search.

    (A scan of every span taken so far would make a text full of dates quadratic.)
    """

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def take(self, start: int, end: int) -> bool:
        """Add ``start..end`` unless it overlaps a span already taken; whether it was added."""
        index = bisect.bisect_left(self._starts, end)
        if index and self._ends[index - 1] > start:  # the last span starting before ``end``
            return False
        index = bisect.bisect_left(self._starts, start)
        self._starts.insert(index, start)
        self._ends.insert(index, end)
        return True


def find_dates(text: str, published: date, published_is_day: bool = True) -> list[Mention]:
    """Every date expression in ``text``, resolved against the publication date.

    Expressions that cannot be resolved (a weekday in an article dated only to the month, an
    impossible date such as 31 lutego) are left out.
    """
    candidates: list[tuple[int, int, int, str, re.Match[str]]] = []
    for priority, name, pattern in _candidate_patterns(text):
        for match in pattern.finditer(text):
            candidates.append((match.start(), -(match.end() - match.start()), priority, name, match))
    candidates.sort(key=lambda c: (c[1], c[0], c[2]))  # longest first, then leftmost
    taken = _Spans()
    mentions: list[Mention] = []
    for start, negative_length, _, name, match in candidates:
        end = start - negative_length
        if not taken.take(start, end):  # an impossible "31 lutego 2022" still hides "lutego 2022"
            continue
        resolved = _resolve_in_calendar(name, match, published, published_is_day)
        if resolved is None:
            continue
        kind, value = resolved
        mentions.append(Mention(start, end, match.group(0).strip(), kind, value))
    mentions.sort(key=lambda m: m.start)
    return _merge_weekday_appositions(text, _with_listed_days(text, mentions))


_LISTED_DAY = re.compile(r"(?<![\w.,-])(\d{1,2})(?:\s*,\s*|\s+(?:i|oraz)\s+)$")
_DAY_AND_MONTH_NAME = re.compile(r"\d{1,2}\s+[^\W\d]")
"""A date that opens with its day and a month's name ("7 stycznia"), as a list of days ends;
"06.01.2022" or "2022-01-06" after "2, " lists nothing."""


def _with_listed_days(text: str, mentions: list[Mention]) -> list[Mention]:
    """ "6 i 7 stycznia", "5, 6 i 7 stycznia": the days listed before a date share its month and
    year. Each is a mention of its own, reaching to the end of the date that completes it."""
    if not any(m.kind in ("full", "no_year") for m in mentions):
        return mentions
    listed: list[Mention] = []
    for mention in mentions:
        if mention.kind not in ("full", "no_year") or not _DAY_AND_MONTH_NAME.match(mention.text):
            continue
        start, first_day = mention.start, mention.value.start.day
        while (found := _LISTED_DAY.search(text, max(0, start - 12), start)) is not None:
            value = _safe_date(mention.value.start.year, mention.value.start.month, int(found.group(1)))
            if value is None or value.day >= first_day:
                break
            start, first_day = found.start(1), value.day
            listed.append(Mention(start, mention.end, text[start : mention.end], mention.kind, day(value)))
    return sorted([*mentions, *listed], key=lambda m: m.start) if listed else mentions


def _merge_weekday_appositions(text: str, mentions: list[Mention]) -> list[Mention]:
    """ "w środę 12 stycznia": the weekday names the date that follows; one mention, not two."""
    merged: list[Mention] = []
    for mention in mentions:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.kind == "weekday"
            and mention.kind in ("full", "no_year")
            and re.fullmatch(r"[\s,]*", text[previous.end : mention.start])
        ):
            merged[-1] = Mention(
                previous.start, mention.end, text[previous.start : mention.end], mention.kind, mention.value
            )
        else:
            merged.append(mention)
    return merged


def parse_month_day(text: str) -> tuple[int, int] | None:
    """``MM-DD`` (29 February allowed) or None."""
    match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", text.strip())
    if not match:
        return None
    month_number, day_number = int(match.group(1)), int(match.group(2))
    if _safe_date(2000, month_number, day_number) is None:  # 2000 is a leap year
        return None
    return month_number, day_number


def parse_period(text: str) -> DateValue | None:
    """A period typed by a user: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or ``A..B``."""
    text = text.strip()
    if ".." in text:
        left, _, right = text.partition("..")
        first, last = parse_period(left), parse_period(right)
        if first is None or last is None or last.last_day < first.start:
            return None
        return period(first.start, last.last_day)
    if re.fullmatch(r"\d{4}", text):
        return year(int(text)) if 1 <= int(text) <= 9999 else None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if match:
        y, m = int(match.group(1)), int(match.group(2))
        return month(y, m) if 1 <= m <= 12 and y >= 1 else None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if match:
        value = _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return day(value) if value else None
    return None
