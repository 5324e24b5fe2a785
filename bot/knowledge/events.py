"""Events: facts merged into happenings, each reported by one or more facts and sources.

Facts stay the unit of provenance (ids, quotes, ``facts --json``); events are derived from them
in memory, never stored, by one rule a reader can check (``briefing-bot events --explain``):

1. Two facts are candidates only when their dates have the same precision and coincide (the
   same day, month or year) or, for ranges, overlap.
2. Facts of topics that share none (both having some) are never merged.
3. They are merged when they say the same thing: the same sentence, or enough of the same
   content words (lemmas, stop words and date words aside; a few words of news events count
   as one, e.g. "przybył" and "wkroczyły", see ``_SAME_MEANING``): at least ``MIN_SHARED``
   shared and a Jaccard overlap of at least ``SAME_WORDS``; or at least ``NEAR_WORDS`` with a
   shared name or figure as well; or, for reports worded apart, at least ``REPORTED_SHARED``
   shared words that are ``REPORTED_OVERLAP`` of the shorter report's, among them a name and
   the same action (verb).
4. A fact joins an event only when it is merged with every fact already in it (complete
   linkage), so a chain of near matches never sweeps two happenings into one line.

Merging is conservative on purpose: a wrong merge hides news, a missed one only repeats it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import stopwordsiso

from bot.extraction.facts import Fact
from bot.language import lemmas
from bot.language.dates import DateValue

#: The fewest shared content words that can make two facts one event.
MIN_SHARED = 3
#: Jaccard overlap of content words at which two facts say the same thing.
SAME_WORDS = 0.5
#: A lower overlap that merges only with a shared name or figure as well.
NEAR_WORDS = 0.34
#: Two reports worded apart: this many shared words, this share of the shorter one's words.
REPORTED_SHARED = 4
REPORTED_OVERLAP = 0.4
#: A headline's most characters.
HEADLINE_LIMIT = 160
#: A headline runs to the end of its sentence only when that is this short; else it ends with a
#: clause.
WHOLE_LIMIT = 120
#: A clause this short is joined with the next one (a bare "06.01.2022 r. w Ałmaty" says little).
SHORT_CLAUSE = 40

# Words that date a fact rather than say what happened: the date is compared on its own.
_DATE_WORDS = frozenset(
    lemmas.fold(w)
    for w in (
        "styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień październik listopad grudzień "
        "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia "
        "poniedziałek wtorek środa czwartek piątek sobota niedziela rok roku r dzień dnia dni noc nocy "
        "wieczór wieczorem rano rana początek początku koniec końcu tydzień tygodnia"
    ).split()
)


# Words news reports use for one action or thing, compared as one. Written here, not taken from
# a thesaurus: plWordNet's synsets are far broader ("siła" is also strength) and would merge
# different happenings; these are the few a wire editor would treat as the same.
_SAME_MEANING = {
    "~arrive": "przybyc przybyly wkroczyc dotrzec wnisc wejsc wyladowac przyleciec przerzucic",
    "~leave": "wycofac wycofywac opuscic wyjechac odleciec",
    "~detain": "zatrzymac zatrzymany aresztowac",
    "~kill": "zginac zabic zabity polec",
    "~announce": "oglosic zapowiedziec oswiadczyc poinformowac",
    "~ask": "poprosic prosba apel wezwac",
    "~troops": "oddzial kontyngent wojsko zolnierz jednostka",
    "~begin": "rozpoczac zaczac wybuchnac",
}
_CONCEPT = {word: concept for concept, words in _SAME_MEANING.items() for word in words.split()}
_VERB_CONCEPTS = {"~arrive", "~leave", "~detain", "~kill", "~announce", "~ask", "~begin"}
# Folded lemmas that end as infinitives do ("-ać", "-ić", "-yć", "-eć", "-ść", "-źć", "-c"…).
_VERB = re.compile(r"\w{2,}(?:ac|ec|ic|yc|uc|sc|zc)")
_NOT_VERBS = frozenset({"koniec", "mieszkaniec", "obywatel", "pomoc", "moc", "noc", "miesiac", "tysiac"})


def _is_action(key: str) -> bool:
    return key in _VERB_CONCEPTS or (_VERB.fullmatch(key) is not None and key not in _NOT_VERBS)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    """Polish function words (stopwords-iso's list), folded, with the date words."""
    return frozenset(lemmas.fold(w) for w in stopwordsiso.stopwords("pl")) | _DATE_WORDS


@dataclass(frozen=True, slots=True)
class Signature:
    """What a fact says, for comparing: its content words, names and figures."""

    words: frozenset[str]
    names: frozenset[str]
    figures: frozenset[tuple[str, float]]
    normal: str  # the text in lower case, white space single: the same sentence has the same one
    topics: frozenset[str]


@lru_cache(maxsize=200_000)
def _content_key(word: str) -> str | None:
    """What a word counts as when facts are compared: its folded lemma (or the concept of
    ``_SAME_MEANING`` it belongs to); None for a number, a stop word or a date word."""
    if word[0].isdigit():
        return None
    stop = _stop_words()
    key = lemmas.lemma(word)
    if len(key) < 3 or key in stop or lemmas.fold(word) in stop:
        return None
    return _CONCEPT.get(key, key)


def signature(fact: Fact) -> Signature:
    words: set[str] = set()
    names: set[str] = set()
    for index, word in enumerate(lemmas.words(fact.text)):
        key = _content_key(word)
        if key is None:
            continue
        words.add(key)
        if index and word[0].isupper():
            names.add(key)
    figures = frozenset((f.quantity or f.unit or "", float(f.value)) for f in fact.figures)
    return Signature(frozenset(words), frozenset(names), figures, _normal(fact.text), frozenset(fact.topics))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether two facts are one event, and why (a line of ``events --explain``)."""

    merged: bool
    reason: str


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _dates_meet(a: DateValue, b: DateValue) -> bool:
    if a.precision != b.precision:
        return False
    if a.precision == "range":
        return a.start <= b.last_day and b.start <= a.last_day
    return a.start == b.start


def _rule(a: Fact, b: Fact, sa: Signature, sb: Signature) -> str | None:
    """Which rule of this module's docstring merges two facts of one ``_bucket``, or None. Runs
    for every pair a day's reports make: no text is formatted here (``compare`` says why), and
    only ranges, which share a bucket by the month they start in, have their dates compared."""
    if a.value.precision == "range" and not _dates_meet(a.value, b.value):
        return None
    if sa.topics and sb.topics and not sa.topics & sb.topics:
        return None
    if sa.normal == sb.normal:
        return "sentence"
    shared = sa.words & sb.words
    if len(shared) < MIN_SHARED:
        return None
    overlap = len(shared) / len(sa.words | sb.words)
    if overlap >= SAME_WORDS:
        return "words"
    if overlap >= NEAR_WORDS and sa.names & sb.names:
        return "names"
    if overlap >= NEAR_WORDS and sa.figures & sb.figures:
        return "figure"
    if (
        len(shared) >= REPORTED_SHARED
        and len(shared) / min(len(sa.words), len(sb.words)) >= REPORTED_OVERLAP
        and sa.names & sb.names
        and any(_is_action(w) for w in shared)
    ):
        return "reported"
    return None


def compare(a: Fact, b: Fact, sa: Signature | None = None, sb: Signature | None = None) -> Verdict:
    """The merge rule of this module's docstring, for one pair of facts, and why."""
    if not _dates_meet(a.value, b.value):
        return Verdict(False, "different dates or precisions")
    sa = sa or signature(a)
    sb = sb or signature(b)
    rule = _rule(a, b, sa, sb)
    if sa.topics and sb.topics and not sa.topics & sb.topics:
        return Verdict(False, "different topics")
    if rule == "sentence":
        return Verdict(True, "the same sentence")
    shared = sa.words & sb.words
    union = sa.words | sb.words
    overlap = len(shared) / len(union) if union else 0.0
    words = ", ".join(sorted(shared)[:8])
    found = f"{len(shared)} shared words, {overlap:.0%} overlap"
    if rule == "words":
        return Verdict(True, f"{found} ({words})")
    if rule == "names":
        return Verdict(True, f"{found}, names {', '.join(sorted(sa.names & sb.names)[:4])} ({words})")
    if rule == "figure":
        return Verdict(True, f"{found}, the same figure ({words})")
    if rule == "reported":
        of_shorter = len(shared) / min(len(sa.words), len(sb.words))
        actions = sorted(w for w in shared if _is_action(w))
        return Verdict(
            True,
            f"{len(shared)} shared words, {of_shorter:.0%} of the shorter report's, "
            f"names {', '.join(sorted(sa.names & sb.names)[:4])}, "
            f"the same action {', '.join(actions[:2])} ({words})",
        )
    return Verdict(False, f"{found}: not enough")


@dataclass(frozen=True, slots=True)
class Event:
    """One happening: its facts (the first gives the date and the headline) and why they joined."""

    id: str
    value: DateValue
    facts: tuple[Fact, ...]
    given_headline: str | None = None  # worked out on first use when not given (saved views give it)
    reasons: tuple[str, ...] = ()  # why facts[i + 1] joined (not kept in saved views)

    @property
    def headline(self) -> str:
        """The lead fact's headline, cut on first use: most replies show a few events of many."""
        if self.given_headline is None:
            object.__setattr__(self, "given_headline", headline(self.facts[0]))
        assert self.given_headline is not None
        return self.given_headline

    @property
    def articles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.article for f in self.facts))

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for f in self.facts for t in f.topics))

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape of ``briefing-bot events --json`` (a contract: keep it)."""
        return {
            "id": self.id,
            **self.value.to_json(),
            "headline": self.headline,
            "facts": [f.id for f in self.facts],
            "articles": list(self.articles),
            "topics": list(self.topics),
        }


def event_id(facts: Sequence[Fact]) -> str:
    """A lone fact's event has the fact's id (so ``/sources`` finds both the same way); a merged
    one an id of its facts' ids, stable while the same facts make it."""
    if len(facts) == 1:
        return facts[0].id
    return "e" + hashlib.blake2b("\n".join(sorted(f.id for f in facts)).encode(), digest_size=5).hexdigest()[1:]


def _bucket(value: DateValue) -> tuple[Any, ...]:
    """Facts that may meet (``_dates_meet``) share a bucket; ranges by the month they start in,
    and a range is compared with the ranges of its own bucket only."""
    if value.precision == "range":
        return ("range", value.start.year, value.start.month)
    return (value.precision, value.start)


def group(facts: Sequence[Fact], order: dict[str, int] | None = None) -> list[list[tuple[Fact, str]]]:
    """Facts (in date order) as events: lists of (fact, why it joined), in the order of their
    leads. Of facts that may meet, one with figures leads, then the one whose article ``order``
    ranks first (the earliest published)."""
    buckets: dict[tuple[Any, ...], list[int]] = {}
    for index, fact in enumerate(facts):
        buckets.setdefault(_bucket(fact.value), []).append(index)
    member_of: dict[int, list[tuple[Fact, str]]] = {}
    for indexes in buckets.values():
        if len(indexes) == 1:
            member_of[indexes[0]] = [(facts[indexes[0]], "")]
            continue
        rank = order or {}
        # The lead (its headline is shown) says most: a report with figures, else the earliest.
        ranked = sorted(indexes, key=lambda i: (not facts[i].figures, rank.get(facts[i].article, 0), i))
        signatures = {i: signature(facts[i]) for i in ranked}
        clusters: list[list[int]] = []
        # A fact can join only an event whose lead says the same sentence or shares MIN_SHARED
        # words with it (every rule asks that much): those are found by the leads' words, so a
        # day of a hundred reports is not a hundred comparisons a report.
        by_word: dict[str, list[int]] = {}
        by_normal: dict[str, list[int]] = {}
        for i in ranked:
            sign = signatures[i]
            shared = Counter(c for word in sign.words for c in by_word.get(word, ()))
            candidates = sorted(
                {c for c, count in shared.items() if count >= MIN_SHARED} | set(by_normal.get(sign.normal, ()))
            )
            for cluster in (clusters[c] for c in candidates):
                if all(_rule(facts[j], facts[i], signatures[j], sign) for j in cluster):
                    cluster.append(i)
                    why = compare(facts[cluster[0]], facts[i], signatures[cluster[0]], sign).reason
                    member_of[cluster[0]].append((facts[i], why))
                    break
            else:
                for word in sign.words:
                    by_word.setdefault(word, []).append(len(clusters))
                by_normal.setdefault(sign.normal, []).append(len(clusters))
                clusters.append([i])
                member_of[i] = [(facts[i], "")]
    return [member_of[i] for i in sorted(member_of)]


def build_events(facts: Sequence[Fact], order: dict[str, int] | None = None) -> list[Event]:
    """Facts (in date order) as events, in date order."""
    events = []
    for members in group(facts, order):
        found = tuple(f for f, _ in members)
        lead = found[0]
        events.append(Event(event_id(found), lead.value, found, None, tuple(why for _, why in members[1:])))
    return events


# --- headlines ----------------------------------------------------------------------------------

# Where a sentence divides into clauses: commas, semicolons, colons and dashes between words, and
# before "po tym(,) jak", which opens a clause though writers often leave out its comma.
_CLAUSE_BREAK = re.compile(r"(?<!po tym)\s*[,;:]\s+|\s+[–—-]\s+|\s+(?=po\s+tym,?\s+jak\s)")
# An opening that only says who reports: "Jak przypomniał dziennik,", "Według PAP,".
_ATTRIBUTION = re.compile(
    r"^(?:Jak\s+\w+(?:\s+\S+){0,4}?|Według\s+\S+(?:\s+\S+){0,3}?|Zdaniem\s+\S+(?:\s+\S+){0,3}?|"
    r"Przypomnijmy|Dodajmy|Warto\s+przypomnieć)\s*,\s*(?:że\s+)?",
    re.IGNORECASE,
)
# Words left dangling before a date taken out of a headline.
_BEFORE_DATE = re.compile(r"(?:\s|^)(?:jeszcze|już|w|we|od|do|z|ze|dnia|na|o|około|ok\.)\s*$", re.IGNORECASE)
_AFTER_DATE = re.compile(r"^\s*(?:r\.|roku|rok)(?=\W|$)")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
# A clause that says what was reported ("…wynika, że"), and conjunctions a headline does not open
# or end with.
_THAT = re.compile(r"że\s", re.IGNORECASE)
_LEADING = re.compile(r"^(?:że|a|i|oraz|ale|lecz|jednak|zaś)\s+", re.IGNORECASE)
_TRAILING = re.compile(
    r"(?:\s+(?:po\s+tym|w\s+tym|tym|że|jak|gdy|który|która|które|i|a|oraz|lub|po))+\s*$", re.IGNORECASE
)


def _without(text: str, mention: str | None) -> str:
    """``text`` without its date expression (the line's label says the date), where what is left
    still reads as a sentence."""
    if not mention:
        return text
    at = text.find(mention)
    if at < 0:
        return text
    before, after = text[:at], text[at + len(mention) :]
    before = _BEFORE_DATE.sub("", before)
    after = _AFTER_DATE.sub("", after)
    joined = _EMPTY_BRACKETS.sub("", f"{before.rstrip()} {after.lstrip()}")
    joined = re.sub(r"\s+([,.;:!?)])", r"\1", re.sub(r"\s{2,}", " ", joined)).strip(" ,;:–—-")
    if len(lemmas.words(joined)) < 3:
        return text
    return joined


def _clauses(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses of a sentence."""
    spans, start = [], 0
    for match in _CLAUSE_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def headline(fact: Fact, limit: int = HEADLINE_LIMIT) -> str:
    """A line's headline: from the clause holding the date to the end of the sentence, or where
    that is too long, that clause (with the next while it is short); without an opening that only
    says who reports, and without the date itself (the line's label says it); at most ``limit``
    characters, cut at a word."""
    text = fact.text.strip()
    attribution = _ATTRIBUTION.match(text)
    if attribution and (not fact.mention or text.find(fact.mention) >= attribution.end()):
        text = text[attribution.end() :]
    at = max(text.find(fact.mention), 0) if fact.mention else 0
    spans = _clauses(text)
    first = next((k for k, (_, end) in enumerate(spans) if at < end), 0)
    if (
        first + 1 < len(spans)
        and _THAT.match(text, spans[first + 1][0])
        and len(lemmas.words(_without(text[slice(*spans[first])], fact.mention))) <= 4
    ):
        first += 1  # "Z relacji „Guardiana” (07.01.2022 r.) wynika, że …": what it reports
    low, high = spans[first][0], len(text)
    if len(_without(text[low:], fact.mention)) > WHOLE_LIMIT:
        high = spans[first][1]
        for _, end in spans[first + 1 :]:
            if (
                len(_without(text[low:high], fact.mention)) >= SHORT_CLAUSE
                or len(_without(text[low:end], fact.mention)) > limit
            ):
                break
            high = end
        if len(_without(text[low:high], fact.mention)) < SHORT_CLAUSE:
            high = len(text)  # no short clause says it: the sentence, cut at a word below
    text = _without(text[low:high], fact.mention)
    text = _LEADING.sub("", text)
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–—- ") + "…"
    text = _TRAILING.sub("", text).rstrip(" ,;:–—-")
    return text[:1].upper() + text[1:]


# --- explaining ---------------------------------------------------------------------------------


def explain(events: Iterable[Event]) -> list[str]:
    """Lines saying which facts each merged event holds and why they were merged."""
    lines = []
    for event in events:
        if len(event.facts) < 2:
            continue
        lines.append(f"{event.id} {event.value.start.isoformat()} ({event.value.precision}): {event.headline}")
        lead = event.facts[0]
        lines.append(f"  {lead.id} {lead.article}:{lead.line} leads")
        for index, fact in enumerate(event.facts[1:]):
            # Events read from saved views have no reasons: the lead's verdict is worked out again.
            why = event.reasons[index] if index < len(event.reasons) else compare(lead, fact).reason
            lines.append(f"  {fact.id} {fact.article}:{fact.line} joined: {why}")
    return lines
