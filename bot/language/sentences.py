"""Splitting Polish article bodies into sentences, with their offsets and line numbers.

Written by hand: pysbd and sentencex (the maintained splitters with Polish rules) both end a
sentence at "2 tys. żołnierzy" and "7,6 tys. km", which is where news figures live. The rules:
a sentence ends at . ! ? … (and closing quotes after them) followed by a capital letter, a
digit, a dash or an opening quote; abbreviations and initials do not end sentences; a line
without final punctuation (a heading, a bullet) is a sentence of its own, unless it was cut by
hard wrapping: it ends in a preposition or conjunction, the next line starts in lower case, or
it is about as long as the paragraph's longest line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Never the end of a sentence, whatever follows ("m.in. Iran", "prof. Nowak", "ok. 300").
_NEVER_FINAL = {
    "m.in",
    "np",
    "tzw",
    "ok",
    "ul",
    "al",
    "pl",
    "dr",
    "prof",
    "gen",
    "płk",
    "ppłk",
    "mjr",
    "kpt",
    "por",
    "ppor",
    "sierż",
    "kpr",
    "szer",
    "adm",
    "św",
    "ks",
    "inż",
    "mgr",
    "red",
    "tj",
    "nr",
    "im",
    "ds",
    "godz",
    "pt",
    "wyd",
    "tłum",
    "oprac",
    "proc",
    "pkt",
    "art",
    "ust",
    "poz",
    "zob",
    "vs",
    "ang",
    "ros",
    "łac",
    "niem",
    "fr",
    "kaz",
    "tzn",
    "jw",
    "wg",
    "min",
    "maks",
}
# End a sentence only when a capital letter follows ("w 2022 r. Rosja"), not otherwise
# ("2 tys. żołnierzy", "06.01.2021 r. szereg budynków").
_FINAL_BEFORE_CAPITAL = {"tys", "mln", "mld", "bln", "r", "itd", "itp", "km", "zł", "proc", "dol", "m", "kg"}

_END = re.compile(r"[.!?…]+[\"”»’')\]]*")
_NEXT_START = re.compile(r"\s+(?=[\"„«“'(\[]?[A-ZĄĆĘŁŃÓŚŹŻ0-9–—-])")
_TERMINAL = tuple('.!?…:;"”»’)')


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as written (``raw``), its whitespace-normalised ``text``, where it starts."""

    raw: str
    text: str
    offset: int  # character offset in the body
    line: int  # 1-based line in the body


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def _word_before(text: str, end: int) -> str:
    """The token that ends at ``end`` (just before the full stop), lower-cased."""
    start = end
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in '("„«“':
        start -= 1
    return text[start:end].lower()


def _is_boundary(text: str, dot_start: int, dot_end: int) -> bool:
    follow = _NEXT_START.match(text, dot_end)
    if follow is None:
        return False
    if text[dot_start] != "." or dot_end - dot_start > 1:
        return True  # ! ? … or a closing quote after the stop
    word = _word_before(text, dot_start)
    if word in _NEVER_FINAL:
        return False
    if len(word) == 1 and word.isalpha() and text[dot_start - 1].isupper():
        return False  # an initial: "J. Kowalski"
    after = text[follow.end()] if follow.end() < len(text) else ""
    if word in _FINAL_BEFORE_CAPITAL:
        return after.isupper()
    if re.fullmatch(r"\d{1,2}\.\d{1,2}", word) or re.fullmatch(r"\d{1,2}", word):
        return not after.isdigit()  # "07.01.2022" is not "07. 01. 2022"
    return True


# A date that opens a sentence and ends in "r." ("W czwartek 6 stycznia 2022 r. ODKB wysłała…"):
# the sentence goes on after it, though a capital follows.
_OPENING_DATE = re.compile(
    r"\s*(?:(?:w|we|od|do|dnia)\s+)?(?:\w+\s+)?\d{1,2}(?:\.\d{1,2}\.\s*|\s+\w+\s+)\d{4}\s+r", re.IGNORECASE
)


def _opening_date(sentence: str) -> bool:
    """Whether a sentence so far is only a date ending in "r" (its full stop cut off)."""
    return _OPENING_DATE.fullmatch(sentence) is not None


def _split_block(text: str, base: int) -> list[tuple[int, int]]:
    """Sentence spans (absolute start, end) in one unit of running text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        if _is_boundary(text, match.start(), match.end()) and not _opening_date(text[start : match.start()]):
            spans.append((start, match.end()))
            start = match.end()
    spans.append((start, len(text)))
    result = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            result.append((base + s, base + e))
    return result


# A line ending in one of these is cut mid-sentence, whatever the next line starts with.
_JOINING_WORDS = {
    "w",
    "we",
    "z",
    "ze",
    "do",
    "na",
    "o",
    "i",
    "a",
    "u",
    "od",
    "po",
    "za",
    "przez",
    "przy",
    "dla",
    "oraz",
    "lub",
    "albo",
    "że",
    "by",
    "aby",
    "nad",
    "pod",
    "przed",
    "między",
    "jak",
    "niż",
    "ale",
}


def _continues(previous: str, line: str, width: int) -> bool:
    """Whether ``line`` carries on the sentence that ``previous`` left open.

    ``width`` is the block's longest line: in hard-wrapped prose an open line close to that
    width was cut by the wrap, while a short one is a heading.
    """
    previous = previous.rstrip()
    if not previous or previous.endswith(_TERMINAL):
        return False
    last_word = previous.rsplit(None, 1)[-1].lower()
    return last_word in _JOINING_WORDS or line.lstrip()[:1].islower() or len(previous) >= 0.6 * width


def paragraphs(body: str) -> list[tuple[int, list[str]]]:
    """Paragraphs: runs of lines that are not blank, each with the offset of its first line. A
    sentence never runs from one into the next.

    A loop over lines rather than one regular expression: ``(?:[^\\n]*\\S[^\\n]*\\n)+`` backtracks
    quadratically over a long line of white space.
    """
    blocks: list[tuple[int, list[str]]] = []
    offset, previous_blank = 0, True
    for line in body.split("\n"):
        blank = not line.strip()
        if not blank:
            if previous_blank:
                blocks.append((offset, []))
            blocks[-1][1].append(line)
        offset += len(line) + 1
        previous_blank = blank
    return blocks


def split_sentences(body: str) -> list[Sentence]:
    """The sentences of an article body in order."""
    units: list[tuple[int, int]] = []  # spans of running text
    for offset, lines in paragraphs(body):
        width = max(len(line.rstrip()) for line in lines)
        for index, line in enumerate(lines):
            if index and _continues(lines[index - 1], line, width):
                units[-1] = (units[-1][0], offset + len(line))
            else:
                units.append((offset, offset + len(line)))
            offset += len(line) + 1
    sentences: list[Sentence] = []
    line_number, counted = 1, 0  # lines counted up to offset ``counted``: once through the body, not per sentence
    for unit_start, unit_end in units:
        for start, end in _split_block(body[unit_start:unit_end], unit_start):
            line_number += body.count("\n", counted, start)
            counted = start
            raw = body[start:end]
            sentences.append(Sentence(raw=raw, text=normalise_space(raw), offset=start, line=line_number))
    return sentences


def excerpt(text: str, start: int, end: int, limit: int) -> str:
    """At most ``limit`` characters of ``text`` around ``text[start:end]``, cut at spaces, with
    "…" where text was left out; ``text`` itself when it is short enough."""
    if len(text) <= limit:
        return text
    end = min(end, start + max(1, limit - 2))  # an expression longer than the limit is cut too
    room = max(0, limit - 2 - (end - start))  # for the text on both sides, two "…" left out
    before = min(start, room // 2)
    after = min(len(text) - end, room - before)
    before = min(start, room - after)  # what one side does not need, the other gets
    low, high = start - before, end + after
    if low > 0 and text[low - 1] != " ":
        space = text.find(" ", low, start)
        low = space + 1 if space != -1 else low
    if high < len(text) and text[high] != " ":
        space = text.rfind(" ", end, high)
        high = space if space != -1 else high
    return ("…" if low > 0 else "") + text[low:high].strip() + ("…" if high < len(text) else "")
