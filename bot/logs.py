"""Logging set-up that keeps secrets out of every log line.

Libraries log URLs that contain the bot token (python-telegram-bot logs its API URL at DEBUG,
httpx each request URL at INFO), so every record is redacted when it is created, before any
handler (a file, the console, pytest's capture) sees it: its message with its arguments, and its
traceback.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterable
from types import TracebackType

from bot.base import secrets as secrets_
from bot.base.secrets import REDACTED, redact

__all__ = ["REDACTED", "add_secrets", "configure", "redact"]

_lock = threading.Lock()
_installed = False


def configure(verbosity: int = 0) -> None:
    """Log to stderr: warnings, with ``-v`` also info, with ``-vv`` everything (every library's
    debug lines too, tokens redacted)."""
    level = logging.DEBUG if verbosity >= 2 else logging.INFO if verbosity == 1 else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # httpx logs every request at INFO, a long poll every few seconds: noise below -vv.
    logging.getLogger("httpx").setLevel(logging.NOTSET if verbosity >= 2 else logging.WARNING)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    """An error nobody caught goes through logging, and so through redaction, rather than being
    printed raw by Python (a library's exception may quote a request URL, token included)."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("bot").critical("uncaught error", exc_info=(kind, error, trace))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None and not issubclass(args.exc_type, SystemExit):
        _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)


def add_secrets(secrets: Iterable[str]) -> None:
    """Redact these strings from every log record (and every text ``redact`` is given) from now on."""
    global _installed
    with _lock:
        secrets_.add(secrets)
        if _installed:
            return
        _installed = True
        factory = logging.getLogRecordFactory()

        def redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = factory(*args, **kwargs)  # type: ignore[arg-type]
            if secrets_.known():
                _redact_record(record)
            return record

        logging.setLogRecordFactory(redacting_factory)


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: logging reports it later; never raise into the caller
        message = f"{record.msg!s} {record.args!r}"
    record.msg, record.args = redact(message), ()
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
