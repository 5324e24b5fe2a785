"""Card → plain text, for the console, the CLI and any platform without markup."""

from __future__ import annotations

import shlex

from bot.briefings.cards import TITLE_LIMIT, Card, ChartQuery, Reply, shorten
from bot.i18n.messages import DEFAULT_LANGUAGE, t

#: Where the export command a console chart answer gives writes its picture.
CHART_FILE = "timeline.png"


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
    if card.notes:
        if len(parts) > 2:  # more than the title and its rule
            parts.append("")
        parts.extend(f"{note.name}: {note.value}" for note in card.notes)
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


def render_reply(reply: Reply, language: str = DEFAULT_LANGUAGE) -> str:
    """Every page of a reply, separated by a blank line; a picture's caption with the command
    that draws it."""
    text = "\n\n".join(render_card(card) for card in reply.cards)
    picture = render_picture(reply, language)
    return f"{text}\n\n{picture}" if picture else text


def render_picture(reply: Reply, language: str) -> str | None:
    """For a reply that is a picture, which a terminal cannot show: the ``briefing-bot export
    png`` command that writes the same picture to a file."""
    if not reply.picture or reply.chart is None:
        return None
    return t(language, "console.chart", command=export_command(reply.chart))


def export_command(query: ChartQuery, output: str = CHART_FILE) -> str:
    """The command line that draws ``query``'s picture into ``output``."""
    words = ["briefing-bot", "export", "png"]
    if query.topic is not None:
        words += ["--topic", query.topic]
    if query.first is not None:
        words += ["--from", query.first.isoformat()]
    if query.last is not None:
        words += ["--to", query.last.isoformat()]
    return shlex.join([*words, "-o", output])
