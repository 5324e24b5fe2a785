"""Logging set-up that keeps secrets out of every log line.

Libraries log URLs that contain the bot token (python-telegram-bot logs its API URL, httpx
each request URL), so every record is redacted when it is created, before any handler (a
file, the console, pytest's capture) sees it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

REDACTED = "[redacted]"

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, REDACTED)
    return text


def add_secrets(secrets: Iterable[str]) -> None:
    """Redact these strings from every log record from now on."""
    global _installed
    with _lock:
        _secrets.update(s for s in secrets if s)
        if _installed:
            return
        _installed = True
        factory = logging.getLogRecordFactory()

        def redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = factory(*args, **kwargs)  # type: ignore[arg-type]
            if _secrets:
                record.msg = redact(record.getMessage())
                record.args = ()
                if record.exc_info and record.exc_info[1] is not None:
                    record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            return record

        logging.setLogRecordFactory(redacting_factory)
    # httpx logs every request URL at INFO, token included: keep it to warnings.
    logging.getLogger("httpx").setLevel(logging.WARNING)

