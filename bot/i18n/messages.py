"""The bot's own words in Polish (the default) and English, and dates written out in both.

Content (articles, topic summaries) stays in its own language; only the bot's words change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Literal

from bot.language.dates import DateValue

Language = Literal["pl", "en"]
LANGUAGES: tuple[Language, ...] = ("pl", "en")
DEFAULT_LANGUAGE: Language = "pl"

_MONTHS = {
    "pl": ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia",
           "września", "października", "listopada", "grudnia"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
_MONTHS_STANDALONE = {
    "pl": ("styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec", "sierpień",
           "wrzesień", "październik", "listopad", "grudzień"),
    "en": _MONTHS["en"],
}

MESSAGES: dict[str, dict[str, str]] = {
    "pl": {
        "start.title": "Cześć! Tu briefing-bot",
        "start.body": (
            "Robię krótkie briefingi z artykułów prasowych. Znam {articles} i {facts}{period}. "
            "Tematy: {topics}."
        ),
        "start.years": " z lat {first}–{last}",
        "start.year": " z {year} roku",
        "start.try": "Spróbuj",
        "start.more": "Wszystkie komendy: /help",
        "help.title": "Komendy",
        "help.topic": "briefing: {title}",
        "help.detail": "Więcej o komendzie: /help <komenda>",
        "unknown": "Nie znam komendy /{name}. Lista komend: /help",
        "unknown.meant": "Nie znam komendy /{name}. Czy chodziło o /{meant}? Lista komend: /help",
        "not_a_command": "Komendy zaczynają się od „/”, np. /timeline albo /search Tokajew. Lista komend: /help",
        "usage": "Użycie: {usage}",
        "timeline.title": "Oś czasu",
        "timeline.title_for": "Oś czasu: {what}",
        "timeline.bad": "Nie rozumiem „{arg}”. Podaj rok (2022), miesiąc (2022-01), zakres (2022-01-01..2022-01-31) albo temat ({topics}).",
        "timeline.empty": "Brak faktów dla: {what}.",
        "facts.quotes": "Cytaty: /sources <dzień lub id>, np. /sources {example}",
        "sources.quotes_title": "Cytaty: {what}",
        "sources.fact_hint": "Źródło jednego cytatu: /sources <id>",
        "sources.event": "Wydarzenie",
        "sources.event_value": "{id} — wszystkie cytaty: /sources {id} (źródeł: {count})",
        "facts.printed": "w źródle: {printed}",
        "figures.title": "Liczby w źródłach",
        "figures.title_for": "Liczby w źródłach: {what}",
        "figures.differ_title": "{what}: gdzie źródła się różnią",
        "lists.extra": "[{n}] wymienia też {names}",
        "lists.missing": "[{n}] pomija {names}",
        "lists.both": "[{n}] wymienia też {extra}, a pomija {missing}",
        "lists.reference": "lista wzorcowa: {source}",
        "and": "i",
        "figures.empty": "W źródłach nie ma tu porównywalnych liczb.",
        "figures.bad": "Nie znam tematu „{arg}”. Tematy: {topics}.",
        "figures.entry": "{text} [{n}], stan na {date}",
        "figures.verdict.single": "jedno źródło",
        "figures.verdict.agree": "wartości się nie wykluczają",
        "figures.verdict.dates": "różne wartości z różnych dni",
        "figures.verdict.differ": "źródła się różnią",
        "figures.hint": "liczby różnią się w źródłach: /figures {topic}",
        "figures.differ_short": "Źródła podają różne liczby",
        "figures.differ_value": "{what} — /figures {topic}",
        "sources.corrected": "Po korekcie",
        "sources.title": "Źródła",
        "sources.fact_title": "Źródło faktu {id}",
        "sources.unknown_fact": "Nie znam dnia, faktu ani artykułu „{arg}”. Cytaty dnia: /sources 2022-01-06; identyfikatory faktów są przy cytatach, listę artykułów daje /sources.",
        "sources.quote": "Cytat",
        "sources.article": "Artykuł",
        "sources.where": "Miejsce",
        "sources.where_value": "{path}, wiersz {line}",
        "sources.date": "Data",
        "sources.curated": "fakt dodany przez redakcję",
        "card.missing": "Podaj artykuł: /card <id>. Artykuły: {ids}",
        "card.unknown": "Nie znam artykułu „{arg}”. Artykuły: {ids}",
        "card.ambiguous": "„{arg}” pasuje do kilku artykułów: {ids}",
        "card.published": "Opublikowano",
        "published.about": "ok. {date}",
        "published.inferred": "data ustalona pośrednio",
        "outlet.unnamed": "nieustalony portal",
        "outlet.unnamed_via": "nieustalony portal (za {via})",
        "card.author": "Autor",
        "card.outlet": "Źródło",
        "card.topics": "Tematy",
        "card.facts": "Datowane fakty",
        "card.note": "Uwaga redakcji",
        "card.rest": "Ciąg dalszy na następnej stronie",
        "onthisday.title": "Tego dnia: {day}",
        "onthisday.bad": "Nie rozumiem „{arg}”. Podaj dzień jako MM-DD, np. /onthisday 01-06.",
        "onthisday.empty": "Brak faktów z {day} z poprzednich lat.",
        "onthisday.nearest": "Najbliższy dzień z faktami: {day} — {command}",
        "search.title": "Szukam: {query}",
        "search.missing": "Podaj słowa do wyszukania, np. /search Tokajew.",
        "search.empty": "Nic nie znalazłem dla „{query}”.",
        "search.count": "Znalezione wydarzenia: {count}",
        "search.articles": "Artykuły ({count})",
        "search.only_articles": "Brak datowanych faktów z tymi słowami; artykuły, w których padają: {count}.",
        "search.more": "I jeszcze {count}: zawęź wyszukiwanie o kolejne słowo.",
        "search.polish": "Treści są po polsku: szukaj polskich słów, np. /search protesty albo /search żołnierze.",
        "topic.title": "{title}",
        "topic.facts": "Wydarzenia",
        "topic.articles": "Artykuły",
        "topic.period": "Okres",
        "topic.more": "Cała oś czasu: /timeline {topic}",
        "topic.key_facts": "Najważniejsze daty",
        "lang.set": "Język odpowiedzi: polski.",
        "lang.bad": "Dostępne języki: pl, en. Np. /lang en",
        "lang.admins_only": "Język odpowiedzi w tym czacie zmieniają tylko jego administratorzy.",
        "quota": "Za dużo pytań naraz: odpowiem znowu za chwilę.",
        "page": "Strona {page}/{pages}",
        "ago": "{years} temu",
        "id": "id {id}",
        "too_long": "To zapytanie jest za długie (limit: {limit} znaków).",
        "digest.title": "Codzienny przegląd „Tego dnia”",
        "digest.usage": "Użycie: /digest on [HH:MM] [strefa, np. Europe/Warsaw] | off | status | preview [MM-DD] | empty skip|nearest | topics all|TEMAT,TEMAT",
        "digest.not_here": "Przeglądy „Tego dnia” ustawia się w czacie Telegram lub na kanale Discord (administratorzy). Podgląd dzisiejszego: /onthisday",
        "digest.admins_only": "Przeglądem zarządzają tylko administratorzy tego czatu.",
        "not_saved": "Nie zapisano zmiany: bot nie może teraz zapisać swoich danych. Nic się nie zmieniło; "
                     "spróbuj ponownie później.",
        "digest.no_channel": "Nie mogę sprawdzić kanału {channel}: dodaj do niego bota jako administratora i spróbuj jeszcze raz.",
        "digest.on": "Włączono codzienny przegląd: {time} ({zone}). Następny: {next}.",
        "digest.off": "Wyłączono codzienny przegląd w tym czacie.",
        "digest.none": "Ten czat nie ma przeglądu. Włącz go: /digest on [HH:MM] [strefa]",
        "digest.bad_time": "Nie rozumiem godziny „{arg}”. Podaj HH:MM, np. /digest on 09:00",
        "digest.bad_zone": "Nie znam strefy czasowej „{arg}”. Podaj nazwę, np. Europe/Warsaw",
        "digest.preview_empty": "Tego dnia nie ma rocznic, więc przegląd nie zostałby wysłany.",
        "digest.empty_set": "W dni bez rocznic: {policy}.",
        "digest.topics_set": "Tematy przeglądu: {topics}.",
        "digest.unknown_topics": "Nie znam tematów: {topics}. Tematy: {known}.",
        "digest.all_topics": "wszystkie",
        "digest.nearest": "Dziś nie ma rocznic. Najbliższa: {day} (za {days}).",
        "digest.more": "Więcej: /onthisday {day}",
        "digest.f.time": "Godzina",
        "digest.f.next": "Następny",
        "digest.f.empty": "W dni bez rocznic",
        "digest.f.topics": "Tematy",
        "digest.f.paused": "Wstrzymany",
        "digest.f.last": "Ostatnia próba",
        "digest.empty.skip": "nic nie wysyłaj",
        "digest.empty.nearest": "zapowiedz najbliższą rocznicę",
        "digest.paused": "po {n} nieudanych próbach z rzędu; /digest on wznawia",
        "digest.never": "jeszcze żadnej",
        "digest.outcome.claimed": "w trakcie wysyłki",
        "digest.outcome.sent": "wysłano",
        "digest.outcome.empty": "brak rocznic, nic nie wysłano",
        "digest.outcome.failed": "błąd platformy",
        "digest.outcome.retry": "chwilowy błąd platformy; ponowię próbę",
        "digest.outcome.interrupted": "przerwane restartem w trakcie wysyłki; nie ponowiono, by nie wysłać dwa razy",
        "digest.outcome.missed": "pominięto: bot był wtedy wyłączony",
        "digest.outcome.unanswered": "platforma nie odpowiedziała na czas; wiadomość mogła dotrzeć, więc nie ponowiono",
    },
    "en": {
        "start.title": "Hello! This is briefing-bot",
        "start.body": (
            "I make short briefings from news articles. I know {articles} and {facts}{period}. "
            "Topics: {topics}."
        ),
        "start.years": " from {first} to {last}",
        "start.year": " from {year}",
        "start.try": "Try",
        "start.more": "All commands: /help",
        "help.title": "Commands",
        "help.topic": "briefing: {title}",
        "help.detail": "More about a command: /help <command>",
        "unknown": "I don't know the command /{name}. Commands: /help",
        "unknown.meant": "I don't know the command /{name}. Did you mean /{meant}? Commands: /help",
        "not_a_command": "Commands start with \"/\", e.g. /timeline or /search Tokajew. Commands: /help",
        "usage": "Usage: {usage}",
        "timeline.title": "Timeline",
        "timeline.title_for": "Timeline: {what}",
        "timeline.bad": "I don't understand \"{arg}\". Give a year (2022), a month (2022-01), a range (2022-01-01..2022-01-31) or a topic ({topics}).",
        "timeline.empty": "No facts for: {what}.",
        "facts.quotes": "Quotes: /sources <day or id>, e.g. /sources {example}",
        "sources.quotes_title": "Quotes: {what}",
        "sources.fact_hint": "One quote's source: /sources <id>",
        "sources.event": "Event",
        "sources.event_value": "{id} — all quotes: /sources {id} ({count} sources)",
        "facts.printed": "in the source: {printed}",
        "figures.title": "Figures in the sources",
        "figures.title_for": "Figures in the sources: {what}",
        "figures.differ_title": "{what}: where the sources differ",
        "lists.extra": "[{n}] also names {names}",
        "lists.missing": "[{n}] leaves out {names}",
        "lists.both": "[{n}] also names {extra} but leaves out {missing}",
        "lists.reference": "reference list: {source}",
        "and": "and",
        "figures.empty": "The sources give no comparable figures here.",
        "figures.bad": "I don't know the topic \"{arg}\". Topics: {topics}.",
        "figures.entry": "{text} [{n}], as of {date}",
        "figures.verdict.single": "one source",
        "figures.verdict.agree": "the values do not exclude each other",
        "figures.verdict.dates": "different values from different days",
        "figures.verdict.differ": "the sources disagree",
        "figures.hint": "the sources' figures differ: /figures {topic}",
        "figures.differ_short": "The sources give different figures",
        "figures.differ_value": "{what} — /figures {topic}",
        "sources.corrected": "Corrected",
        "sources.title": "Sources",
        "sources.fact_title": "Source of fact {id}",
        "sources.unknown_fact": "I know no day, fact or article \"{arg}\". A day's quotes: /sources 2022-01-06; fact ids stand beside the quotes, /sources lists the articles.",
        "sources.quote": "Quote",
        "sources.article": "Article",
        "sources.where": "Where",
        "sources.where_value": "{path}, line {line}",
        "sources.date": "Date",
        "sources.curated": "a fact added by the editors",
        "card.missing": "Name an article: /card <id>. Articles: {ids}",
        "card.unknown": "I don't know the article \"{arg}\". Articles: {ids}",
        "card.ambiguous": "\"{arg}\" matches several articles: {ids}",
        "card.published": "Published",
        "published.about": "about {date}",
        "published.inferred": "date inferred",
        "outlet.unnamed": "unnamed outlet",
        "outlet.unnamed_via": "unnamed outlet (via {via})",
        "card.author": "Author",
        "card.outlet": "Outlet",
        "card.topics": "Topics",
        "card.facts": "Dated facts",
        "card.note": "Editor's note",
        "card.rest": "Continued on the next page",
        "onthisday.title": "On this day: {day}",
        "onthisday.bad": "I don't understand \"{arg}\". Give the day as MM-DD, e.g. /onthisday 01-06.",
        "onthisday.empty": "No facts from {day} in earlier years.",
        "onthisday.nearest": "The nearest day with facts: {day} — {command}",
        "search.title": "Search: {query}",
        "search.missing": "Give words to search for, e.g. /search Tokajew.",
        "search.empty": "Nothing found for \"{query}\".",
        "search.count": "Events found: {count}",
        "search.articles": "Articles ({count})",
        "search.only_articles": "No dated facts with these words; articles that use them: {count}.",
        "search.more": "And {count} more: add a word to narrow the search.",
        "search.polish": "The content is in Polish: search for Polish words, e.g. /search protesty or /search żołnierze.",
        "topic.title": "{title}",
        "topic.facts": "Events",
        "topic.articles": "Articles",
        "topic.period": "Period",
        "topic.more": "Whole timeline: /timeline {topic}",
        "topic.key_facts": "Key dates",
        "lang.set": "Reply language: English.",
        "lang.bad": "Languages: pl, en. E.g. /lang pl",
        "lang.admins_only": "Only this chat's admins change its reply language.",
        "quota": "Too many requests at once: I will answer again in a moment.",
        "page": "Page {page}/{pages}",
        "ago": "{years} ago",
        "id": "id {id}",
        "too_long": "This request is too long (limit: {limit} characters).",
        "digest.title": "Daily \"on this day\" digest",
        "digest.usage": "Usage: /digest on [HH:MM] [time zone, e.g. Europe/Warsaw] | off | status | preview [MM-DD] | empty skip|nearest | topics all|TOPIC,TOPIC",
        "digest.not_here": "\"On this day\" digests are set up in a Telegram chat or a Discord channel (by admins). Today's: /onthisday",
        "digest.admins_only": "Only this chat's admins manage its digest.",
        "not_saved": "The change was not saved: the bot cannot write its data right now. Nothing has changed; "
                     "please try again later.",
        "digest.no_channel": "I cannot check the channel {channel}: add the bot to it as an admin and try again.",
        "digest.on": "Daily digest on: {time} ({zone}). Next: {next}.",
        "digest.off": "Daily digest off in this chat.",
        "digest.none": "This chat has no digest. Turn it on: /digest on [HH:MM] [time zone]",
        "digest.bad_time": "I don't understand the time \"{arg}\". Give HH:MM, e.g. /digest on 09:00",
        "digest.bad_zone": "I don't know the time zone \"{arg}\". Give a name such as Europe/Warsaw",
        "digest.preview_empty": "No anniversaries on that day, so no digest would be sent.",
        "digest.empty_set": "On days without anniversaries: {policy}.",
        "digest.topics_set": "Digest topics: {topics}.",
        "digest.unknown_topics": "Unknown topics: {topics}. Topics: {known}.",
        "digest.all_topics": "all",
        "digest.nearest": "No anniversaries today. The nearest: {day} (in {days}).",
        "digest.more": "More: /onthisday {day}",
        "digest.f.time": "Time",
        "digest.f.next": "Next",
        "digest.f.empty": "On days without anniversaries",
        "digest.f.topics": "Topics",
        "digest.f.paused": "Paused",
        "digest.f.last": "Last attempt",
        "digest.empty.skip": "send nothing",
        "digest.empty.nearest": "announce the nearest anniversary",
        "digest.paused": "after {n} failed attempts in a row; /digest on resumes it",
        "digest.never": "none yet",
        "digest.outcome.claimed": "being sent",
        "digest.outcome.sent": "sent",
        "digest.outcome.empty": "no anniversaries, nothing sent",
        "digest.outcome.failed": "platform error",
        "digest.outcome.retry": "passing platform error; will try again",
        "digest.outcome.interrupted": "interrupted by a restart while sending; not repeated, to never send twice",
        "digest.outcome.unanswered": "the platform did not answer in time; the message may have arrived, so it was not repeated",
        "digest.outcome.missed": "skipped: the bot was down then",
    },
}


def t(language: str, key: str, **values: object) -> str:
    """A message in ``language`` (falling back to Polish) with ``values`` filled in."""
    table = MESSAGES.get(language, MESSAGES[DEFAULT_LANGUAGE])
    return table[key].format(**values)


def plural(language: str, count: int, forms: tuple[str, str, str] | tuple[str, str]) -> str:
    """``count`` with the right form: Polish (1 artykuł, 2 artykuły, 5 artykułów) or English."""
    if language == "en":
        return f"{count} {forms[0] if count == 1 else forms[1]}"
    one, few, many = forms  # type: ignore[misc]
    if count == 1:
        return f"1 {one}"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return f"{count} {few}"
    return f"{count} {many}"


def years_ago(language: str, years: int) -> str:
    forms = ("rok", "lata", "lat") if language == "pl" else ("year", "years")
    return t(language, "ago", years=plural(language, years, forms))


def join(language: str, items: Sequence[str]) -> str:
    """"A, B i C" / "A, B and C"."""
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


def format_day(value: date, language: str, with_year: bool = True) -> str:
    months = _MONTHS["en" if language == "en" else "pl"]
    text = f"{value.day} {months[value.month - 1]}"
    return f"{text} {value.year}" if with_year else text


def format_month_day(month: int, day: int, language: str) -> str:
    return format_day(date(2000, month, day), language, with_year=False)


def format_date(value: DateValue, language: str) -> str:
    """A date the way a reader writes it, keeping its precision."""
    start = value.start
    if value.precision == "day":
        return format_day(start, language)
    if value.precision == "month":
        return f"{_MONTHS_STANDALONE['en' if language == 'en' else 'pl'][start.month - 1]} {start.year}"
    if value.precision == "year":
        return str(start.year)
    end = value.last_day
    bounds = value.bounds
    if bounds == ("year", "year"):
        return f"{start.year}–{end.year}"
    if bounds == ("month", "month"):
        months = _MONTHS_STANDALONE["en" if language == "en" else "pl"]
        first = months[start.month - 1] if start.year == end.year else format_date(value.first, language)
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
    if match is None or language == "pl":
        return outlet
    via = match.group("via")
    return t(language, "outlet.unnamed_via", via=via) if via else t(language, "outlet.unnamed")


def format_published(published: date, precision: str, language: str, inferred: bool = False,
                     explained: bool = False) -> str:
    """A publication date; one the editors inferred reads "ok. 26 lutego 2022", and with
    ``explained`` also says why (an article's card has room for it, a source line has not)."""
    text = format_date(DateValue(published.replace(day=1), "month") if precision == "month" else DateValue(published),
                       language)
    if not inferred:
        return text
    text = t(language, "published.about", date=text)
    return f"{text} ({t(language, 'published.inferred')})" if explained else text
