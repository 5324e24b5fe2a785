"""The ``briefing-bot`` command. Errors become messages and exit codes here, and only here.

Exit codes: 0 success (``ask`` also for unknown chat commands: the reply says so), 1 invalid
content (``content check``), a failed check (``doctor``), a refused source or draft (``content
add``, ``accept``, ``reject``), a refused feed (``feeds add``, ``remove``) or a feed that failed
(``feeds poll``), a refused migration (``state migrate``), 2 a broken invocation (bad options,
config, or folders).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import TextIO

from bot import logs
from bot.app import holding, list_digests, load_briefing, poll_interval, run, run_digests, serve
from bot.base.atomic import write_atomically
from bot.base.errors import BriefingError
from bot.briefings.commands import help_text
from bot.briefings.service import RESERVED_COMMANDS, Clock, utc_now
from bot.config import Settings, load_settings
from bot.content.loader import load_content
from bot.digests.open_state import open_state_store
from bot.digests.state_store import redact_url, url_secrets
from bot.doctor.report import diagnose, examine, report
from bot.export.selection import read_date, select
from bot.export.writers import FORMATS, check_format, export
from bot.extraction.explain import describe, explain_article
from bot.i18n.messages import LANGUAGES
from bot.ingest.add import add
from bot.ingest.drafts import Refused, Wishes
from bot.ingest.feeds import FeedError, add_feed, list_feeds, remove_feed
from bot.ingest.fetch import FetchError
from bot.ingest.inbox import accept, list_inbox, reject
from bot.ingest.poll import poll_feeds
from bot.knowledge.events import explain
from bot.language import lemmas
from bot.platforms.console.render import render_reply

log = logging.getLogger("bot")

#: ``serve``'s port when neither --port nor ``[web] port`` gives one.
DEFAULT_PORT = 8080
DESCRIPTION = "Briefing cards and a dated fact store from Polish news articles, in chat."
CHAT_COMMANDS = "chat commands:\n" + "\n".join(f"  {usage:<58} {summary}" for usage, summary in help_text("en"))


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """--content, --data and --config, accepted before and after the subcommand."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--content", type=Path, metavar="DIR", default=default, help="content folder (default: ./content)"
    )
    parser.add_argument(
        "--data", type=Path, metavar="DIR", default=default, help="data folder for the stores (default: ./data)"
    )
    parser.add_argument(
        "--config", type=Path, metavar="FILE", default=default, help="config file (default: ./config.toml when present)"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS if suppress else 0,
        help="log more; -vv logs everything, every library's debug lines too (tokens redacted)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefing-bot",
        description=DESCRIPTION,
        epilog=CHAT_COMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    _global_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _global_options(sub, suppress=True)
        return sub

    add("run", "start the adapters that have tokens; with none, the console chat")
    add("chat", "chat with the bot in this terminal")
    add(
        "doctor",
        "check the set-up, one line a check: Python and packages, settings and where each came from, content, "
        "data folder, lemma dictionary, time zone, each token and each digest chat; exit 1 if any check failed",
    )
    serving = add("serve", "serve only the read-only web pages, health and metrics (no chat platform)")
    serving.add_argument("--host", help="the address to listen on (default: [web] host, 127.0.0.1)")
    serving.add_argument("--port", type=_port, help=f"the port to listen on (default: [web] port, else {DEFAULT_PORT})")
    ask = add("ask", 'print the bot\'s reply to one message, e.g. briefing-bot ask "/timeline 2022-01"')
    ask.add_argument("text", help='the message, e.g. "/csto"')
    ask.add_argument("--lang", choices=LANGUAGES, help="reply language (default: from the config, pl)")
    facts = add("facts", "list the facts in the fact store")
    facts.add_argument("--json", action="store_true", help="one JSON object per line")
    events = add("events", "list the events: facts of several sources merged into one happening")
    shown = events.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="one JSON object per line")
    shown.add_argument("--explain", action="store_true", help="which facts were merged into each event, and why")
    exporting = add("export", "write the events (or facts) as TimelineJS JSON, CSV, iCalendar, JSON lines or PNG")
    exporting.add_argument("format", metavar="FORMAT", help=f"one of {', '.join(FORMATS)}")
    exporting.add_argument("--topic", metavar="T", help="only this topic's (an id or alias, as /timeline takes it)")
    exporting.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="only what overlaps this day or later")
    exporting.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="only what overlaps this day or earlier")
    exporting.add_argument("--facts", action="store_true", help="csv: one row per fact instead of per event")
    exporting.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE (default: stdout; png needs it)"
    )
    digest = add("digest", "list digest subscriptions, or deliver a day's digests now")
    digest_commands = digest.add_subparsers(dest="digest_command", required=True, metavar="ACTION")
    listing = digest_commands.add_parser(
        "list",
        help="every subscription, one a line",
        description="Every digest subscription, one a line, with its last delivery.",
    )
    _global_options(listing, suppress=True)
    deliver = digest_commands.add_parser(
        "run",
        help="deliver the digest of a date now",
        description="Deliver the digest of --date now to every subscription that has not had it "
        "(through the adapters that have tokens); --dry-run prints what would be sent.",
    )
    deliver.add_argument("--date", required=True, type=_iso_date, metavar="YYYY-MM-DD")
    deliver.add_argument("--dry-run", action="store_true", help="print the digests instead of sending them")
    _global_options(deliver, suppress=True)
    feeds = add("feeds", "news feeds whose new entries are drafted into content/inbox/")
    feeds_commands = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    feed_actions = (
        (
            "add",
            "poll a feed (RSS or Atom) from now on",
            "Poll the feed at URL from now on: each new entry is drafted into content/inbox/ with --topics.",
        ),
        (
            "list",
            "every feed with its last poll, drafts and failures",
            "Every feed, one a line, with its last poll and outcome, the drafts made, "
            "and while it fails its error and next retry.",
        ),
        ("remove", "stop polling a feed", "Stop polling the feed at URL; its drafts stay in the inbox."),
        (
            "poll",
            "poll every feed now",
            "Poll every feed now (failing ones too) and draft each new entry into content/inbox/; "
            "exit 1 if a feed failed.",
        ),
    )
    for name, summary, description in feed_actions:
        action = feeds_commands.add_parser(name, help=summary, description=description)
        if name in ("add", "remove"):
            action.add_argument("url", metavar="URL", help="the feed's http(s) address")
        if name == "add":
            action.add_argument(
                "--topics",
                type=_topic_list,
                default=(),
                metavar="A,B",
                help="topic ids for its drafts, comma-separated",
            )
        _global_options(action, suppress=True)
    lemma_parser = add("lemmas", "the Polish lemma dictionary, built once per machine (or container image)")
    lemma_commands = lemma_parser.add_subparsers(dest="lemmas_command", required=True, metavar="ACTION")
    building = lemma_commands.add_parser(
        "build",
        help="build it now, if it is not built yet",
        description="Build the Polish lemma dictionary now (about 10 s, once) in its cache folder "
        "(BRIEFING_LEMMA_CACHE, else the user's cache), so that the first start need not; "
        "a container image runs this when it is built.",
    )
    _global_options(building, suppress=True)
    state = add("state", "the state store: chat settings, subscriptions, deliveries, feeds")
    state_commands = state.add_subparsers(dest="state_command", required=True, metavar="ACTION")
    moving = state_commands.add_parser(
        "migrate",
        help="copy the state store into another (PostgreSQL, or a TinyDB file) and verify it",
        description="Copy every record of the configured state store (state, else data/state.json) into "
        "--to (a postgresql:// URL or a TinyDB file's path), then verify each table's count and checksum; "
        "a target that holds anything is refused unless --force. Stop the bots first.",
    )
    moving.add_argument("--to", required=True, metavar="TARGET", help="postgresql://… or path/to/state.json")
    moving.add_argument("--force", action="store_true", help="replace what the target holds")
    _global_options(moving, suppress=True)
    content = add("content", "work with content files")
    content_commands = content.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    check = content_commands.add_parser(
        "check",
        help="validate every content file",
        description="Validate every content file; print path:line: message "
        "for each problem and exit 1 if there is any.",
    )
    check.add_argument(
        "--explain",
        type=Path,
        metavar="FILE",
        help="print each sentence of this article with the dates and figures understood in it",
    )
    _global_options(check, suppress=True)
    adding = content_commands.add_parser(
        "add",
        help="draft an article file from a web page, a saved .html file or a .txt file",
        description="Draft content/articles/ID.md (or, with --inbox, content/inbox/ID.md) from SOURCE, "
        "then print the dates and figures read in it; a source that is no new Polish article is refused "
        "and nothing is written.",
    )
    adding.add_argument("source", metavar="SOURCE", help="an http(s) address, a saved .html file or a .txt file")
    adding.add_argument("--id", help="the article's id and file name (default: made from the title)")
    adding.add_argument("--topics", type=_topic_list, default=(), metavar="A,B", help="topic ids, comma-separated")
    adding.add_argument("--outlet", metavar="NAME", help="the outlet (default: the site's name)")
    adding.add_argument("--language", metavar="CODE", help="the text's language; skips the check that it is Polish")
    adding.add_argument(
        "--published",
        type=_published,
        metavar="DATE",
        help="the publication date, YYYY-MM-DD or an ISO date-time with offset (default: the page's)",
    )
    adding.add_argument("--inbox", action="store_true", help="write into content/inbox/, for review")
    adding.add_argument("--force", action="store_true", help="replace a file of the same name")
    adding.add_argument("--dry-run", action="store_true", help="print the file instead of writing it")
    _global_options(adding, suppress=True)
    listing_inbox = content_commands.add_parser(
        "inbox",
        help="list the drafts in content/inbox/ with their dates and figures",
        description="List the drafts in content/inbox/, each with the dates and figures read in it.",
    )
    _global_options(listing_inbox, suppress=True)
    for name, verb in (("accept", "move a draft into content/articles/"), ("reject", "delete a draft")):
        action = content_commands.add_parser(name, help=verb, description=f"{verb[0].upper()}{verb[1:]} (by its id).")
        action.add_argument("id", metavar="ID", help="the draft's id, as content inbox lists it")
        _global_options(action, suppress=True)
    return parser


def main(argv: Sequence[str] | None = None, clock: Clock = utc_now) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure(args.verbose)
    try:
        if args.command == "doctor":  # it reports invalid settings rather than stopping at them
            setup = examine(args.config, args.content, args.data)
            if setup.loaded is not None:  # the libraries' log lines too
                logs.add_secrets(token.get_secret_value() for token in setup.settings.tokens())
            return report(asyncio.run(diagnose(setup)), sys.stdout)
        settings = load_settings(args.config, args.content, args.data)
        logs.add_secrets(token.get_secret_value() for token in settings.tokens())
        logs.add_secrets(url_secrets(settings.state))  # the state database's password
        if args.command == "feeds":
            return _feeds(args, settings, clock)
        if args.command == "lemmas":
            return build_lemmas(sys.stdout)
        if args.command == "state":
            return _state_migrate(args, settings)
        if args.command == "content" and args.content_command != "check":
            return _content_ingest(args, settings.content)
        if args.command == "content":
            if args.explain is not None:
                prepare_lemmas(sys.stderr)
                return explain_article(settings.content, args.explain, sys.stdout)
            return _content_check(settings.content)
        if not settings.content.is_dir():
            raise BriefingError(f"{settings.content}: the content folder does not exist (see --content)")
        # A mistyped export format or date is refused before the slow load.
        first, last = _export_period(args) if args.command == "export" else (None, None)
        if not (args.command == "digest" and args.digest_command == "list"):
            prepare_lemmas(sys.stderr)
        if args.command in ("run", "chat"):
            if args.command == "chat":
                settings = settings.without_tokens()
            return run(settings, clock=clock)
        if args.command == "serve":
            host = args.host or settings.web.host
            return serve(settings, host, args.port or settings.web.port or DEFAULT_PORT, clock)
        briefing = load_briefing(settings)
        if args.command == "ask":
            print(render_reply(briefing.ask(args.text, args.lang), args.lang or briefing.language))
            return 0
        if args.command == "digest":
            if args.digest_command == "list":
                return list_digests(settings, sys.stdout)
            return run_digests(settings, args.date, args.dry_run, sys.stdout)
        if args.command == "events":
            found = briefing.knowledge.events
            if args.explain:
                print("\n".join(explain(found)) or "no facts were merged: every event is one fact")
            for event in () if args.explain else found:
                if args.json:
                    print(json.dumps(event.to_json(), ensure_ascii=False))
                else:
                    print(
                        f"{event.id}  {event.value.start}  {event.value.precision:<5}  "
                        f"{len(event.articles)} × {event.headline}"
                    )
            return 0
        if args.command == "export":
            selection = select(briefing.knowledge, args.topic, first, last)
            _write_out(export(args.format, selection, datetime.now(UTC), args.facts, settings.language), args.output)
            return 0
        if args.command == "facts":
            for fact in briefing.knowledge.facts:
                if args.json:
                    print(json.dumps(fact.to_json(), ensure_ascii=False))
                else:
                    print(f"{fact.id}  {fact.value.start}  {fact.value.precision:<5}  {fact.article}: {fact.text}")
            return 0
    except BriefingError as error:
        print(f"briefing-bot: {logs.redact(str(error))}", file=sys.stderr)  # it may quote a URL
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. piped into head: nobody reads the rest
        sys.stderr.close()
        return 0
    parser.error(f"unknown command {args.command}")
    return 2


def prepare_lemmas(
    stream: TextIO, ready: Callable[[], bool] = lemmas.dictionary_ready, build: Callable[[], None] = lemmas.prepare
) -> None:
    """Build the lemmatiser's dictionary up front if this machine has none (about 10 s, once),
    showing that it is at work when ``stream`` is a terminal; elsewhere one log line says so."""
    if ready():
        return
    log.info("building the Polish lemma dictionary in %s (once on this machine, about 10 s)", lemmas.cache_dir())
    with progress(stream, "Building the Polish word dictionary (once on this machine, about 10 s)"):
        build()


def build_lemmas(out: TextIO) -> int:
    """``briefing-bot lemmas build``: the dictionary built and written to its cache folder, or an
    error saying why it could not be written there (the lemmatiser would build it in memory on
    every start instead)."""
    folder = lemmas.cache_dir()
    if lemmas.dictionary_ready():
        print(f"the Polish lemma dictionary is ready in {folder}", file=out)
        return 0
    prepare_lemmas(sys.stderr)
    if not lemmas.dictionary_ready(on_disk=True):
        raise BriefingError(f"{folder}: cannot write the Polish lemma dictionary there (set BRIEFING_LEMMA_CACHE)")
    print(f"built the Polish lemma dictionary in {folder}", file=out)
    return 0


@contextmanager
def progress(stream: TextIO, message: str, interval: float = 1.0) -> Iterator[None]:
    """On a terminal, ``message`` with the seconds spent, updated in place, then "done";
    nothing on anything else (a log file, a pipe)."""
    if not stream.isatty():
        yield
        return
    started = time.monotonic()
    finished = threading.Event()

    def show(end: str = "") -> None:
        stream.write(f"\r{message}… {time.monotonic() - started:.0f} s{end}")
        stream.flush()

    def tick() -> None:
        while not finished.wait(interval):
            show()

    show()
    ticker = threading.Thread(target=tick, name="progress", daemon=True)
    ticker.start()
    end = "\n"  # an error, or Ctrl+C: the line is left as it stands
    try:
        yield
        end = ", done.\n"
    finally:
        finished.set()
        ticker.join()
        show(end)


def _version() -> str:
    """The installed distribution's version (pyproject.toml's)."""
    try:
        return metadata.version("briefing-bot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (expected YYYY-MM-DD)") from None


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port: {text!r} (expected 1 to 65535)")
    return port


def _export_period(args: argparse.Namespace) -> tuple[date | None, date | None]:
    """``export``'s --from and --to, once its format is known to be one there is."""
    check_format(args.format, args.facts, args.output is not None)
    first = None if args.first is None else read_date(args.first, "--from")
    last = None if args.last is None else read_date(args.last, "--to")
    return first, last


def _write_out(text: str | bytes, output: Path | None) -> None:
    """``text`` to stdout, or to ``output`` (all or nothing); line ends as they are (CRLF in CSV
    and iCalendar, as their standards ask); bytes (a picture) go to ``output`` only."""
    if output is None:
        assert isinstance(text, str), "check_format refuses a picture without -o"
        sys.stdout.write(text)
        return
    data = text.encode() if isinstance(text, str) else text
    try:
        write_atomically(output, lambda handle: handle.write(data))
    except OSError as error:
        raise BriefingError(f"{output}: cannot write ({error.strerror or error})") from None


def _topic_list(text: str) -> tuple[str, ...]:
    return tuple(topic.strip() for topic in text.split(",") if topic.strip())


def _published(text: str) -> date | datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (expected YYYY-MM-DD)") from None
    if value.utcoffset() is not None:
        return value
    if len(text) > 10:
        raise argparse.ArgumentTypeError(f"{text!r}: a date-time needs an offset (e.g. +01:00)")
    return value.date()


def _content_ingest(args: argparse.Namespace, content_dir: Path) -> int:
    """content add, inbox, accept and reject; a refusal is one line and exit 1."""
    try:
        if args.content_command == "inbox":
            prepare_lemmas(sys.stderr)
            list_inbox(content_dir, sys.stdout)
            return 0
        if args.content_command == "accept":
            print(f"moved into {accept(content_dir, args.id)}")
            return 0
        if args.content_command == "reject":
            print(f"deleted {reject(content_dir, args.id)}")
            return 0
        wishes = Wishes(args.id, args.topics, args.outlet, args.language, args.published)
        added = add(args.source, content_dir, wishes, inbox=args.inbox, force=args.force, dry_run=args.dry_run)
    except (Refused, FetchError) as refusal:
        print(f"briefing-bot: content {args.content_command}: {logs.redact(str(refusal))}", file=sys.stderr)
        return 1
    prepare_lemmas(sys.stderr)
    content = load_content(content_dir)
    if not added.written:
        print(added.draft.render(), end="")
        print(f"dry run: nothing written; without --dry-run this is {added.path}\n", file=sys.stderr)
        describe(added.article, content.quantities, added.path, sys.stderr)
        return 0
    print(f"wrote {added.path}\n")
    if args.inbox:
        describe(added.article, content.quantities, added.path, sys.stdout)
        print(f"\nreview it, then: briefing-bot content accept {added.draft.id} (or reject)")
        return 0
    return explain_article(content_dir, added.path, sys.stdout)


def _state_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """state migrate: a refusal (a non-empty target, unreadable records, a mismatch) is one line and exit 1."""
    from bot.digests.migrate import MigrationRefused, migrate  # psycopg only for this command

    logs.add_secrets(url_secrets(args.to))
    target = redact_url(args.to)
    with holding(settings.data):
        source = open_state_store(settings.state, settings.data)
        try:
            tables = migrate(source, args.to, lambda location: open_state_store(location, settings.data), args.force)
        except MigrationRefused as refusal:
            print(f"briefing-bot: state migrate: {logs.redact(str(refusal))}", file=sys.stderr)
            return 1
    for table in tables:
        print(f"{table.name:<14} {table.count:>8}  sha256 {table.checksum[:16]}")
    print(f"copied {source.location} into {target}: every table's count and checksum match")
    return 0


def _feeds(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """feeds add, list, remove and poll; a refusal is one line and exit 1. All but ``list``
    change the state store, which a running bot holds: while one runs, they are refused."""
    if args.feeds_command == "list":
        list_feeds(open_state_store(settings.state, settings.data), sys.stdout)
        return 0
    with holding(settings.data):
        state = open_state_store(settings.state, settings.data)
        try:
            if args.feeds_command == "add":
                add_feed(state, settings.content, args.url, args.topics, clock())
                print(
                    f"added {args.url}; its new entries are drafted at the next poll (or now: briefing-bot feeds poll)"
                )
                return 0
            if args.feeds_command == "remove":
                remove_feed(state, args.url)
                print(f"removed {args.url}; its drafts stay in {settings.content / 'inbox'}")
                return 0
        except FeedError as refusal:
            print(f"briefing-bot: feeds {args.feeds_command}: {logs.redact(str(refusal))}", file=sys.stderr)
            return 1
        if not settings.content.is_dir():
            raise BriefingError(f"{settings.content}: the content folder does not exist (see --content)")
        polled = poll_feeds(state, settings.content, clock, poll_interval(settings), due_only=False)
    for feed in polled:
        print(f"{feed.url}  {feed.outcome}" + (f": {logs.redact(str(feed.error))}" if feed.error else ""))
    if not polled:
        print("no feeds to poll (add one with: briefing-bot feeds add URL)")
    print("review the drafts with: briefing-bot content inbox", file=sys.stderr)
    return 1 if any(feed.failures for feed in polled) else 0


def _content_check(content_dir: Path) -> int:
    content = load_content(content_dir, reserved_commands=frozenset(RESERVED_COMMANDS))
    problems = content.problems + content.warnings  # skipped files, then files loaded repaired
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {content_dir}", file=sys.stderr)
        return 1
    print(
        f"{content_dir}: all {content.files} files valid "
        f"({len(content.articles)} articles, {len(content.topics)} topics)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
