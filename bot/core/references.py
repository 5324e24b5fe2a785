"""Lists in articles checked against a topic's reference lists ("the CSTO's members in 2022").

A sentence that mentions the topic and names three or more of the reference's names (members,
or known non-members) is a list; the non-members in it are flagged. Names are matched by their
stem, capitalised, so "Kirgizję" finds "Kirgizja" and the adjective "armeńskich" finds nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.content import Article, Reference, Topic
from bot.core.lemmas import fold, stem
from bot.core.sentences import split_sentences

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


def check_lists(topic: Topic, articles: list[Article]) -> list[ListFlag]:
    flags: list[ListFlag] = []
    aliases = [fold(alias) for alias in topic.aliases]
    for reference in topic.references:
        stems = _names(reference)
        for article in articles:
            for sentence in split_sentences(article.body):
                folded = fold(sentence.text)
                if not any(re.search(rf"\b{re.escape(alias)}", folded) for alias in aliases):
                    continue
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
