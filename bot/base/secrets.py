"""The secrets of this process (the platforms' tokens) and their removal from any text.

Every error text that leaves the process or is stored (a log line, a delivery record in the state
file, the command line's output, a chat reply) goes through ``redact``: a library's message may
quote a request URL, and Telegram's carry the token.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from urllib.parse import quote

REDACTED = "[redacted]"
#: A token's parts shorter than this are not secret on their own (a bot id, a user id in base64).
_MIN_PART = 16

_secrets: list[str] = []  # longest first
_lock = threading.Lock()


def redact(text: str) -> str:
    """``text`` with every known secret, in every form it may take, replaced by [redacted]."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def known() -> bool:
    """Whether any secret has been registered (so that redaction has work to do)."""
    return bool(_secrets)


def _forms(token: str) -> set[str]:
    """The token as it may appear: whole, URL-encoded, and its secret part alone (Telegram's
    after the colon, Discord's last dot-separated part), which a URL or a header may split off."""
    forms = {token, quote(token, safe=""), quote(token)}
    for separator in (":", "."):
        part = token.rpartition(separator)[2]
        if separator in token and len(part) >= _MIN_PART:
            forms.add(part)
    return {form for form in forms if form}


def add(secrets: Iterable[str]) -> None:
    """Redact these strings from now on."""
    with _lock:
        found = set(_secrets)
        for secret in secrets:
            if secret:
                found |= _forms(secret)
        _secrets[:] = sorted(found, key=len, reverse=True)
