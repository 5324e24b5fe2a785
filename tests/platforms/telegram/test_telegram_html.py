"""Card → Telegram HTML: escaping, links, and the 4,096-character limit."""

from __future__ import annotations

from bot.briefings.cards import Card, CardField, Line, SourceRef
from bot.platforms.telegram.render import MESSAGE_LIMIT, render_html, visible_length
from tests.platforms.telegram.fake_telegram import check_html, visible_text

SOURCE = SourceRef(1, "a", "Tytuł <i>", "Outlet & Co", "9 stycznia 2022", 'https://example.org/a?x=1&y="2"')


def test_everything_is_escaped_and_valid() -> None:
    card = Card(
        title="<script>alert(1)</script>",
        body="a < b & c > d",
        fields=(CardField("<b>", "</b>"),),
        lines=(Line("x & y", "<label>", (1,), "abc"),),
        sources=(SOURCE,),
        footer="<i>",
    )
    markup = render_html(card)
    assert check_html(markup) is None
    text = visible_text(markup)
    for raw in ("<script>alert(1)</script>", "a < b & c > d", "<b>: </b>", "<label> — x & y [1] abc", "Outlet & Co"):
        assert raw in text
    assert '<a href="https://example.org/a?x=1&amp;y=&quot;2&quot;">[1]</a>' in markup


def test_a_card_over_the_limit_loses_lines_not_tags() -> None:
    lines = tuple(Line("słowo " * 60, f"{n} stycznia", (), f"id{n}") for n in range(40))
    markup = render_html(Card(title="Długa", lines=lines))
    assert check_html(markup) is None
    assert visible_length(markup) <= MESSAGE_LIMIT
    assert "id0" in markup and "id39" not in markup
    assert markup.endswith("…</i>")


def test_a_huge_body_is_shortened() -> None:
    markup = render_html(Card(title="T", body="x" * 10_000))
    assert check_html(markup) is None and visible_length(markup) <= MESSAGE_LIMIT
