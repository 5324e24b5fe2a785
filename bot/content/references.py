"""Lists in articles checked against a topic's reference lists ("the CSTO's members in 2022").

A sentence that mentions the topic and names three or more of the reference's names (members,
or known non-members) in a row is a list; the non-members in it are flagged. A list that names
more than half of the members is meant to be the whole list: the members it leaves out are
flagged too, unless its paragraph names them elsewhere (Kazakhstan calling on "Russia, Belarus,
Kyrgyzstan, Tajikistan, Armenia" lists the others, not the alliance). Names are matched by their
stem, capitalised, so "Kirgizję" finds "Kirgizja" and the adjective "armeńskich" finds nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from bot.content.loader import Article, Reference, Topic
from bot.language.lemmas import fold, stem
from bot.language.sentences import Sentence, split_sentences

MIN_LIST = 3
#: A blank line, or a line break after the end of a sentence (hard-wrapped text breaks anywhere).
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n|(?<=[.!?…\"”»])[ \t]*\n")


@dataclass(frozen=True, slots=True)
class ListFlag:
    """An article's list that names states the reference says do not belong, or leaves out members."""

    reference: Reference
    article: str
    line: int
    quote: str
    #: The names the reference says do not belong, in the nominative as the reference (or its
    #: synonym the article used) spells them: "Turkmenia", not the article's "Turkmenii".
    wrong: tuple[str, ...]
    #: The members a list meant to be whole leaves out, as the reference spells them.
    missing: tuple[str, ...] = ()


def _names(reference: Reference) -> dict[str, tuple[str, str]]:
    """Stem → (the name as spelt in the reference, canonical name), for members, non-members and
    synonyms."""
    canonical = {name: name for name in (*reference.members, *reference.others)}
    canonical.update(dict(reference.synonyms))
    return {stem(fold(name)): (name, target) for name, target in canonical.items()}


def fold_text(text: str) -> str:
    """``lemmas.fold`` of a long text, the same string, faster: each of the few
    combining marks present is dropped by one ``str.replace`` rather than every character
    tested in Python (whole article bodies are folded here)."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ł", "l"))
    for mark in {c for c in set(decomposed) if unicodedata.combining(c)}:
        decomposed = decomposed.replace(mark, "")
    return decomposed


def check_lists(topic: Topic, articles: list[Article]) -> list[ListFlag]:
    """Flags in reference order, then article and sentence order.

    Only articles that could hold a list are split into sentences: one whose folded text has
    the first word of an alias and the stems of at least ``MIN_LIST`` of the reference's names
    (a list needs those, so the rest cannot flag anything). Splitting every article of a large
    topic cost seconds on a topic card's first request.
    """
    if not topic.references:
        return []
    aliases = [fold(alias) for alias in topic.aliases]
    mentions = re.compile("|".join(rf"\b{re.escape(alias)}" for alias in aliases)) if aliases else None
    first_words = [alias.split()[0] for alias in aliases if alias.split()]
    if len(first_words) < len(aliases):
        first_words = [""]  # an alias without words: every article may mention the topic
    names = [(reference, _names(reference)) for reference in topic.references]
    sentences: dict[str, list[Sentence]] = {}  # of each article that may hold a list: those mentioning the topic

    def mentioning(article: Article) -> list[Sentence]:
        if article.id not in sentences:
            sentences[article.id] = [
                s for s in split_sentences(article.body) if mentions is not None and mentions.search(fold(s.text))
            ]
        return sentences[article.id]

    flags: list[ListFlag] = []
    folded = {article.id: fold_text(article.body) for article in articles}
    for reference, stems in names:
        for article in articles:
            text = folded[article.id]
            if not any(word in text for word in first_words):
                continue
            if len({name for stem, name in stems.items() if stem in text}) < MIN_LIST:
                continue
            for sentence in mentioning(article):
                for run in _name_runs(sentence.text, stems):
                    wrong, missing = _differences(reference, run, stems, lambda: _paragraph(article.body, sentence))
                    if wrong or missing:
                        flags.append(
                            ListFlag(
                                reference,
                                article.id,
                                article.body_line + sentence.line - 1,
                                sentence.text,
                                wrong,
                                missing,
                            )
                        )
    return flags


def _differences(
    reference: Reference, run: list[tuple[str, str]], stems: dict[str, tuple[str, str]], paragraph: Callable[[], str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What a run of names (spelling, canonical) names that the reference excludes, and the
    members it leaves out when it is meant to be whole; nothing when it is not a list."""
    named = {name for _, name in run}
    if len(named) < MIN_LIST:
        return (), ()
    wrong = tuple(dict.fromkeys(spelling for spelling, name in run if name not in reference.members))
    left_out = [name for name in reference.members if name not in named]
    if not left_out or 2 * len(named & set(reference.members)) <= len(reference.members):
        return wrong, ()
    elsewhere = {name for _, (_, name) in _names_in(paragraph(), stems)}
    return wrong, tuple(name for name in left_out if name not in elsewhere)


def _paragraph(body: str, sentence: Sentence) -> str:
    """The paragraph of ``body`` that holds the sentence."""
    start = max((m.end() for m in _PARAGRAPH_BREAK.finditer(body, 0, sentence.offset)), default=0)
    after = _PARAGRAPH_BREAK.search(body, sentence.offset + len(sentence.raw))
    return body[start : after.start() if after else len(body)]


def _names_in(text: str, stems: dict[str, tuple[str, str]]) -> list[tuple[re.Match[str], tuple[str, str]]]:
    """Every capitalised word of ``text`` that is one of the reference's names, with that name."""
    found = []
    for match in re.finditer(r"\b[A-ZĄĆĘŁŃÓŚŹŻ]\w+", text):
        key = fold(match.group(0))
        name = next((target for s, target in stems.items() if key.startswith(s)), None)
        if name is not None:
            found.append((match, name))
    return found


def _name_runs(text: str, stems: dict[str, tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Runs of reference names separated only by commas, "i", "oraz" or dashes: the lists, as
    (spelling in the reference, canonical name) pairs."""
    runs: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    last_end = 0
    for match, name in _names_in(text, stems):
        joined = re.fullmatch(r"\s*(?:,|i|oraz|-|–)?\s*", text[last_end : match.start()])
        if current and not joined:
            runs.append(current)
            current = []
        current.append(name)
        last_end = match.end()
    if current:
        runs.append(current)
    return runs
