"""Lists in articles checked against a topic's reference lists ("the CSTO's members in 2022").

A sentence that mentions the topic and names three or more of the reference's names (members,
or known non-members) is a list; the non-members in it are flagged. Names are matched by their
stem, capitalised, so "Kirgizję" finds "Kirgizja" and the adjective "armeńskich" finds nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.core.content import Article, Reference, Topic
from bot.core.lemmas import fold, stem
from bot.core.sentences import Sentence, split_sentences

MIN_LIST = 3


@dataclass(frozen=True, slots=True)
class ListFlag:
    """An article's list that names states the reference says do not belong."""

    reference: Reference
    article: str
    line: int
    quote: str
    wrong: tuple[str, ...]  # the names as written in the article


def _names(reference: Reference) -> dict[str, str]:
    """Stem → canonical name, for members, non-members and synonyms."""
    canonical = {name: name for name in (*reference.members, *reference.others)}
    canonical.update(dict(reference.synonyms))
    return {stem(fold(name)): target for name, target in canonical.items()}


def fold_text(text: str) -> str:
    """``lemmas.fold`` of a long text, the same string, many times faster: each of the few
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
            sentences[article.id] = [s for s in split_sentences(article.body)
                                     if mentions is not None and mentions.search(fold(s.text))]
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
                    if len({name for _, name in run}) < MIN_LIST:
                        continue
                    wrong = tuple(word for word, name in run if name not in reference.members)
                    if wrong:
                        flags.append(ListFlag(reference, article.id, article.body_line + sentence.line - 1,
                                              sentence.text, wrong))
    return flags


def _name_runs(text: str, stems: dict[str, str]) -> list[list[tuple[str, str]]]:
    """Runs of reference names separated only by commas, "i", "oraz" or dashes: the lists."""
    runs: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    last_end = 0
    for match in re.finditer(r"\b[A-ZĄĆĘŁŃÓŚŹŻ]\w+", text):
        key = fold(match.group(0))
        name = next((target for s, target in stems.items() if key.startswith(s)), None)
        if name is None:
            continue
        joined = re.fullmatch(r"\s*(?:,|i|oraz|-|–)?\s*", text[last_end:match.start()])
        if current and not joined:
            runs.append(current)
            current = []
        current.append((match.group(0), name))
        last_end = match.end()
    if current:
        runs.append(current)
    return runs
