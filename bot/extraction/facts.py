"""Dated facts: extracted from article sentences, or curated in an article's front matter."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any, Literal

from bot.content.loader import MAX_DATES_PER_SENTENCE, Article, Erratum, Topic
from bot.language import lemmas
from bot.language.dates import DateValue, Mention, find_dates
from bot.language.figures import (
    Figure,
    QuantityMatcher,
    SourcedFigure,
    find_figures,
)
from bot.language.sentences import excerpt, split_sentences

Origin = Literal["extracted", "curated"]

#: Bump when extraction changes, so that stores built by older code are rebuilt.
EXTRACTOR_VERSION = 5

#: The most characters of its sentence a fact quotes, around its date: every fact of a sentence
#: carries its quote, and a sentence may be a megabyte long.
MAX_QUOTE = 1000


# Not frozen, though a value never changed once made: a frozen dataclass sets each field through
# object.__setattr__, which slows down reading a large store at start-up. Hashed by
# its fields all the same; never assign to one (``dataclasses.replace`` makes a changed copy).
@dataclass(slots=True, unsafe_hash=True)
class Fact:
    """A dated statement with the sentence it came from and its article."""

    id: str
    value: DateValue
    text: str
    quote: str  # the source sentence as written (white space folded; a long one cut, see MAX_QUOTE)
    article: str
    topics: tuple[str, ...]
    origin: Origin
    line: int  # line in the article file
    mention: str | None = None  # the date expression as written, for extracted facts
    keys: tuple[str, ...] = ()  # search keys: folded lemmas and word forms
    figures: tuple[Figure, ...] = ()  # the figures in the same sentence
    printed: str | None = None  # what the source printed, where an erratum corrected the text

    def __reduce__(self) -> tuple[type[Fact], tuple[Any, ...]]:
        # Pickled as a call of the class: the generic restore of slotted dataclasses is slower,
        # and a full build sends every fact from its worker process.
        return Fact, (
            self.id,
            self.value,
            self.text,
            self.quote,
            self.article,
            self.topics,
            self.origin,
            self.line,
            self.mention,
            self.keys,
            self.figures,
            self.printed,
        )

    def without_keys(self) -> Fact:
        """This fact without its search keys (the store keeps them apart). Not
        ``dataclasses.replace``, which is slow, and a full build strips every fact."""
        return Fact(
            self.id,
            self.value,
            self.text,
            self.quote,
            self.article,
            self.topics,
            self.origin,
            self.line,
            self.mention,
            (),
            self.figures,
            self.printed,
        )

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape of ``briefing-bot facts --json`` (a contract: keep it)."""
        return {
            "id": self.id,
            **self.value.to_json(),
            "text": self.text,
            "quote": self.quote,
            "article": self.article,
            "topics": list(self.topics),
            "origin": self.origin,
            "figures": [figure.to_json() for figure in self.figures],
        }

    def to_record(self) -> dict[str, Any]:
        """The fact store's document: the public fields (dates as ISO strings, as in ``to_json``),
        figures as they are (the store keeps Python objects, see ``storage.PickleStorage``) and
        where the fact stands in its article. Fields with their default value are left out (a
        store holds hundreds of thousands of these), and search keys are stored apart."""
        record: dict[str, Any] = {
            "id": self.id,
            "date": self.value.start.isoformat(),
            "precision": self.value.precision,
            "quote": self.quote,
            "article": self.article,
            "topics": self.topics,
            "line": self.line,
        }
        if self.value.end is not None:
            record["end"] = self.value.end.isoformat()
        if self.text != self.quote:
            record["text"] = self.text
        if self.origin != "extracted":
            record["origin"] = self.origin
        for name in ("mention", "printed"):
            if getattr(self, name) is not None:
                record[name] = getattr(self, name)
        if self.figures:
            record["figures"] = self.figures
        return record


DateValues = dict[tuple[str, str, str | None], DateValue]


def facts_from_records(records: Iterable[dict[str, Any]], values: DateValues | None = None) -> list[Fact]:
    """Facts from their store documents (``Fact.to_record``), without search keys.

    Written as one loop with a shared DateValue per distinct date (in ``values``, which calls may
    share) because start-up runs it over every stored fact: a store holds far fewer dates than
    facts.
    """
    values = {} if values is None else values
    facts: list[Fact] = []
    append = facts.append
    for record in records:
        quote, end = record["quote"], record.get("end")
        key = (record["date"], record["precision"], end)
        value = values.get(key)
        if value is None:
            value = values[key] = DateValue(
                date.fromisoformat(key[0]),
                key[1],  # type: ignore[arg-type]
                date.fromisoformat(end) if end else None,
            )
        append(
            Fact(
                record["id"],
                value,
                record.get("text", quote),
                quote,
                record["article"],
                record["topics"],
                record.get("origin", "extracted"),
                record["line"],
                record.get("mention"),
                (),
                record.get("figures", ()),
                record.get("printed"),
            )
        )
    return facts


#: Facts in date order (see ``DateValue.order``), then by article, line and id.
FACT_ORDER = attrgetter("value.order", "article", "line", "id")


def fact_id(*parts: str) -> str:
    """A short id that depends only on what identifies the fact, so it survives rebuilds."""
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=5).hexdigest()


class _SentenceFactIds:
    """``fact_id(article, sentence, mention, str(occurrence))`` for the mentions of one sentence,
    with the sentence hashed once (hashing it again for each of its dates would be quadratic in
    a long sentence full of dates)."""

    def __init__(self, article_id: str, sentence: str) -> None:
        self._prefix = hashlib.blake2b(f"{article_id}\x1f{sentence}\x1f".encode("utf-8"), digest_size=5)

    def of(self, mention: str, occurrence: int) -> str:
        digest = self._prefix.copy()
        digest.update(f"{mention}\x1f{occurrence}".encode("utf-8"))
        return digest.hexdigest()


class TopicMatcher:
    """Every topic's aliases as lemma sequences (and as written), found in a text in one pass,
    so that "Organizacji Układu" finds "Organizacja Układu"."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.order = [topic.id for topic in topics]
        phrases: set[tuple[tuple[str, ...], str]] = set()
        for topic in topics:
            phrases |= {(tuple(lemmas.keys(alias)), topic.id) for alias in (*topic.aliases, topic.title)}
            phrases |= {(tuple(lemmas.fold(w) for w in lemmas.words(alias)), topic.id) for alias in topic.aliases}
        self.index: lemmas.PhraseIndex[str] = lemmas.PhraseIndex(sorted(phrases))

    def topics_in(self, text: str) -> tuple[str, ...]:
        words = lemmas.words(text)
        hits = self.index.found([lemmas.lemma(w) for w in words], [lemmas.fold(w) for w in words])
        return tuple(topic for topic in self.order if topic in hits)


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one article yields: dated facts, and every figure (dated or not)."""

    facts: list[Fact]
    figures: list[SourcedFigure]


def corrected(sentence: str, errata: tuple[Erratum, ...]) -> tuple[str, str | None]:
    """The sentence with the article's errata applied, and what the source printed, if any."""
    printed = []
    for erratum in errata:
        if erratum.quote in sentence:
            sentence = sentence.replace(erratum.quote, erratum.correction)
            printed.append(erratum.quote)
    return sentence, "; ".join(printed) or None


def _quoted(sentence: str, text: str, mention: Mention) -> tuple[str, str]:
    """A fact's quote (of ``sentence`` as printed) and text (of ``text``, the sentence corrected by
    errata): each the whole sentence, or ``MAX_QUOTE`` characters of it around the date."""
    cut = excerpt(text, mention.start, mention.end, MAX_QUOTE)
    if sentence == text:
        return cut, cut
    # An erratum changed the text: the date stands about as far into the printed sentence.
    start = min(mention.start, max(0, len(sentence) - len(mention.text)))
    return excerpt(sentence, start, start + len(mention.text), MAX_QUOTE), cut


#: What a byline or dateline holds besides its dates ("Publikacja: 11.01.2022, 09:15",
#: "Ałmaty, 07.01.2022"): it dates the article, and says nothing that would make a fact.
_BYLINE_REST = re.compile(
    r"(?:[\s,;:|/–—-]|\b(?:publikacja|opublikowano|aktualizacja|zaktualizowano|data\s+publikacji|dodano|"
    r"akt\.|aktual\.))*(?:[A-ZĄĆĘŁŃÓŚŹŻ][\w-]*(?:\s+[A-ZĄĆĘŁŃÓŚŹŻ][\w-]*)?\s*,)?"
    r"(?:[\s,;:|/–—-]|\b(?:publikacja|opublikowano|aktualizacja|zaktualizowano|data\s+publikacji|dodano|"
    r"akt\.|aktual\.))*",
    re.IGNORECASE,
)
_CLAUSE_MARK = re.compile(r"[,;:()]|\s[–—-]\s")


def is_byline(text: str, mentions: Sequence[Mention]) -> bool:
    """Whether a sentence is a byline or a dateline: only dates, and words such as "Publikacja:"."""
    if not mentions or len(mentions) > 3 or len(text) > 120 or not all(m.kind == "full" for m in mentions):
        return False
    rest, at = [], 0
    for mention in mentions:
        rest.append(text[at : mention.start])
        at = max(at, mention.end)
    rest.append(text[at:])
    return all(_BYLINE_REST.fullmatch(part.strip()) for part in rest)


def as_of(text: str, figures: Sequence[Figure], mentions: Sequence[Mention], published: DateValue) -> list[DateValue]:
    """The date each figure of a sentence is given for: the date in its clause ("Protesty
    wybuchły 2 stycznia, a 6 stycznia przybył 2-tysięczny kontyngent": 6 January), else the
    sentence's first date, else the article's date (a figure in a sentence without a date is as
    of the publication). The clauses' marks are found once, and each figure's by bisection."""
    if not mentions:
        return [published] * len(figures)
    marks = [m.start() for m in _CLAUSE_MARK.finditer(text)]
    starts = [m.start for m in mentions]  # mentions are in order
    found = []
    for figure in figures:
        index = bisect.bisect_left(marks, figure.start)
        left = marks[index - 1] if index else -1
        index = bisect.bisect_left(marks, figure.end)
        right = marks[index] if index < len(marks) else len(text)
        first = bisect.bisect_right(starts, left)
        beside = [m for m in itertools.islice(mentions, first, bisect.bisect_left(starts, right)) if m.end <= right]
        before = [m for m in beside if m.end <= figure.start]
        found.append((before[-1] if before else beside[0]).value if beside else mentions[0].value)
    return found


def extract(article: Article, matcher: TopicMatcher, quantities: tuple[QuantityMatcher, ...] = ()) -> Extraction:
    """The dated facts and figures of one article, in the order they appear, curated facts first.

    At most ``MAX_DATES_PER_SENTENCE`` facts come from one sentence, the first dates in it (the
    content loader reports a sentence with more); a fact quotes at most ``MAX_QUOTE`` characters.
    """
    facts: list[Fact] = []
    figures: list[SourcedFigure] = []
    published = DateValue(
        article.published if article.published_precision == "day" else article.published.replace(day=1),
        article.published_precision,
    )
    for curated in article.facts:
        topics = tuple(dict.fromkeys((*curated.topics, *matcher.topics_in(curated.text))))
        facts.append(
            Fact(
                id=fact_id(article.id, "curated", curated.value.start.isoformat(), curated.text),
                value=curated.value,
                text=curated.text,
                quote=curated.text,
                article=article.id,
                topics=topics,
                origin="curated",
                line=curated.line,
                keys=tuple(sorted(lemmas.key_set(curated.text))),
            )
        )
    if article.language != "pl":
        return Extraction(facts, figures)  # the rules are Polish; other languages get curated facts only
    seen: dict[tuple[str, str], int] = {}
    for sentence in split_sentences(article.body):
        text, printed = corrected(sentence.text, article.errata)
        mentions = find_dates(text, article.published, article.published_precision == "day")
        found = find_figures(text, quantities, [(m.start, m.end) for m in mentions])
        if not mentions and not found:
            continue
        topics = matcher.topics_in(text)
        line = article.body_line + sentence.line - 1
        figures += [
            SourcedFigure(f, article.id, sentence.text, line, when, topics)
            for f, when in zip(found, as_of(text, found, mentions, published))
        ]
        if is_byline(text, mentions):
            continue
        keys = tuple(sorted(lemmas.key_set(text)))
        sentence_figures = tuple(found)
        ids = _SentenceFactIds(article.id, sentence.text)
        for mention in mentions[:MAX_DATES_PER_SENTENCE]:
            occurrence = seen.get((sentence.text, mention.text), 0)
            seen[(sentence.text, mention.text)] = occurrence + 1
            quote, fact_text = _quoted(sentence.text, text, mention)
            facts.append(
                Fact(
                    id=ids.of(mention.text, occurrence),
                    value=mention.value,
                    text=fact_text,
                    quote=quote,
                    article=article.id,
                    topics=topics,
                    origin="extracted",
                    line=line,
                    mention=mention.text,
                    keys=keys,
                    figures=sentence_figures,
                    printed=printed,
                )
            )
    return Extraction(facts, figures)
