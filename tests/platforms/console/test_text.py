"""Plain-text rendering of cards."""

from __future__ import annotations

from bot.briefings.cards import Card, CardField, Line, Reply, SourceRef
from bot.platforms.console.render import render_card, render_reply

SOURCE = SourceRef(1, "a", "Tytuł artykułu", "Gazeta.pl", "9 stycznia 2022", "https://example.org/a")


def test_card_with_every_part() -> None:
    card = Card(
        title="Tytuł",
        body="Akapit.",
        fields=(CardField("Źródło", "Gazeta.pl"),),
        lines=(Line("Coś się stało.", "2 stycznia 2022", (1,), "abc123"),),
        sources=(SOURCE,),
        footer="Strona 1/2",
    )
    assert render_card(card).split("\n") == [
        "Tytuł",
        "=====",
        "Akapit.",
        "Źródło: Gazeta.pl",
        "",
        "• 2 stycznia 2022 — Coś się stało. [1] (id abc123)",
        "",
        "[1] Gazeta.pl, 9 stycznia 2022: Tytuł artykułu — https://example.org/a",
        "",
        "Strona 1/2",
    ]


def test_minimal_card_and_long_source_title() -> None:
    long_title = SourceRef(2, "b", "słowo " * 30, "X", "2022", None)
    text = render_card(Card(title="T", lines=(Line("bez etykiety"),), sources=(long_title,)))
    assert "• bez etykiety" in text
    source_line = text.split("\n")[-1]
    assert source_line.startswith("[2] X, 2022: słowo") and source_line.endswith("…")
    assert len(source_line) < 100


def test_reply_pages_are_separated() -> None:
    reply = Reply((Card(title="A"), Card(title="B")))
    assert render_reply(reply) == "A\n=\n\nB\n="
