"""Card → plain text, for the console, the CLI and any platform without markup."""

from __future__ import annotations

from bot.briefings.cards import TITLE_LIMIT, Card, Reply, shorten


def render_card(card: Card) -> str:
    parts: list[str] = [card.title, "=" * min(len(card.title), 60)]
    if card.body:
        parts.append(card.body)
    for field in card.fields:
        parts.append(f"{field.name}: {field.value}")
    if card.lines:
        if card.body or card.fields:
            parts.append("")
        for line in card.lines:
            text = f"{line.label} — {line.text}" if line.label else line.text
            if line.sources:
                text += " " + "".join(f"[{n}]" for n in line.sources)
            if line.fact_id:
                text += f" (id {line.fact_id})"
            parts.append(f"• {text}")
    if card.sources:
        parts.append("")
        for source in card.sources:
            where = f" — {source.url}" if source.url else ""
            parts.append(
                f"[{source.number}] {source.outlet}, {source.published}: {shorten(source.title, TITLE_LIMIT)}{where}"
            )
    if card.footer:
        parts.append("")
        parts.append(card.footer)
    return "\n".join(parts)


def render_reply(reply: Reply) -> str:
    """Every page of a reply, separated by a blank line."""
    return "\n\n".join(render_card(card) for card in reply.cards)
