"""Polish-aware word matching: lemmas (simplemma), folded diacritics, and inflected names.

simplemma knows common Polish words ("Kazachstanu" → "Kazachstan", "zatrzymała" →
"zatrzymać"); names it does not know ("Tokajewa") are matched by a stem rule instead.

simplemma's default dictionary is decoded into a Python dict on first use, which is slow and
large in every process that lemmatises. Its own ``TrieDictionaryFactory`` builds a MARISA trie
of the same data once per machine (kept in the user's cache folder) and then loads it in
milliseconds, so the bot, its build workers and the tests pay the cost once. A long-running process
opens it in the background
(``Briefing.warm_up``); the CLI builds it up front, with progress on a terminal, when
``dictionary_ready`` says this machine has none yet.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

import simplemma
from platformdirs import user_cache_dir

_WORD = re.compile(r"\w+(?:[-']\w+)*")
T = TypeVar("T")
_LOCK = threading.Lock()
_LEMMATIZER: simplemma.Lemmatizer | None = None


def _lemmatizer() -> simplemma.Lemmatizer:
    global _LEMMATIZER
    if _LEMMATIZER is None:
        from simplemma.strategies import DefaultStrategy
        from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieDictionaryFactory

        # The factory falls back to building the trie in memory when the cache is not writable.
        factory = TrieDictionaryFactory(disk_cache_dir=str(cache_dir()))
        _LEMMATIZER = simplemma.Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory))
    return _LEMMATIZER


def cache_dir() -> Path:
    """Where the trie dictionary is kept: ``BRIEFING_LEMMA_CACHE``, else the folder simplemma
    itself would use."""
    configured = os.environ.get("BRIEFING_LEMMA_CACHE")
    if configured:
        return Path(configured)
    return Path(user_cache_dir("simplemma")) / "marisa_trie" / simplemma.__version__


def dictionary_ready(on_disk: bool = False) -> bool:
    """Whether the lemmatiser can start at once: its Polish trie is loaded or cached (with
    ``on_disk``: cached). If not, its first use builds it, which takes seconds."""
    return (_LEMMATIZER is not None and not on_disk) or (cache_dir() / "pl.dic").is_file()


def prepare() -> None:
    """Load the lemmatiser's Polish dictionary now, building and caching it if there is none."""
    with _LOCK:
        _lemmatizer().lemmatize("dom", lang="pl")


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Lower case without diacritics: "Łódź" → "lodz"."""
    text = text.lower().replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_spans(text: str) -> list[tuple[int, str]]:
    """The words of ``text`` (as ``words``) with their offsets."""
    return [(match.start(), match.group(0)) for match in _WORD.finditer(text)]


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The folded lemma of one word."""
    with _LOCK:  # the lemmatizer is created, and fills its caches, on first use
        base = _lemmatizer().lemmatize(word.lower(), lang="pl")
    return fold(base)


def keys(text: str) -> list[str]:
    """Folded lemmas of the words of ``text``, in order."""
    return [lemma(w) for w in words(text)]


def key_set(text: str) -> set[str]:
    """Everything a word of ``text`` can be found by: its folded lemma and folded form."""
    found: set[str] = set()
    for word in words(text):
        found.add(lemma(word))
        found.add(fold(word))
    return found


def stem(folded: str) -> str:
    """A crude stem for inflected names simplemma does not know: "tokajewa" → "tokaje"."""
    return folded[: max(4, len(folded) - 2)] if len(folded) > 4 else folded


#: Participles and verbal nouns and the verbs they come from, as folded endings: simplemma
#: lemmatises "zatrzymanych" to "zatrzymany" and "zatrzymała" to "zatrzymać", so a search for one
#: must try the other. A guess that is no word of the vocabulary finds nothing, so the list may
#: offer several.
_DERIVED = (
    ("ujacy", "owac"),
    ("ajacy", "ac"),
    ("iacy", "ic"),
    ("acy", "ac"),
    ("acy", "ec"),
    ("any", "ac"),
    ("ony", "ic"),
    ("ony", "yc"),
    ("ony", "ec"),
    ("ety", "ac"),
    ("ty", "c"),
    ("anie", "ac"),
    ("enie", "ic"),
    ("enie", "yc"),
    ("enie", "ec"),
    ("cie", "c"),
)


def derived(folded: str) -> set[str]:
    """The verbs a folded participle or verbal noun may come from: "zatrzymany" → "zatrzymac",
    "protestujacy" → "protestowac"."""
    return {
        folded[: -len(ending)] + verb
        for ending, verb in _DERIVED
        if folded.endswith(ending) and len(folded) - len(ending) >= 3
    }


def candidates(term: str) -> tuple[set[str], set[str]]:
    """What a typed search term may be found by: exact keys (its folded form and lemma, and the
    verbs they derive from), and prefixes (their stems) that keys may extend by a few letters."""
    folded, base = fold(term), lemma(term)
    exact = {k for k in (folded, base) if k} | derived(folded) | derived(base)
    prefixes = {stem(k) for k in (folded, base) if len(k) >= 4}
    return exact, prefixes


def matches(term: str, vocabulary: Iterable[str]) -> set[str]:
    """The vocabulary keys a typed search term matches (``Knowledge.matching_keys`` finds the
    same by bisecting a sorted vocabulary)."""
    exact, prefixes = candidates(term)
    found = set(exact)
    for prefix in prefixes:
        found.update(k for k in vocabulary if k.startswith(prefix) and len(k) - len(prefix) <= 4)
    return found


class PhraseIndex(Generic[T]):
    """Which of many phrases (token sequences) occur in a text's tokens, in one pass over them."""

    def __init__(self, phrases: Iterable[tuple[tuple[str, ...], T]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], T]]] = {}
        for phrase, value in phrases:
            if phrase:
                self._by_first.setdefault(phrase[0], []).append((phrase, value))

    def found(self, *token_lists: Sequence[str]) -> set[T]:
        hits: set[T] = set()
        for tokens in token_lists:
            for index, token in enumerate(tokens):
                for phrase, value in self._by_first.get(token, ()):
                    if tuple(tokens[index : index + len(phrase)]) == phrase:
                        hits.add(value)
        return hits
