"""The bot's own words in every language it speaks, and dates written out in each.

The words live in gettext catalogues (``bot/i18n/locales/<language>/LC_MESSAGES/bot.po``,
read by ``bot.i18n.catalogues``), keyed by the message keys the code passes to ``t``; plural
forms follow each language's rule, and dates are written with Babel's (CLDR) month names. A
language is its catalogue plus its entry in ``LANGUAGES``. Content (articles, topic summaries)
stays in its own language; only the bot's words change.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Sequence
from datetime import date
from functools import cache, lru_cache
from typing import Literal

from babel import Locale
from babel.dates import format_date as babel_format_date

from bot.i18n.catalogues import catalogue
from bot.language.dates import DateValue

Language = Literal["pl", "en", "ru"]
LANGUAGES: tuple[Language, ...] = ("pl", "en", "ru")
DEFAULT_LANGUAGE: Language = "pl"


def supported(language: str) -> Language:
    """``language`` if the bot speaks it, else the default."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE  # type: ignore[return-value]


@cache
def _translations(language: Language) -> gettext.GNUTranslations:
    """A language's catalogue; what it lacks comes from the default language's."""
    translations = catalogue(language).translations
    if language != DEFAULT_LANGUAGE:
        translations.add_fallback(catalogue(DEFAULT_LANGUAGE).translations)
    return translations


def t(language: str, key: str, **values: object) -> str:
    """A message in ``language`` (falling back to Polish) with ``values`` filled in."""
    text = _translations(supported(language)).gettext(key)
    if text is key and key not in catalogue(DEFAULT_LANGUAGE).keys:
        raise KeyError(key)
    return text.format(**values) if values else text


def tn(language: str, key: str, count: int, **values: object) -> str:
    """A message with a number, in the form the language's plural rule picks for ``count``
    (1 artykuł, 2 artykuły, 5 artykułów), with ``count`` and ``values`` filled in."""
    if key not in catalogue(DEFAULT_LANGUAGE).plural_keys:
        raise KeyError(key)
    return _translations(supported(language)).ngettext(key, key, count).format(count=count, **values)


def in_every_language(key: str) -> dict[str, str]:
    """One message in each language, for what platforms register once (menus, descriptions)."""
    return {language: t(language, key) for language in LANGUAGES}


def years_ago(language: str, years: int) -> str:
    return t(language, "ago", years=tn(language, "n.years", years))


def join(language: str, items: Sequence[str]) -> str:
    """ "A, B i C" / "A, B and C"."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t(language, 'and')} {items[-1]}"


def accusative(name: str) -> str:
    """A Polish place name in the accusative, as "wymienia", "pomija" take it: the feminine -a
    becomes -ę and an adjective after the noun -ą ("Rosję", "Koreę Północną"); other names
    ("Kazachstan", "Białoruś", "Chiny") read the same in both cases."""
    words = name.split(" ")
    if not words[0].endswith("a"):
        return name
    return " ".join([words[0][:-1] + "ę", *(w[:-1] + "ą" if w.endswith("a") else w for w in words[1:])])


@lru_cache(maxsize=4096)
def format_day(value: date, language: str, with_year: bool = True) -> str:
    """ "6 stycznia 2022", or "6 stycznia" without the year: the catalogue's date pattern."""
    language = supported(language)
    return babel_format_date(value, t(language, "date.day" if with_year else "date.day_month"), _locale(language))


@lru_cache(maxsize=1024)
def format_month(year: int, month: int, language: str, with_year: bool = True) -> str:
    """A month on its own, by its standalone name: "styczeń 2022", "январь 2022"; or "styczeń"."""
    language = supported(language)
    pattern = t(language, "date.month") if with_year else "LLLL"
    return babel_format_date(date(year, month, 1), pattern, _locale(language))


@cache
def _locale(language: Language) -> Locale:
    return Locale.parse(language)


def format_month_day(month: int, day: int, language: str) -> str:
    return format_day(date(2000, month, day), language, with_year=False)


def format_date(value: DateValue, language: str) -> str:
    """A date the way a reader writes it, keeping its precision."""
    start = value.start
    if value.precision == "day":
        return format_day(start, language)
    if value.precision == "month":
        return format_month(start.year, start.month, language)
    if value.precision == "year":
        return str(start.year)
    end = value.last_day
    bounds = value.bounds
    if bounds == ("year", "year"):
        return f"{start.year}–{end.year}"
    if bounds == ("month", "month"):
        first = (
            format_month(start.year, start.month, language, with_year=False)
            if start.year == end.year
            else format_date(value.first, language)
        )
        return f"{first} – {format_date(value.last, language)}"
    if bounds != ("day", "day"):  # ends of different precision: each written whole
        return f"{format_date(value.first, language)} – {format_date(value.last, language)}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{format_day(end, language)}"
    if start.year == end.year:
        return f"{format_day(start, language, with_year=False)} – {format_day(end, language)}"
    return f"{format_day(start, language)} – {format_day(end, language)}"


#: What content writes for an outlet that the article does not name, optionally with whom it
#: reports ("nieustalony portal (za NBC News)"): the bot's words, so they are translated.
UNNAMED_OUTLET = re.compile(r"nieustalony portal(?: \(za (?P<via>.+)\))?")


def format_outlet(outlet: str, language: str) -> str:
    """An article's outlet; an unnamed one in the reader's language ("unnamed outlet (via NBC News)")."""
    match = UNNAMED_OUTLET.fullmatch(outlet)
    if match is None:
        return outlet
    via = match.group("via")
    return t(language, "outlet.unnamed_via", via=via) if via else t(language, "outlet.unnamed")


def format_published(
    published: date, precision: str, language: str, inferred: bool = False, explained: bool = False
) -> str:
    """A publication date; one the editors inferred reads "ok. 26 lutego 2022", and with
    ``explained`` also says why (an article's card has room for it, a source line has not)."""
    text = format_date(
        DateValue(published.replace(day=1), "month") if precision == "month" else DateValue(published), language
    )
    if not inferred:
        return text
    text = t(language, "published.about", date=text)
    return f"{text} ({t(language, 'published.inferred')})" if explained else text
