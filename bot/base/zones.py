"""IANA time zone names, checked against the zones that exist before anything looks one up.

``ZoneInfo`` is not a validator: it opens whatever file under the zone folders a name points to
("zone.tab"), raises ``IsADirectoryError`` for a folder ("Europe") from the ``tzdata`` fallback,
and for a name it cannot find imports one package per "/" of it. Membership in
``available_timezones()`` is the one check that holds whatever the environment.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones


@cache
def _names() -> frozenset[str]:
    return frozenset(available_timezones())


def known_zone(name: str) -> bool:
    """Whether ``name`` is the name of an IANA time zone on this machine ("Europe/Warsaw")."""
    return name in _names()
