"""Date mentions in Polish text, resolved against an article's publication date.

Every expected value is worked out by hand from the calendar, not copied from the program:
2022-01-01 was a Saturday, so in 2022 January 9 is a Sunday, January 12 a Wednesday,
January 20 a Thursday, February 21 a Monday, February 24 a Thursday, February 25 a Friday,
February 26 a Saturday and March 1 a Tuesday.
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from bot.language import dates
from bot.language.dates import (
    DateValue,
    Mention,
    between,
    day,
    find_dates,
    infer_year,
    month,
    parse_month_day,
    parse_period,
    period,
    year,
)

SATURDAY = date(2022, 2, 26)
FRIDAY = date(2022, 2, 25)
SUNDAY_JAN_9 = date(2022, 1, 9)
LATER = date(2023, 6, 1)  # far from every explicit date below, so the year must come from the text


def only(text: str, published: date, published_is_day: bool = True) -> Mention:
    """The single mention found in ``text``; fails when there are none or several."""
    mentions = find_dates(text, published, published_is_day)
    assert len(mentions) == 1, mentions
    mention = mentions[0]
    assert text[mention.start : mention.end] == mention.text
    return mention


# --- full dates --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected_text", "expected"),
    [
        ("Wojska wkroczyły 6 stycznia 2022 do Ałmaty.", "6 stycznia 2022", date(2022, 1, 6)),
        ("Dnia 6 stycznia 2022 r. wkroczyły wojska.", "6 stycznia 2022 r.", date(2022, 1, 6)),
        ("Z relacji „Guardiana” (07.01.2022 r.) wynika, że", "07.01.2022 r.", date(2022, 1, 7)),
        ("Raport z 2022-01-06 podaje liczby.", "2022-01-06", date(2022, 1, 6)),
    ],
)
@pytest.mark.parametrize("published_is_day", [True, False])  # a full date needs no day to count from
def test_full_dates_are_days(text: str, expected_text: str, expected: date, published_is_day: bool) -> None:
    mention = only(text, LATER, published_is_day)
    assert (mention.text, mention.kind, mention.value) == (expected_text, "full", DateValue(expected, "day"))


# Suspected bug: once "31 lutego 2022" is rejected, the shorter "lutego 2022" inside it is kept.


@pytest.mark.parametrize(
    "text",
    [
        "Dnia 31.02.2022 nic się nie stało.",
        "Dnia 31.02.2022 r. nic się nie stało.",
        # A rejected date hides the shorter expressions inside it ("lutego 2022").
        "Dnia 31 lutego 2022 nic się nie stało.",
        "Dnia 31 lutego 2022 r. nic się nie stało.",
        "Trwało to od 30 lutego do 3 marca 2022.",
    ],
)
def test_impossible_dates_yield_nothing(text: str) -> None:
    assert find_dates(text, LATER) == []


# --- dates without a year ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("Protesty wybuchły 2 stycznia.", SATURDAY, date(2022, 1, 2)),  # 55 days earlier
        ("Zamieszki zaczęły się 30 grudnia.", SUNDAY_JAN_9, date(2021, 12, 30)),  # 10 days earlier
        ("Szczyt odbędzie się 6 stycznia.", date(2022, 12, 20), date(2023, 1, 6)),  # 17 days ahead
        # 2022-01-02 is 204 days back, 2023-01-02 is 161 days ahead: the past is preferred.
        ("Protesty wybuchły 2 stycznia.", date(2022, 7, 25), date(2022, 1, 2)),
        ("Dnia 29 lutego padał śnieg.", date(2024, 3, 5), date(2024, 2, 29)),  # 2024 is a leap year
    ],
)
def test_dates_without_a_year(text: str, published: date, expected: date) -> None:
    mention = only(text, published)
    assert (mention.kind, mention.value) == ("no_year", DateValue(expected, "day"))


def test_this_year_names_the_publication_year() -> None:
    # Without "tego roku" the nearest 6 January to 2022-12-20 would be in 2023.
    mention = only("Było to 6 stycznia tego roku.", date(2022, 12, 20))
    assert mention.text == "6 stycznia tego roku"
    assert mention.value == DateValue(date(2022, 1, 6), "day")


# --- months and years --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "published", "expected_text", "expected"),
    [
        ("jeszcze w styczniu tego roku rosyjskie siły", SATURDAY, "w styczniu tego roku", date(2022, 1, 1)),
        ("Umowę podpisano w lipcu 2021 r. w Moskwie.", SATURDAY, "w lipcu 2021 r.", date(2021, 7, 1)),
        ("Wojska wyszły na początku marca.", date(2022, 4, 10), "na początku marca", date(2022, 3, 1)),
        ("Rozmowy trwały w grudniu.", SUNDAY_JAN_9, "w grudniu", date(2021, 12, 1)),
    ],
)
def test_months(text: str, published: date, expected_text: str, expected: date) -> None:
    mention = only(text, published)
    assert (mention.text, mention.kind, mention.value) == (expected_text, "month", DateValue(expected, "month"))


@pytest.mark.parametrize(
    ("text", "expected_text", "expected_year"),
    [
        ("Ceny wzrosły w 2021 roku o połowę.", "w 2021 roku", 2021),
        ("Od wyborów 2020 r. nic się nie zmieniło.", "2020 r.", 2020),
        ("na początku roku Rosja wysłała żołnierzy", "na początku roku", 2022),
        ("Eksport spadł w ubiegłym roku.", "w ubiegłym roku", 2021),
    ],
)
def test_years(text: str, expected_text: str, expected_year: int) -> None:
    mention = only(text, SATURDAY)
    assert (mention.text, mention.kind) == (expected_text, "year")
    assert mention.value == DateValue(date(expected_year, 1, 1), "year")


# --- weekdays and relative days ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected_text", "kind", "expected"),
    [
        ("Putin ogłosił w poniedziałek uznanie republik.", "w poniedziałek", "weekday", date(2022, 2, 21)),
        ("Wojna rozpoczęła się w czwartek rano po tym,", "w czwartek rano", "weekday", date(2022, 2, 24)),
        ("Ostrzał trwał w sobotę od świtu.", "w sobotę", "weekday", date(2022, 2, 26)),
        ("Spotkali się w ubiegłą sobotę.", "w ubiegłą sobotę", "weekday", date(2022, 2, 19)),
        ("Rozmowy wznowią w przyszły wtorek.", "w przyszły wtorek", "weekday", date(2022, 3, 1)),
        ("Rakiety spadły wczoraj na Kijów.", "wczoraj", "relative", date(2022, 2, 25)),
    ],
)
def test_weekdays_count_from_a_saturday(text: str, expected_text: str, kind: str, expected: date) -> None:
    mention = only(text, SATURDAY)
    assert (mention.text, mention.kind, mention.value) == (expected_text, kind, DateValue(expected, "day"))


@pytest.mark.parametrize(
    "text",
    ["w poniedziałek", "w czwartek rano", "wczoraj", "w nocy z piątku na sobotę", "w ciągu ostatnich siedmiu dni"],
)
def test_day_counting_needs_a_day_precise_publication_date(text: str) -> None:
    assert find_dates(f"Stało się to {text}.", SATURDAY, published_is_day=False) == []


def test_weekday_before_a_date_is_one_mention_with_the_date() -> None:
    # Published on Thursday 2022-01-20: a bare "w środę" would be 2022-01-19; the date says the 12th.
    mention = only("Parlament zebrał się w środę 12 stycznia.", date(2022, 1, 20))
    assert (mention.text, mention.value) == ("w środę 12 stycznia", DateValue(date(2022, 1, 12), "day"))


# --- nights and ranges -------------------------------------------------------------------------
NIGHT = "W nocy z piątku na sobotę stolica Ukrainy znalazła się pod ostrzałem."


@pytest.mark.parametrize(
    ("text", "published", "expected_text", "first", "last"),
    [
        (NIGHT, SATURDAY, "W nocy z piątku na sobotę", date(2022, 2, 25), date(2022, 2, 26)),
        # Published on the Friday: that night has not ended yet, so it is the week before.
        (NIGHT, FRIDAY, "W nocy z piątku na sobotę", date(2022, 2, 18), date(2022, 2, 19)),
        (
            "W Kazachstanie od 2 stycznia trwają protesty.",
            SUNDAY_JAN_9,
            "od 2 stycznia",
            date(2022, 1, 2),
            date(2022, 1, 9),
        ),
        (
            "Protesty trwały od 2 do 5 stycznia 2022 w całym kraju.",
            SATURDAY,
            "od 2 do 5 stycznia 2022",
            date(2022, 1, 2),
            date(2022, 1, 5),
        ),
        (
            "Protesty trwały 2–5 stycznia 2022 w całym kraju.",
            SATURDAY,
            "2–5 stycznia 2022",
            date(2022, 1, 2),
            date(2022, 1, 5),
        ),
        (
            "Strajk trwał od 28 grudnia do 3 stycznia.",
            SUNDAY_JAN_9,
            "od 28 grudnia do 3 stycznia",
            date(2021, 12, 28),
            date(2022, 1, 3),
        ),
        (
            "Policja zatrzymała w ciągu ostatnich siedmiu dni ponad 5 tysięcy osób.",
            SUNDAY_JAN_9,
            "w ciągu ostatnich siedmiu dni",
            date(2022, 1, 3),
            date(2022, 1, 9),
        ),
        (
            "Susza trwała w latach 2019-2021 na południu.",
            SATURDAY,
            "w latach 2019-2021",
            date(2019, 1, 1),
            date(2021, 12, 31),
        ),
    ],
)
def test_ranges(text: str, published: date, expected_text: str, first: date, last: date) -> None:
    mention = only(text, published)
    assert (mention.text, mention.kind) == (expected_text, "range")
    assert mention.value == DateValue(first, "range", last)


# --- figures are not dates ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Aresztowano ponad 3000 osób, 400 poddano hospitalizacji.",
        "Państwa dzieli licząca 7,6 tys. km granica.",
        "Siły porządkowe zatrzymały 5 135 osób, w tym obcokrajowców.",
        "Kazachstan przeznaczy 918 mln dolarów na obronność.",
        "W zamieszkach straciło życie 16 funkcjonariuszy, a ponad 1300 zostało rannych.",
    ],
)
def test_figures_are_not_dates(text: str) -> None:
    assert find_dates(text, SATURDAY) == []


def test_several_mentions_in_order_with_offsets() -> None:
    text = "Protesty wybuchły 2 stycznia, a od 5 stycznia obowiązuje stan wyjątkowy; w czwartek rano weszły wojska."
    mentions = find_dates(text, SUNDAY_JAN_9)
    expected = [
        ("2 stycznia", "no_year", DateValue(date(2022, 1, 2), "day")),
        ("od 5 stycznia", "range", DateValue(date(2022, 1, 5), "range", date(2022, 1, 9))),
        ("w czwartek rano", "weekday", DateValue(date(2022, 1, 6), "day")),
    ]
    assert [(m.text, m.kind, m.value) for m in mentions] == expected
    offsets = [(text.index(t), text.index(t) + len(t)) for t, _, _ in expected]
    assert [(m.start, m.end) for m in mentions] == offsets
    assert all(text[m.start : m.end] == m.text for m in mentions)


# --- DateValue ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "last"),
    [
        (DateValue(date(2022, 1, 6)), date(2022, 1, 6)),
        (DateValue(date(2024, 2, 1), "month"), date(2024, 2, 29)),
        (DateValue(date(2023, 2, 1), "month"), date(2023, 2, 28)),
        (DateValue(date(2021, 1, 1), "year"), date(2021, 12, 31)),
        (DateValue(date(2022, 1, 2), "range", date(2022, 1, 5)), date(2022, 1, 5)),
    ],
)
def test_last_day(value: DateValue, last: date) -> None:
    assert value.last_day == last


@pytest.mark.parametrize(
    ("precision", "end"),
    [("range", None), ("range", date(2022, 1, 4)), ("day", date(2022, 1, 6))],  # no end, end first, end on a day
)
def test_invalid_date_values(precision: str, end: date | None) -> None:
    with pytest.raises(ValueError):
        DateValue(date(2022, 1, 5), precision, end)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "end", "ends"),
    [
        (date(2022, 1, 5), date(2022, 6, 30), ("month", "month")),  # a month starts on its first day
        (date(2022, 1, 1), date(2022, 6, 29), ("day", "month")),  # and ends on its last
        (date(2022, 1, 1), date(2022, 12, 30), ("year", "year")),
    ],
)
def test_a_range_ends_are_whole_units(start: date, end: date, ends: tuple[str, str]) -> None:
    with pytest.raises(ValueError):
        DateValue(start, "range", end, ends)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        DateValue(start, "day", None, ("day", "day"))


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (day(date(2022, 1, 6)), day(date(2022, 1, 9)), period(date(2022, 1, 6), date(2022, 1, 9))),
        (day(date(2022, 1, 6)), day(date(2022, 1, 6)), day(date(2022, 1, 6))),
        # the last fact's month is not cut down to an invented last day, nor the first's to a first day
        (
            day(date(2022, 2, 21)),
            month(2023, 6),
            DateValue(date(2022, 2, 21), "range", date(2023, 6, 30), ("day", "month")),
        ),
        (month(2022, 1), month(2022, 6), DateValue(date(2022, 1, 1), "range", date(2022, 6, 30), ("month", "month"))),
        (year(2021), day(date(2022, 1, 9)), DateValue(date(2021, 1, 1), "range", date(2022, 1, 9), ("year", "day"))),
        (year(2019), year(2021), DateValue(date(2019, 1, 1), "range", date(2021, 12, 31))),  # as "w latach" reads
        # one value covering the whole stretch is the answer: "2022", not "2022–2022"
        (year(2022), year(2022), year(2022)),
        (year(2022), day(date(2022, 1, 9)), year(2022)),
        (month(2022, 1), day(date(2022, 1, 9)), month(2022, 1)),
        (day(date(2022, 1, 2)), month(2022, 1), month(2022, 1)),
    ],
)
def test_between_keeps_each_end_precision(first: DateValue, last: DateValue, expected: DateValue) -> None:
    assert between(first, last) == expected
    assert between(first, last).start <= first.start


# --- parsing what a user types -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022", DateValue(date(2022, 1, 1), "year")),
        ("2022-01", DateValue(date(2022, 1, 1), "month")),
        ("2022-01-06", DateValue(date(2022, 1, 6), "day")),
        ("2022-01-01..2022-01-31", DateValue(date(2022, 1, 1), "range", date(2022, 1, 31))),
        ("2022-01..2022-03", DateValue(date(2022, 1, 1), "range", date(2022, 3, 31))),
        ("2022-01-06..2022-01-06", DateValue(date(2022, 1, 6), "day")),  # a one-day range is that day
        # No 13th month, no 30 February, not a date, nothing, a range that ends before it starts.
        *[(bad, None) for bad in ("2022-13", "2022-02-30", "abc", "", "2022-02-01..2022-01-01")],
    ],
)
def test_parse_period(text: str, expected: DateValue | None) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("01-06", (1, 6)), ("02-29", (2, 29)), ("02-30", None), ("13-01", None), ("1-6-7", None), ("", None)],
)
def test_parse_month_day(text: str, expected: tuple[int, int] | None) -> None:
    assert parse_month_day(text) == expected


@pytest.mark.parametrize(
    ("month_number", "day_number", "published", "expected"),
    [
        (12, 30, SUNDAY_JAN_9, 2021),  # 10 days back beats 355 days ahead
        (1, 6, date(2022, 12, 20), 2023),  # 17 days ahead (cost 51) beats 348 days back
        # From 2022-07-01: 30 September is 91 days ahead (cost 273) against 274 days back ...
        (9, 30, date(2022, 7, 1), 2022),
        # ... but 1 October is 92 days ahead (cost 276) against 273 days back.
        (10, 1, date(2022, 7, 1), 2021),
    ],
)
def test_infer_year(month_number: int, day_number: int, published: date, expected: int) -> None:
    assert infer_year(month_number, day_number, published) == expected


# --- the pattern pre-filter changes nothing ----------------------------------------------------

_FRAGMENTS = [
    "od",
    "do",
    "w",
    "we",
    "z",
    "na",
    "między",
    "2",
    "12",
    "31",
    "5-7",
    "2–5",
    "06.01.2022",
    "2022-01-06",
    "2022",
    "1999",
    "r.",
    "roku",
    "tego roku",
    "ubiegłego roku",
    "w tym roku",
    "stycznia",
    "Lutego",
    "STYCZNIA",
    "w styczniu",
    "maju",
    "maj",
    "grudzień",
    "na początku",
    "pod koniec",
    "w latach 2019-2021",
    "w nocy z piątku na sobotę",
    "w środę",
    "We wtorek",
    "ŚRODĘ",
    "rano",
    "wieczorem",
    "wczoraj",
    "przedwczoraj",
    "Pojutrze",
    "jutro",
    "dziś rano",
    "dzisiaj wieczorem",
    "w ciągu ostatnich",
    "siedmiu",
    "dni",
    "przez ostatnie",
    "3",
    "dniach",
    "protesty",
    "Kazachstan",
    ",",
    "ponad",
    "tys.",
]


def test_the_pattern_prefilter_finds_what_every_pattern_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)
    sentences = [" ".join(rng.choice(_FRAGMENTS) for _ in range(rng.randrange(1, 12))) for _ in range(3000)]
    published = date(2022, 1, 10)
    filtered = [find_dates(s, published) for s in sentences]
    monkeypatch.setattr(
        dates, "_candidate_patterns", lambda text: [(i, name, p) for i, (name, p) in enumerate(dates._PATTERNS)]
    )
    unfiltered = [find_dates(s, published) for s in sentences]
    assert filtered == unfiltered
    assert sum(map(len, filtered)) > 1000  # the sentences do hold dates


# --- derived forms, future relatives and tense, datelines (issue 15, section 4) ---------------
# 2022-01-13 is a Thursday: Wednesday the 12th, Sunday the 9th, Monday the 10th, Friday the 7th.
THURSDAY_JAN_13 = date(2022, 1, 13)


@pytest.mark.parametrize(
    ("text", "expected_text", "expected"),
    [
        ("Środowa decyzja rządu zaskoczyła obserwatorów.", "Środowa", DateValue(date(2022, 1, 12))),
        ("Po czwartkowym posiedzeniu rady prezydent odszedł.", "czwartkowym", DateValue(date(2022, 1, 13))),
        ("Podczas piątkowej konferencji rzecznik milczał.", "piątkowej", DateValue(date(2022, 1, 7))),
        ("Sobotnie protesty zgromadziły tłumy.", "Sobotnie", DateValue(date(2022, 1, 8))),
        ("W niedzielnym wywiadzie bronił decyzji.", "niedzielnym", DateValue(date(2022, 1, 9))),
        ("Wczorajszy komunikat MSW był krótki.", "Wczorajszy", DateValue(date(2022, 1, 12))),
        ("Przedwczorajsze zamieszki ucichły.", "Przedwczorajsze", DateValue(date(2022, 1, 11))),
        ("Jutrzejsze posiedzenie odwołano.", "Jutrzejsze", DateValue(date(2022, 1, 14))),
        ("Od dzisiejszego dnia lotnisko działa.", "Od dzisiejszego dnia", DateValue(date(2022, 1, 13))),
        (
            "Od zeszłego wieczora panuje spokój.",
            "Od zeszłego wieczora",
            DateValue(date(2022, 1, 12), "range", date(2022, 1, 13)),
        ),
        (
            "Od poniedziałku obowiązuje zakaz.",
            "Od poniedziałku",
            DateValue(date(2022, 1, 10), "range", date(2022, 1, 13)),
        ),
        ("Zeszłej nocy było spokojnie.", "Zeszłej nocy", DateValue(date(2022, 1, 12), "range", date(2022, 1, 13))),
    ],
)
def test_derived_forms_of_days(text: str, expected_text: str, expected: DateValue) -> None:
    mention = only(text, THURSDAY_JAN_13)
    assert (mention.text, mention.value) == (expected_text, expected)


@pytest.mark.parametrize("text", ["Dzisiejsza Rosja jest innym państwem.", "Każdy ma dzisiejszy dostęp do sieci."])
def test_today_as_nowadays_is_no_date(text: str) -> None:
    assert find_dates(text, THURSDAY_JAN_13) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Za dwa dni wrócą ewakuowani.", date(2022, 1, 15)),
        ("Za 3 dni zbierze się parlament.", date(2022, 1, 16)),
        ("Za tydzień rząd przedstawi plan.", date(2022, 1, 20)),
        ("Za dwa tygodnie wojska wyjadą.", date(2022, 1, 27)),
        ("Dwa dni temu zniesiono stan wyjątkowy.", date(2022, 1, 11)),
        ("Tydzień temu wybuchły zamieszki.", date(2022, 1, 6)),
        # A bare weekday in the future tense is the coming one; in the past tense, the last.
        ("Szczyt rozpocznie się w poniedziałek w Moskwie.", date(2022, 1, 17)),
        ("Wycofanie wojsk zakończy się w sobotę.", date(2022, 1, 15)),
        ("W środę będzie obradował parlament.", date(2022, 1, 19)),
        ("Posiedzenie ma się odbyć we wtorek.", date(2022, 1, 18)),
        ("Parlament zebrał się we wtorek.", date(2022, 1, 11)),
        ("Piątkowe posiedzenie rozpocznie się rano.", date(2022, 1, 14)),
        ("Od poniedziałku będzie obowiązywał zakaz.", date(2022, 1, 17)),
    ],
)
def test_future_relatives_and_tense(text: str, expected: date) -> None:
    assert only(text, THURSDAY_JAN_13).value == DateValue(expected)


def test_the_tense_is_the_clause_s() -> None:
    text = "Rzecznik zapowiedział w niedzielę, że ostatni żołnierze wyjadą w środę."
    assert [m.value.start for m in find_dates(text, THURSDAY_JAN_13)] == [date(2022, 1, 9), date(2022, 1, 19)]


@pytest.mark.parametrize(
    ("text", "expected_text"),
    [
        ("Ałmaty, 07.01.2022 09:15 – do miasta przyleciały samoloty.", "07.01.2022 09:15"),
        ("Aktualizacja: 07.01.2022, godz. 14.40", "07.01.2022, godz. 14.40"),
        ("Publikacja: 07.01.2022", "07.01.2022"),
        ("Raport 2022-01-07 18:05 podaje liczby.", "2022-01-07 18:05"),
    ],
)
def test_datelines_take_their_time_of_day(text: str, expected_text: str) -> None:
    mention = only(text, THURSDAY_JAN_13)
    assert (mention.text, mention.kind, mention.value) == (expected_text, "full", DateValue(date(2022, 1, 7)))


def test_listed_days_share_the_month() -> None:
    found = find_dates("Żołnierze przylecieli 5, 6 i 7 stycznia samolotami.", THURSDAY_JAN_13)
    assert sorted(m.value.start for m in found) == [date(2022, 1, 5), date(2022, 1, 6), date(2022, 1, 7)]


@pytest.mark.parametrize("text", ["Liczby: 2 , 06.01.2022.", "Strona 2 i 2022-01-06."])
def test_a_number_before_a_numeric_date_is_not_a_listed_day(text: str) -> None:
    """Days are listed before a day and a month's name ("5, 6 i 7 stycznia"); a number before
    "06.01.2022" is a number (hypothesis found "2 , 06.01.2022" read as 2 January)."""
    assert [m.value.start for m in find_dates(text, THURSDAY_JAN_13)] == [date(2022, 1, 6)]


def test_a_year_after_w_without_r() -> None:
    assert only("Krym Rosja zaanektowała w 2014, a Donbas później.", THURSDAY_JAN_13).value == DateValue(
        date(2014, 1, 1), "year"
    )
