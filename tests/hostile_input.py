"""Hostile chat input for the command fuzzing suites, and what every reply to it must satisfy.

Shared by ``tests/briefings/test_command_fuzz.py`` (the core's dispatcher) and
``tests/platforms/test_render_fuzz.py`` (the renderers and the adapters that call them):

- ``ADVERSARIAL``, ``arguments()`` and ``requests()``: what a user may type, after a command
  (every one the core knows, and others) or instead of one;
- ``telegram_problem``: Telegram's rules for ``parse_mode=HTML``, stricter than the fake Bot API
  (which checks only what makes the real one answer 400);
- ``discord_problems``: Discord's embed limits, mentions that would ping, and Markdown links that
  the bot did not put there;
- ``reads``: every file the process opens meanwhile, from an audit hook (``sys.addaudithook``).
"""

from __future__ import annotations

import html
import os
import re
import site
import sys
import sysconfig
import threading
import zoneinfo
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import discord
from hypothesis import strategies as st

from bot.briefings.commands import all_commands
from bot.knowledge.indexes import Knowledge

# --- what users type ----------------------------------------------------------------------------

#: Arguments chosen to break something: markup of both platforms, pings, invisible and
#: bidirectional characters, paths, impossible dates, odd numbers, /digest words, huge input.
ADVERSARIAL: tuple[str, ...] = (
    # Telegram HTML
    "<b>",
    "</a>",
    "<b>x</b>",
    "</b></i></a>",
    "&amp;",
    "&",
    "&lt;",
    "&#0;",
    "&#x110000;",
    "&nbsp;",
    "<",
    ">",
    '<a href="javascript:alert(1)">x</a>',
    "<script>alert(1)</script>",
    "<pre><code>",
    "<tg-spoiler>",
    "<!--",
    # Discord Markdown
    "*bold*",
    "**",
    "_i_",
    "__u__",
    "~~s~~",
    "||spoiler||",
    "`",
    "```py",
    "\\",
    "\\*",
    "# head",
    "-# small",
    "> quote",
    ">>> q",
    "- item",
    "[link](https://evil.example)",
    "a [x](https://a.example) b [gazeta.pl](https://evil.example)",
    "<https://evil.example>",
    "<t:0:R>",
    # pings
    "@everyone",
    "@here",
    "<@&123>",
    "<@123>",
    "<@!123>",
    "<@&123456789012345678>",
    "<@123456789012345678>",
    "<#123456789012345678>",
    "</digest on:123456789012345678>",
    "<:emoji:123456789012345678>",
    "＠everyone",
    # invisible and bidirectional characters, combining marks, other scripts
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u202e",
    "\u202d",
    "\u2066\u2069",
    "\u061c",
    "\u0301" * 50,
    "עברית",
    "العربية",
    "Kazachstan\u202enapsiT",
    "\u00a0",
    "\u2028",
    "\x85",
    "\t\n\r",
    # paths
    "../../etc/passwd",
    "/etc/passwd",
    "content/../x",
    "content/articles/../../README.md",
    "..\\..\\boot.ini",
    "a\x00b",
    "\x00",
    "~/.ssh/id_rsa",
    "file:///etc/passwd",
    "%2e%2e%2f",
    "/proc/self/environ",
    ".",
    # dates: impossible, ancient, distant, reversed
    "02-30",
    "2-30",
    "13-01",
    "00-00",
    "02-29",
    "99-99",
    "2022-13",
    "2022-00",
    "2022-02-30",
    "2022-1-1",
    "0000",
    "0",
    "99999",
    "9999",
    "9999-12",
    "9999-12-31",
    "0001-01-01",
    "-1",
    "-0001",
    "2022-01-01..2021-01-01",
    "0001-01-01..9999-12-31",
    "..",
    "...",
    "2022..",
    "..2022",
    "2022-01..2022-02..2022-03",
    "01-06 01-06",
    # numbers in other scripts, odd numbers
    "²",
    "①",
    "٣",
    "１２",
    "१",
    "-5",
    "999999999999",
    "1e9",
    "nan",
    "inf",
    "0x10",
    # topics and articles, known and not
    "csto",
    "CSTO",
    "/csto",
    "ódkb",
    "nieznany-temat",
    "odkb-w-kazachstanie",
    "odkb",
    "kazach",
    "zamieszki w",
    "1",
    "5",
    # /digest words
    "on",
    "off",
    "status",
    "preview",
    "preview 02-30",
    "empty",
    "empty maybe",
    "topics",
    "topics all",
    "topics ,,,",
    "on 25:00",
    "on 9:5",
    "on ../../../etc/localtime",
    "on zone.tab",
    "on Europe",
    "on posixrules",
    "on Europe/Warsaw @channel",
)
#: Long arguments, as (piece, times): over the request limit, 100 kB, and just under the limit.
LONG: tuple[tuple[str, int], ...] = (
    ("x", 1001),
    ("x", 100_000),
    ("<b>@everyone</b> ", 6000),
    ("słowo ", 160),
    ("a", 990),
    ("kazachstan ", 90),
)


def adversarial() -> list[str]:
    """Every adversarial argument, the long ones too."""
    return [*ADVERSARIAL, *(piece * times for piece, times in LONG)]


ARGUMENT_ALPHABET = st.characters(codec="utf-8")  # any character a chat can carry (no lone surrogates)

#: Arguments that find something in the bundled content, for the fuzzing to reach the cards that
#: answer them (and the same with hostile text around them).
PLAUSIBLE: tuple[str, ...] = (
    "2022",
    "2022-01",
    "2022-02",
    "2022-01-01..2022-01-31",
    "2021..2023",
    "01-06",
    "01-02",
    "1-6",
    "02-24",
    "csto",
    "protesty",
    "wojna",
    "ODKB",
    "1",
    "2",
    "5",
    "odkb-w-kazachstanie",
    "zamieszki",
    "NATO",
    "kazachstan",
    "Tokajew",
    "Tokajewa",
    "zatrzymani",
    "żołnierzy",
    "Kazachstanu tokajew",
    "timeline",
    "search",
    "pl",
    "en",
)


def weighted(*options: tuple[int, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    """One of the strategies, each drawn in proportion to its weight (``one_of`` has none)."""
    return st.sampled_from([strategy for weight, strategy in options for _ in range(weight)]).flatmap(lambda s: s)


def arguments(known: Iterable[str] = ()) -> st.SearchStrategy[str]:
    """An argument: an adversarial one, random text, one that finds something (``PLAUSIBLE``,
    and ``known``: e.g. fact ids), or pieces of all of them joined up."""
    found = st.sampled_from([*PLAUSIBLE, *known])
    piece = st.one_of(st.sampled_from(ADVERSARIAL), st.text(ARGUMENT_ALPHABET, max_size=12), found)
    return weighted(
        (3, found),
        (2, st.sampled_from(ADVERSARIAL)),
        (1, st.sampled_from(LONG).map(lambda long: long[0] * long[1])),
        (1, st.text(ARGUMENT_ALPHABET, max_size=30)),
        (2, st.lists(piece, max_size=6).map(" ".join)),
        (1, st.lists(piece, max_size=6).map("".join)),
        (1, st.builds(lambda text, times: text * times, st.sampled_from(ADVERSARIAL[:40]), st.integers(1, 3000))),
    )


def command_names(knowledge: Knowledge) -> list[str]:
    return [spec.name for spec in all_commands(knowledge)]


def requests(knowledge: Knowledge) -> st.SearchStrategy[str]:
    """What a chat message may say: a command (known or not, maybe addressed to a bot) and an
    argument, or anything else; arguments also name facts and articles of ``knowledge``."""
    names = command_names(knowledge)
    argument = arguments([*list(knowledge.by_id)[:50], *knowledge.articles])
    known_name = st.sampled_from(names)
    command = weighted(
        (6, known_name), (1, known_name.map(str.upper)), (1, st.from_regex(r"[A-Za-z0-9_]{1,40}", fullmatch=True))
    )
    addressed = st.sampled_from(["", "", "", "@BriefingBot", "@other_bot"])
    separator = st.sampled_from([" ", " ", " ", " ", "  ", "\n", "\t", "\u00a0", "\u3000", ""])
    typed = st.builds(lambda name, bot, gap, text: f"/{name}{bot}{gap}{text}", command, addressed, separator, argument)
    return weighted((8, typed), (1, argument), (1, st.builds(lambda text: f"/{text}", argument)))


# --- Telegram: parse_mode=HTML ------------------------------------------------------------------

TELEGRAM_LIMIT = 4096
#: The tags Telegram's HTML knows, and the attributes each may carry.
TELEGRAM_TAGS: dict[str, frozenset[str]] = {
    **{tag: frozenset() for tag in ("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "pre")},
    "a": frozenset({"href"}),
    "span": frozenset({"class"}),
    "code": frozenset({"class"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "blockquote": frozenset({"expandable"}),
}
_TELEGRAM_TOKEN = re.compile(
    r"<(?P<close>/?)(?P<tag>[a-zA-Z][a-zA-Z-]*)(?P<attrs>(?:\s+[a-zA-Z-]+(?:=\"[^\"<>]*\")?)*)\s*>"
    r"|&(?P<entity>#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot);"
    r"|(?P<bad>[<>&])"
)
_ATTRIBUTE = re.compile(r"([a-zA-Z-]+)(?:=\"([^\"]*)\")?")


def telegram_problem(markup: str, urls: Iterable[str] = ()) -> str | None:
    """Why Telegram would reject (or misread) this message with parse_mode=HTML, or None.

    Only the tags Telegram knows, with their attributes; nested properly and closed; only the
    entities it knows (&lt; &gt; &amp; &quot; and numeric ones); every other <, > and & escaped;
    links only to ``urls``; the visible text not empty and at most 4,096 characters.
    """
    stack: list[str] = []
    visible: list[str] = []
    position = 0
    for token in _TELEGRAM_TOKEN.finditer(markup):
        visible.append(markup[position : token.start()])
        position = token.end()
        if token.group("bad"):
            return f"unescaped {token.group('bad')!r} at {token.start()}"
        if token.group("entity"):
            entity = token.group("entity")
            if entity.startswith("#"):
                number = int(entity[2:], 16) if entity.startswith("#x") else int(entity[1:])
                if not 0 < number <= 0x10FFFF:
                    return f"entity &{entity}; is not a character"
            visible.append(html.unescape(token.group()))
            continue
        tag = token.group("tag")
        if tag not in TELEGRAM_TAGS:
            return f"tag <{tag}> is not one of Telegram's"
        if token.group("close"):
            if token.group("attrs"):
                return f"closing tag </{tag}> with attributes"
            if not stack or stack[-1] != tag:
                return f"</{tag}> closes {'<' + stack[-1] + '>' if stack else 'nothing'}"
            stack.pop()
            continue
        attributes = dict(_ATTRIBUTE.findall(token.group("attrs")))
        if set(attributes) - TELEGRAM_TAGS[tag]:
            return f"<{tag}> with attributes {sorted(set(attributes) - TELEGRAM_TAGS[tag])}"
        if stack and stack[-1] in ("pre", "code") and not (stack[-1] == "pre" and tag == "code"):
            return f"<{tag}> inside <{stack[-1]}>"
        if tag == "a":
            if "a" in stack:
                return "a link inside a link"
            href = html.unescape(attributes.get("href", ""))
            if href not in set(urls):
                return f"a link to {href!r}, which is not one of the card's sources"
        stack.append(tag)
    visible.append(markup[position:])
    if stack:
        return f"<{stack[-1]}> is never closed"
    text = "".join(visible)
    if not text.strip():
        return "the visible text is empty"
    if len(text) > TELEGRAM_LIMIT:
        return f"{len(text)} visible characters, over {TELEGRAM_LIMIT}"
    return None


def telegram_visible(markup: str) -> str:
    """The text a reader sees (the markup assumed valid)."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


# --- Discord: embeds ----------------------------------------------------------------------------

#: Discord's limits for one embed.
EMBED_LIMITS = {
    "title": 256,
    "description": 4096,
    "fields": 25,
    "field.name": 256,
    "field.value": 1024,
    "footer": 2048,
    "author": 256,
    "total": 6000,
}
#: A mention that renders (and, outside embeds, pings): @everyone, @here, <@user>, <@!user>, <@&role>.
_MENTION = re.compile(r"@(?:everyone|here)|<@[!&]?\d+>")
#: Discord's Markdown link: [text](url), with nested brackets in the text (simple-markdown's rule).
_MASKED_LINK = re.compile(r"\[((?:\[[^\]]*\]|[^\[\]]|\](?=[^\[]*\]))*)\]\(\s*<?((?:\([^)]*\)|[^\s\\]|\\.)*?)>?\s*\)")


def _read(markdown: str) -> list[tuple[int, str, bool]]:
    """Each character Discord shows, by position, and whether a backslash made it plain text
    (a backslash before ASCII punctuation escapes it, and is not shown)."""
    shown: list[tuple[int, str, bool]] = []
    index = 0
    while index < len(markdown):
        if markdown[index] == "\\" and index + 1 < len(markdown) and re.match(r"[!-/:-@\[-`{-~]", markdown[index + 1]):
            shown.append((index + 1, markdown[index + 1], True))
            index += 2
            continue
        shown.append((index, markdown[index], False))
        index += 1
    return shown


def unescaped(markdown: str) -> list[tuple[int, str]]:
    """The characters Discord's Markdown may read as markup, by position: those not escaped."""
    return [(index, char) for index, char, escaped in _read(markdown) if not escaped]


def shown(markdown: str) -> str:
    """The text Discord shows for Markdown that formats nothing: the escapes resolved."""
    return "".join(char for _, char, _ in _read(markdown))


def markdown_links(markdown: str) -> list[str]:
    """The URLs of the Markdown links Discord would render: a link needs an unescaped "[" to open."""
    urls = []
    for index, char in unescaped(markdown):
        if char == "[":
            match = _MASKED_LINK.match(markdown, index)
            if match:
                urls.append(match.group(2))
    return urls


def mentions(markdown: str) -> list[str]:
    """Mentions Discord would render (and, outside an embed, ping), escapes taken into account."""
    plain = ["\x01"] * len(markdown)  # escaped characters and their backslashes break a mention up
    for index, char in unescaped(markdown):
        plain[index] = char
    return _MENTION.findall("".join(plain))


def embed_texts(embed: discord.Embed) -> dict[str, str]:
    texts = {
        "title": embed.title or "",
        "description": embed.description or "",
        "footer": embed.footer.text or "",
        "author": embed.author.name or "",
    }
    for n, field in enumerate(embed.fields):
        texts[f"field {n} name"] = field.name or ""
        texts[f"field {n} value"] = field.value or ""
    return texts


def discord_problems(embed: discord.Embed, urls: Iterable[str] = ()) -> list[str]:
    """Why Discord would refuse this embed, or show in it what the bot did not mean to.

    Discord's limits; no field without a name or a value; no mention in any text; and no link but
    to the card's sources.
    """
    problems = []
    texts = embed_texts(embed)
    for key in ("title", "description", "footer", "author"):
        if len(texts[key]) > EMBED_LIMITS[key]:
            problems.append(f"{key}: {len(texts[key])} characters, over {EMBED_LIMITS[key]}")
    if len(embed.fields) > EMBED_LIMITS["fields"]:
        problems.append(f"{len(embed.fields)} fields, over {EMBED_LIMITS['fields']}")
    for field in embed.fields:
        name, value = field.name or "", field.value or ""
        if not name.strip() or not value.strip():
            problems.append(f"a field with an empty name or value: {name!r}: {value!r}")
        if len(name) > EMBED_LIMITS["field.name"] or len(value) > EMBED_LIMITS["field.value"]:
            problems.append(f"field {name[:40]!r}: {len(name)}/{len(value)} characters")
    if len(embed) > EMBED_LIMITS["total"]:
        problems.append(f"{len(embed)} characters in all, over {EMBED_LIMITS['total']}")
    allowed = {unquote(url) for url in urls}  # the renderer percent-encodes what ends a link
    for key, text in texts.items():
        if key in ("title", "footer", "author"):
            continue  # Discord renders no links and no mentions there
        problems += [f"{key}: mention {found!r}" for found in mentions(text)]
        problems += [f"{key}: link to {url!r}" for url in markdown_links(text) if unquote(url) not in allowed]
    for key in ("title", "footer", "author"):
        problems += [f"{key}: @everyone/@here" for found in mentions(texts[key]) if found.startswith("@")]
    return problems


def mentions_are_off(allowed_mentions: object) -> bool:
    """Whether an ``allowed_mentions`` payload (as sent to Discord) lets nobody be pinged."""
    if isinstance(allowed_mentions, discord.AllowedMentions):
        allowed_mentions = allowed_mentions.to_dict()
    return allowed_mentions == {"parse": []} or allowed_mentions == {"parse": [], "replied_user": False}


# --- which files are opened ---------------------------------------------------------------------

_recording: list[str] | None = None
_recording_lock = threading.Lock()
_hooked = False
_EVENTS = {"open": 0, "os.listdir": 0, "os.scandir": 0, "os.chdir": 0}


def _audit(event: str, args: tuple[object, ...]) -> None:
    recording = _recording
    if recording is None or event not in _EVENTS:
        return
    path = args[0] if args else None
    if isinstance(path, (str, bytes, os.PathLike)):
        recording.append(os.fsdecode(path))  # type: ignore[arg-type]
    elif path is None and event != "open":
        recording.append(".")  # os.listdir() and os.scandir() read the working folder


@contextmanager
def reads() -> Iterator[list[str]]:
    """Record every path opened or listed meanwhile, in any thread, as typed (see ``outside``).

    An audit hook cannot be removed, so one is added to the process once and records only
    inside this block."""
    global _recording, _hooked
    with _recording_lock:
        if not _hooked:
            sys.addaudithook(_audit)
            _hooked = True
        found: list[str] = []
        _recording = found
        try:
            yield found
        finally:
            _recording = None


def python_installation() -> list[Path]:
    """Where Python and its packages live, and the time zone database that ZoneInfo reads."""
    places = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        *site.getsitepackages(),
        site.getusersitepackages(),
        *sysconfig.get_paths().values(),
        *zoneinfo.TZPATH,
    }
    return [Path(place).resolve() for place in places if place]


def outside(paths: Iterable[str], allowed: Iterable[Path]) -> list[str]:
    """The paths that resolve (symbolic links and ".." followed) outside every allowed folder."""
    roots = [Path(root).resolve() for root in allowed]
    found = []
    for raw in paths:
        try:
            resolved = Path(raw).resolve()
        except (OSError, ValueError):  # a NUL byte, a loop: such a path cannot have been opened
            found.append(raw)
            continue
        if not any(resolved == root or resolved.is_relative_to(root) for root in roots):
            found.append(raw)
    return found
