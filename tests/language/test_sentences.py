"""Splitting Polish article bodies into sentences, with offsets and line numbers.

The expected sentences are read off the Polish text by hand: abbreviations such as "tys.",
"m.in." or "prof." and initials do not end a sentence; a full stop, "!", "?" or "…" (with any
closing quotes) followed by a new sentence does.
"""

from __future__ import annotations

import pytest

from bot.language.sentences import Sentence, split_sentences


def texts(body: str) -> list[str]:
    return [sentence.text for sentence in split_sentences(body)]


def assert_raw_is_a_slice(body: str, sentences: list[Sentence]) -> None:
    """Each ``raw`` is the exact text of the body at its offset."""
    for sentence in sentences:
        assert body[sentence.offset : sentence.offset + len(sentence.raw)] == sentence.raw


# --- abbreviations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Rosja wysłała ponad 2 tys. żołnierzy do Kazachstanu.",
        "Państwa dzieli licząca 7,6 tys. km granica.",
        "Kazachstan przeznaczy 918 mln dolarów, tj. ok. 3,7 mld zł, na obronność.",
        "Dnia 06.01.2021 r. szereg budynków spłonął.",
        "Od oceny wstrzymują się m.in. Iran, Indie i Chiny.",
        "Wykład wygłosił prof. Nowak z Warszawy.",
        "W carskiej Rosji gen. Jermołow ukradł nam wszystko.",
        "Oświadczenie podpisał J. Kowalski, rzecznik rządu.",
    ],
)
def test_abbreviations_do_not_end_a_sentence(body: str) -> None:
    assert texts(body) == [body]


def test_abbreviations_inside_running_text() -> None:
    body = (
        "Rosja wysłała ponad 2 tys. żołnierzy do Kazachstanu. Wspierają ją m.in. Białoruś i "
        "Armenia. Granica licząca 7,6 tys. km jest najdłuższa."
    )
    assert texts(body) == [
        "Rosja wysłała ponad 2 tys. żołnierzy do Kazachstanu.",
        "Wspierają ją m.in. Białoruś i Armenia.",
        "Granica licząca 7,6 tys. km jest najdłuższa.",
    ]


# --- sentence ends -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Protesty ustały. Wojska wyjechały! Czy wrócą? Nie wiadomo.",
            ["Protesty ustały.", "Wojska wyjechały!", "Czy wrócą?", "Nie wiadomo."],
        ),
        (
            'Rzecznik dodał: "Sytuacja jest opanowana." Wojska zostaną w kraju.',
            ['Rzecznik dodał: "Sytuacja jest opanowana."', "Wojska zostaną w kraju."],
        ),
        (
            "Tokajew powiedział: „Nie ustąpimy.” Następnego dnia wyjechał.",
            ["Tokajew powiedział: „Nie ustąpimy.”", "Następnego dnia wyjechał."],
        ),
        (
            "To nie jest jedyny problem Putina. – Zło Rosji powinno zostać zniszczone. Stalin umarł.",
            ["To nie jest jedyny problem Putina.", "– Zło Rosji powinno zostać zniszczone.", "Stalin umarł."],
        ),
        (
            "Kreml milczał… – Zło Rosji wróciło – mówili świadkowie.",
            ["Kreml milczał…", "– Zło Rosji wróciło – mówili świadkowie."],
        ),
        (
            "Tokajew skomentował sytuację. - Doceniam jego żart - powiedział.",
            ["Tokajew skomentował sytuację.", "- Doceniam jego żart - powiedział."],
        ),
        (
            "Protesty objęły cały kraj. 164 osoby zginęły.",
            ["Protesty objęły cały kraj.", "164 osoby zginęły."],
        ),
        (
            "Zginęło 16 funkcjonariuszy. Rannych jest ponad 1300.",
            ["Zginęło 16 funkcjonariuszy.", "Rannych jest ponad 1300."],
        ),
        # "r." before a capital letter ends the sentence; before a small letter it does not.
        (
            "Konflikt zaostrzył się w 2022 r. Rosja zaatakowała Ukrainę.",
            ["Konflikt zaostrzył się w 2022 r.", "Rosja zaatakowała Ukrainę."],
        ),
    ],
)
def test_sentence_ends(body: str, expected: list[str]) -> None:
    sentences = split_sentences(body)
    assert [s.text for s in sentences] == expected
    assert_raw_is_a_slice(body, sentences)


# --- lines, headings and hard wrapping ---------------------------------------------------------


def test_heading_line_is_its_own_sentence() -> None:
    body = "Zamieszki w Kazachstanie\nW Ałmaty doszło do starć. Zginęły 164 osoby.\n"
    sentences = split_sentences(body)
    assert [(s.text, s.line) for s in sentences] == [
        ("Zamieszki w Kazachstanie", 1),
        ("W Ałmaty doszło do starć.", 2),
        ("Zginęły 164 osoby.", 2),
    ]
    assert [s.offset for s in sentences] == [0, 25, 51]  # 24 characters + newline, then 25 + 26


def test_headings_between_paragraphs() -> None:
    body = "Sojusznik Rosji\n\nDecyzja jest niespodziewana.\n\nWojna na Ukrainie\n\nAtak został odparty."
    assert [(s.text, s.line) for s in split_sentences(body)] == [
        ("Sojusznik Rosji", 1),
        ("Decyzja jest niespodziewana.", 3),
        ("Wojna na Ukrainie", 5),
        ("Atak został odparty.", 7),
    ]


HARD_WRAPPED = (
    "Protesty wybuchły 2 stycznia w mieście\n"
    "Żanaozen,  gdy rząd podniósł ceny gazu. W kolejnych\n"
    "dniach objęły cały kraj, a prezydent\n"
    "Tokajew poprosił o pomoc ODKB.\n"
)


def test_hard_wrapped_paragraph_is_joined_into_sentences() -> None:
    sentences = split_sentences(HARD_WRAPPED)
    assert [s.text for s in sentences] == [
        "Protesty wybuchły 2 stycznia w mieście Żanaozen, gdy rząd podniósł ceny gazu.",
        "W kolejnych dniach objęły cały kraj, a prezydent Tokajew poprosił o pomoc ODKB.",
    ]
    assert [s.raw for s in sentences] == [
        "Protesty wybuchły 2 stycznia w mieście\nŻanaozen,  gdy rząd podniósł ceny gazu.",
        "W kolejnych\ndniach objęły cały kraj, a prezydent\nTokajew poprosił o pomoc ODKB.",
    ]
    assert [s.line for s in sentences] == [1, 2]
    assert [s.offset for s in sentences] == [0, HARD_WRAPPED.index("W kolejnych")]
    assert_raw_is_a_slice(HARD_WRAPPED, sentences)


def test_two_line_paragraph_continuing_in_small_letters_is_joined() -> None:
    body = "Z relacji „Guardiana” (07.01.2022 r.) wynika, że w dużych\nmiastach  przywrócono spokój."
    sentences = split_sentences(body)
    assert [(s.text, s.line, s.offset) for s in sentences] == [
        ("Z relacji „Guardiana” (07.01.2022 r.) wynika, że w dużych miastach przywrócono spokój.", 1, 0)
    ]
    assert sentences[0].raw == body


def test_wrapped_paragraph_with_dates_and_double_spaces() -> None:
    body = (
        "Ogólny  przebieg  zamieszek  wskazuje na podobieństwa do\n"
        "ukraińskiego majdanu. Stan państwa został podważony przez\n"
        "zwolenników  opozycji.  06.01.2021  r.  szereg  budynków\n"
        "w mieście Almaty uległo podpaleniu.\n"
    )
    sentences = split_sentences(body)
    assert [(s.text, s.line) for s in sentences] == [
        ("Ogólny przebieg zamieszek wskazuje na podobieństwa do ukraińskiego majdanu.", 1),
        ("Stan państwa został podważony przez zwolenników opozycji.", 2),
        ("06.01.2021 r. szereg budynków w mieście Almaty uległo podpaleniu.", 3),
    ]
    assert_raw_is_a_slice(body, sentences)


def test_line_numbers_are_one_based_lines_of_the_body() -> None:
    body = "\n\nPierwsze zdanie. Drugie zdanie.\n\nNagłówek\nTrzecie zdanie.\nCzwarte zdanie.\n"
    sentences = split_sentences(body)
    assert [(s.text, s.line) for s in sentences] == [
        ("Pierwsze zdanie.", 3),
        ("Drugie zdanie.", 3),
        ("Nagłówek", 5),
        ("Trzecie zdanie.", 6),
        ("Czwarte zdanie.", 7),
    ]
    assert sentences[0].offset == 2
    assert sentences[1].offset == 2 + len("Pierwsze zdanie. ")
    assert_raw_is_a_slice(body, sentences)


@pytest.mark.parametrize("body", ["", "   ", "\n\n \n"])
def test_empty_body_has_no_sentences(body: str) -> None:
    assert split_sentences(body) == []


def test_line_ending_in_a_preposition_continues_on_the_next_line() -> None:
    body = "Biura koncernów USA założone w\nKazachstanie chcą dostaw maszyn.\nSektor zdominowała Rosja."
    assert [s.text for s in split_sentences(body)] == [
        "Biura koncernów USA założone w Kazachstanie chcą dostaw maszyn.",
        "Sektor zdominowała Rosja.",
    ]


def test_heading_then_a_paragraph_wrapped_over_two_lines() -> None:
    body = (
        "Zamieszki w Kazachstanie\n"
        "W Ałmaty i na południu kraju doszło do starć z policją, a\n"
        "demonstranci podpalili ratusz i kilka budynków administracji.\n"
    )
    assert [s.text for s in split_sentences(body)] == [
        "Zamieszki w Kazachstanie",
        "W Ałmaty i na południu kraju doszło do starć z policją, a demonstranci podpalili ratusz i kilka "
        "budynków administracji.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "W czwartek 6 stycznia 2022 r. ODKB wysłała wojska do Kazachstanu.",
        "06.01.2022 r. Szereg budynków w Ałmaty spłonął.",
        "Dnia 5 stycznia 2022 r. Tokajew ogłosił stan wyjątkowy.",
    ],
)
def test_a_date_opening_a_sentence_does_not_end_it(text: str) -> None:
    """Left a sentence of its own, the date reads as a dateline and its news is lost."""
    assert [s.text for s in split_sentences(text)] == [text]


def test_a_sentence_that_ends_with_a_year_still_ends() -> None:
    assert len(split_sentences("Stało się to w 2022 r. Rosja potem wysłała wojska.")) == 2
