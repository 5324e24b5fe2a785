"""In-memory indexes: periods, on this day (29 February), topics, search; checked against plain scans."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bot.extraction.facts import Fact
from bot.knowledge.indexes import Knowledge
from bot.language.dates import DateValue, day, month, period, year


def fact(ident: str, value: DateValue, text: str = "x", topics: tuple[str, ...] = ()) -> Fact:
    return Fact(ident, value, text, text, "a", topics, "extracted", 1, None, ())


def test_timeline_period_keeps_facts_starting_in_it_and_no_coarser() -> None:
    facts = [
        fact("d", day(date(2022, 1, 6))),
        fact("m", month(2022, 1)),
        fact("y", year(2022)),
        fact("r", period(date(2022, 1, 30), date(2022, 2, 2))),
        fact("f", day(date(2022, 2, 1))),
    ]
    knowledge = Knowledge.build([], [], facts)
    # The year 2022 is coarser than January; the range starts in January and is shorter.
    assert [f.id for f in knowledge.timeline(month(2022, 1))] == ["m", "d", "r"]
    assert [f.id for f in knowledge.timeline(year(2022))] == ["y", "m", "d", "r", "f"]
    assert [f.id for f in knowledge.timeline(day(date(2022, 1, 6)))] == ["d"]


def in_period(value: DateValue, wanted: DateValue) -> bool:
    """The rule by its definition: overlapping the period, and not coarser than it unless a range
    of days."""
    overlaps = value.start <= wanted.last_day and value.last_day >= wanted.start
    days_precise = value.precision == "day" or (value.precision == "range" and value.bounds == ("day", "day"))
    return overlaps and (days_precise or (value.last_day - value.start) <= (wanted.last_day - wanted.start))


def test_timeline_period_keeps_ranges_of_days_that_overlap_it() -> None:
    facts = [
        fact("before", period(date(2021, 12, 28), date(2022, 1, 2))),  # ends in the window
        fact("y", year(2022)),
        fact("m", month(2022, 1)),
        fact("protests", period(date(2022, 1, 2), date(2022, 1, 9))),  # starts in it, longer than it
        fact("d", day(date(2022, 1, 3))),
        fact("after", period(date(2022, 1, 5), date(2022, 1, 9))),
        fact("years", DateValue(date(2021, 1, 1), "range", date(2023, 12, 31))),  # "w latach 2021–2023"
        fact("long", period(date(2019, 5, 1), date(2022, 3, 1))),  # "od 1 maja 2019" in an article of March 2022
        fact("old", period(date(2019, 5, 1), date(2021, 12, 31))),
    ]
    knowledge = Knowledge.build([], [], facts)

    def ids(wanted: DateValue) -> list[str]:
        return [f.id for f in knowledge.timeline(wanted)]

    # A year, a month or years are coarser than four days: not listed as if they happened then.
    assert ids(period(date(2022, 1, 1), date(2022, 1, 4))) == ["long", "before", "protests", "d"]
    assert ids(day(date(2022, 1, 6))) == ["long", "protests", "after"]
    assert ids(month(2022, 1)) == ["long", "before", "m", "protests", "d", "after"]
    assert ids(year(2022)) == ["long", "before", "y", "m", "protests", "d", "after"]  # not 2021–2023
    assert ids(period(date(2020, 1, 1), date(2023, 12, 31))) == [
        "long",
        "old",
        "years",
        "before",
        "y",
        "m",
        "protests",
        "d",
        "after",
    ]
    for wanted in (month(2021, 12), day(date(2022, 1, 2)), period(date(2022, 1, 9), date(2022, 1, 20)), year(2019)):
        assert ids(wanted) == [f.id for f in knowledge.facts if in_period(f.value, wanted)], wanted


def test_on_this_day_only_day_facts_from_earlier_dates() -> None:
    facts = [
        fact("old", day(date(2020, 3, 5))),
        fact("month", month(2020, 3)),
        fact("future", day(date(2030, 3, 5))),
        fact("same-day-this-year", day(date(2026, 3, 5))),
    ]
    knowledge = Knowledge.build([], [], facts)
    assert [f.id for f in knowledge.on_this_day(3, 5, before=date(2026, 3, 5))] == ["old"]


def test_29_february_shows_on_28_february_in_common_years() -> None:
    facts = [fact("leap", day(date(2020, 2, 29))), fact("28th", day(date(2019, 2, 28)))]
    knowledge = Knowledge.build([], [], facts)
    assert {f.id for f in knowledge.on_this_day(2, 28, before=date(2023, 2, 28))} == {"leap", "28th"}
    assert {f.id for f in knowledge.on_this_day(2, 28, before=date(2024, 2, 28))} == {"28th"}
    assert {f.id for f in knowledge.on_this_day(2, 29, before=date(2024, 2, 29))} == {"leap"}


def test_indexes_agree_with_plain_scans_on_random_facts() -> None:
    rng = random.Random(7)
    facts = []
    for n in range(400):
        start = date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
        kind = rng.choice(["day", "day", "month", "year", "range", "long", "years"])
        value = {
            "day": day(start),
            "month": month(start.year, start.month),
            "year": year(start.year),
            "range": period(start, start + timedelta(days=rng.randrange(1, 20))),
            "long": period(start, start + timedelta(days=rng.randrange(20, 900))),
            "years": DateValue(date(start.year, 1, 1), "range", date(start.year + rng.randrange(1, 4), 12, 31)),
        }[kind]
        facts.append(fact(f"f{n}", value, topics=rng.choice([(), ("t",), ("t", "u")])))
    knowledge = Knowledge.build([], [], facts)
    for _ in range(50):
        start = date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
        wanted = period(start, start + timedelta(days=rng.randrange(0, 400)))
        expected = {f.id for f in facts if in_period(f.value, wanted)}
        assert {f.id for f in knowledge.timeline(wanted)} == expected
        today = date(2030, 1, 1)
        expected_days = {
            f.id
            for f in facts
            if f.value.precision == "day" and (f.value.start.month, f.value.start.day) == (start.month, start.day)
        }
        if (start.month, start.day) != (2, 28):
            assert {f.id for f in knowledge.on_this_day(start.month, start.day, today)} == expected_days
    assert {f.id for f in knowledge.timeline(topic="u")} == {f.id for f in facts if "u" in f.topics}


def test_nearest_month_day_with_facts_either_way_round_the_year() -> None:
    facts = [
        fact("jan", day(date(2022, 1, 6))),
        fact("mar", day(date(2021, 3, 10))),
        fact("month", month(2021, 6)),  # not day-precise: never "on this day"
        fact("future", day(date(2030, 7, 1))),  # not before today
    ]
    knowledge = Knowledge.build([], [], facts)
    today = date(2026, 11, 22)
    assert knowledge.nearest_month_day(12, 20, today) == (1, 6)  # 17 days ahead, across New Year
    assert knowledge.nearest_month_day(2, 5, today) == (1, 6)  # 30 days back, 34 ahead
    assert knowledge.nearest_month_day(6, 15, today) == (3, 10)  # 1 July is in the future
    assert knowledge.nearest_month_day(1, 6, today) == (3, 10)  # another day than the one asked
    assert knowledge.nearest_month_day(2, 7, today) == (3, 10)  # 32 days either way: the later
    assert Knowledge.build([], [], [fact("m", month(2021, 6))]).nearest_month_day(6, 1, today) is None
