"""Dates and counts written out in Polish and English."""

from __future__ import annotations

from datetime import date

import pytest

from bot.i18n.messages import accusative, format_date, join, tn, years_ago
from bot.language.dates import DateValue, day, month, period, year


@pytest.mark.parametrize(
    ("value", "pl", "en"),
    [
        (day(date(2022, 1, 2)), "2 stycznia 2022", "2 January 2022"),
        (month(2022, 1), "styczeń 2022", "January 2022"),
        (year(2022), "2022", "2022"),
        (period(date(2022, 2, 25), date(2022, 2, 26)), "25–26 lutego 2022", "25–26 February 2022"),
        (period(date(2022, 2, 28), date(2022, 3, 2)), "28 lutego – 2 marca 2022", "28 February – 2 March 2022"),
        (
            period(date(2021, 12, 30), date(2022, 1, 2)),
            "30 grudnia 2021 – 2 stycznia 2022",
            "30 December 2021 – 2 January 2022",
        ),
        (DateValue(date(2019, 1, 1), "range", date(2021, 12, 31)), "2019–2021", "2019–2021"),
        # ranges whose ends keep their own precision: a month stays a month
        (
            DateValue(date(2022, 1, 6), "range", date(2023, 6, 30), ("day", "month")),
            "6 stycznia 2022 – czerwiec 2023",
            "6 January 2022 – June 2023",
        ),
        (
            DateValue(date(2022, 1, 1), "range", date(2022, 6, 30), ("month", "month")),
            "styczeń – czerwiec 2022",
            "January – June 2022",
        ),
        (
            DateValue(date(2021, 12, 1), "range", date(2022, 2, 28), ("month", "month")),
            "grudzień 2021 – luty 2022",
            "December 2021 – February 2022",
        ),
        (
            DateValue(date(2021, 1, 1), "range", date(2022, 1, 9), ("year", "day")),
            "2021 – 9 stycznia 2022",
            "2021 – 9 January 2022",
        ),
    ],
)
def test_format_date(value: DateValue, pl: str, en: str) -> None:
    assert format_date(value, "pl") == pl
    assert format_date(value, "en") == en


@pytest.mark.parametrize(
    ("years", "pl", "en"),
    [
        (1, "1 rok temu", "1 year ago"),
        (2, "2 lata temu", "2 years ago"),
        (5, "5 lat temu", "5 years ago"),
        (12, "12 lat temu", "12 years ago"),
        (22, "22 lata temu", "22 years ago"),
        (25, "25 lat temu", "25 years ago"),
    ],
)
def test_years_ago(years: int, pl: str, en: str) -> None:
    assert years_ago("pl", years) == pl
    assert years_ago("en", years) == en


def test_plural_forms() -> None:
    assert [tn("pl", "n.articles", n) for n in (1, 3, 5, 14, 104)] == [
        "1 artykuł",
        "3 artykuły",
        "5 artykułów",
        "14 artykułów",
        "104 artykuły",
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Rosja", "Rosję"),
        ("Armenia", "Armenię"),
        ("Turkmenia", "Turkmenię"),
        ("Kazachstan", "Kazachstan"),
        ("Białoruś", "Białoruś"),
        ("Chiny", "Chiny"),
        ("Korea Północna", "Koreę Północną"),
        ("Stany Zjednoczone", "Stany Zjednoczone"),
    ],
)
def test_accusative_of_place_names(name: str, expected: str) -> None:
    assert accusative(name) == expected


def test_join() -> None:
    assert join("pl", ["Rosję"]) == "Rosję"
    assert join("pl", ["Rosję", "Białoruś", "Armenię"]) == "Rosję, Białoruś i Armenię"
    assert join("en", ["Russia", "Belarus"]) == "Russia and Belarus"
