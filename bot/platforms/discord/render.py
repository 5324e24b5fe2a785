"""Card → discord.Embed, within Discord's embed limits, with markdown and mentions escaped.

Limits (Discord's): title 256, description 4,096, 25 fields, field name 256 and value 1,024,
footer 2,048, and 6,000 characters across the whole embed.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import discord

from bot.briefings.cards import TITLE_LIMIT, Card, shorten

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
COLOUR = discord.Colour(0x2B6CB0)


#: What Discord's Markdown reads anywhere in a line: emphasis, code, spoilers, a link ("[" opens
#: one), a mention, emoji or timestamp ("<" opens one), a quote, and the escape itself...
_INLINE = re.compile(r"([\\*_~|`\[<>])")
#: ... and at the start of a line: headings, subtext, lists.
_LINE_START = re.compile(r"^(\s*)(?:([#+-])|(\d+)\.)", re.MULTILINE)
_EVERYONE = re.compile(r"@(?=everyone|here)")
_URL_END = re.compile(r"[()<>\s\\]")


def esc(text: str) -> str:
    """Text that Discord shows as typed and that pings no one.

    Every character its Markdown could read is escaped with a backslash, wherever it stands:
    discord.py's ``escape_markdown`` escapes only the first of several links ("[a](x) [b](y)"
    left [b](y) a live link) and line starts only at the very start, and its ``escape_mentions``
    only ids of 17 to 20 digits. "@everyone" and "@here" get a zero-width space after the "@".
    """
    text = _INLINE.sub(r"\\\1", text)
    text = _LINE_START.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(2) else f"{m.group(1)}{m.group(3)}\\.", text
    )
    return _EVERYONE.sub("@\u200b", text)


def _link(text: str, url: str | None) -> str:
    if not url:
        return esc(text)
    # Discord ends a link's URL at ")", ">", whitespace or a backslash: those are percent-encoded.
    return f"[{esc(text)}]({_URL_END.sub(lambda m: quote(m.group()), url)})"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _description(card: Card, urls: dict[int, str | None]) -> str:
    parts: list[str] = []
    if card.body:
        parts.append(esc(card.body))
    for line in card.lines:
        text = f"**{esc(line.label)}** — {esc(line.text)}" if line.label else esc(line.text)
        refs = "".join(_link(f"[{n}]", urls.get(n)) for n in line.sources)
        ident = f" `{line.fact_id}`" if line.fact_id else ""
        parts.append(f"• {text} {refs}{ident}".rstrip())
    return "\n".join(parts)


def _source_chunks(card: Card) -> list[str]:
    """The source list, as field values of at most 1,024 characters."""
    chunks: list[str] = []
    current = ""
    for source in card.sources:
        entry = (
            f"[{source.number}] {_link(source.outlet, source.url)}, {esc(source.published)}: "
            f"*{esc(shorten(source.title, TITLE_LIMIT))}*"
        )
        entry = _clip(entry, FIELD_VALUE_MAX)
        if current and len(current) + 1 + len(entry) > FIELD_VALUE_MAX:
            chunks.append(current)
            current = entry
        else:
            current = f"{current}\n{entry}" if current else entry
    if current:
        chunks.append(current)
    return chunks


def render_embed(card: Card, sources_label: str = "Źródła") -> discord.Embed:
    """A card as one embed that Discord accepts."""
    urls = {source.number: source.url for source in card.sources}
    embed = discord.Embed(
        title=_clip(esc(card.title), TITLE_MAX),
        description=_clip(_description(card, urls), DESCRIPTION_MAX) or None,
        colour=COLOUR,
    )
    fields = [(esc(f.name), esc(f.value)) for f in (*card.fields, *card.notes)]  # after the description's lines
    fields += [(sources_label, chunk) for chunk in _source_chunks(card)]
    for name, value in fields[:FIELDS_MAX]:
        embed.add_field(name=_clip(name, FIELD_NAME_MAX), value=_clip(value or "–", FIELD_VALUE_MAX), inline=False)
    outlets = ", ".join(dict.fromkeys(source.outlet for source in card.sources))
    footer = " · ".join(part for part in (card.footer, outlets) if part)
    if footer:  # shown as plain text, Markdown and all: only "@everyone" is broken up
        embed.set_footer(text=_clip(_EVERYONE.sub("@\u200b", footer), FOOTER_MAX))
    while len(embed) > EMBED_TOTAL_MAX and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    if len(embed) > EMBED_TOTAL_MAX and embed.description:
        embed.description = _clip(embed.description, max(1, len(embed.description) - (len(embed) - EMBED_TOTAL_MAX)))
    return embed
