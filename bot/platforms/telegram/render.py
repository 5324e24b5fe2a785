"""Card → Telegram HTML (parse_mode="HTML"), every piece of text escaped, within the limit.

Telegram counts a message's length after its entities are parsed, i.e. the visible text; a
card that would exceed it (cards are normally a quarter of it) loses lines from the end and
says so, rather than being cut inside a tag.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

from bot.briefings.cards import TITLE_LIMIT, Card, shorten

MESSAGE_LIMIT = 4096
#: A title or footer is shortened past this (a few lines).
HEADER_LIMIT = 256
_TAG = re.compile(r"<[^>]+>")


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def _link(text: str, url: str | None) -> str:
    if not url:
        return esc(text)
    return f'<a href="{html.escape(url, quote=True)}">{esc(text)}</a>'


def visible_length(markup: str) -> int:
    """The length Telegram checks: the text without tags, entities decoded."""
    return len(html.unescape(_TAG.sub("", markup)))


def _render(card: Card) -> str:
    urls = {source.number: source.url for source in card.sources}
    parts: list[str] = [f"<b>{esc(card.title)}</b>"]
    if card.body:
        parts.append(esc(card.body))
    if card.fields:
        parts.append("\n".join(f"<b>{esc(field.name)}:</b> {esc(field.value)}" for field in card.fields))
    if card.lines:
        rendered = []
        for line in card.lines:
            text = f"<b>{esc(line.label)}</b> — {esc(line.text)}" if line.label else esc(line.text)
            refs = "".join(_link(f"[{n}]", urls.get(n)) for n in line.sources)
            ident = f" <code>{esc(line.fact_id)}</code>" if line.fact_id else ""
            rendered.append(f"• {text} {refs}{ident}".rstrip())
        parts.append("\n".join(rendered))
    if card.notes:
        parts.append("\n".join(f"<b>{esc(note.name)}:</b> {esc(note.value)}" for note in card.notes))
    if card.sources:
        parts.append(
            "\n".join(
                f"[{s.number}] {_link(s.outlet, s.url)}, {esc(s.published)}: "
                f"<i>{esc(shorten(s.title, TITLE_LIMIT))}</i>"
                for s in card.sources
            )
        )
    if card.footer:
        parts.append(f"<i>{esc(card.footer)}</i>")
    return "\n\n".join(parts)


def render_html(card: Card, limit: int = MESSAGE_LIMIT) -> str:
    """A card as Telegram HTML whose visible text fits ``limit``.

    Lines go first, from the end (the footer then ends with "…"); then the body is shortened;
    then notes, fields and sources go, from the end. A title or footer longer than a few lines is
    shortened first: only content beyond any screen makes one (a title of a thousand words).
    """
    card = replace(
        card,
        title=shorten(card.title, HEADER_LIMIT),
        footer=shorten(card.footer, HEADER_LIMIT) if card.footer else None,
    )
    markup = _render(card)
    if visible_length(markup) <= limit:
        return markup
    more = f"{card.footer or ''} …".strip()
    while visible_length(markup) > limit and card.lines:
        card = replace(card, lines=card.lines[:-1], footer=more)
        markup = _render(card)
    if visible_length(markup) > limit and card.body:  # no lines left to drop: shorten the body
        card = replace(card, body=shorten(card.body, max(limit // 2, 1)))
        markup = _render(card)
    while visible_length(markup) > limit and (card.notes or card.fields or card.sources):
        if card.notes:
            card = replace(card, notes=card.notes[:-1], footer=more)
        elif card.fields:
            card = replace(card, fields=card.fields[:-1], footer=more)
        else:
            card = replace(card, sources=card.sources[:-1], footer=more)
        markup = _render(card)
    return markup
