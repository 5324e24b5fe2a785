"""``briefing-bot state migrate``: every record of one state store copied into another (a TinyDB
file into PostgreSQL, or back), then verified by each table's count and checksum as the target,
opened afresh, reads them.

A target that holds anything is refused unless forced; forced, it is emptied in the same step as
the copy (PostgreSQL: one transaction; TinyDB: a new file renamed over the old one only once it
is verified), so a failed migration leaves the target as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.base.errors import BriefingError
from bot.digests.state import TinyDBStateStore
from bot.digests.state_postgres import PostgresStateStore
from bot.digests.state_store import StateStore, is_postgres

TABLES = ("chats", "subscriptions", "feeds", "deliveries")


class MigrationRefused(BriefingError):
    """The migration was not made: a non-empty target, unreadable records, or a mismatch."""


@dataclass(frozen=True, slots=True)
class TableCheck:
    name: str
    count: int
    checksum: str  # sha256 of the table's records, in a canonical form


def table_rows(store: StateStore) -> dict[str, list[Any]]:
    """Each table's records in a form both stores give alike: sorted where order means nothing
    (feeds keep the order they were added in)."""
    return {
        "chats": sorted([platform, chat, language] for (platform, chat), language in store.languages().items()),
        "subscriptions": sorted((s.to_record() for s in store.subscriptions()), key=lambda r: str(r["key"])),
        "feeds": store.feeds(),
        "deliveries": sorted(
            (
                {
                    "key": r["key"],
                    "date": r["date"],
                    "state": r["state"],
                    "detail": str(r.get("detail", "")),
                    "at": str(r.get("at", "")),
                }
                for r in store.deliveries()
            ),
            key=lambda r: (r["key"], r["date"]),
        ),
    }


def checks(store: StateStore) -> list[TableCheck]:
    rows = table_rows(store)
    return [
        TableCheck(name, len(rows[name]), hashlib.sha256(_canonical(rows[name]).encode()).hexdigest())
        for name in TABLES
    ]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def migrate(
    source: StateStore, target_location: str, open_store: Callable[[str], StateStore], force: bool = False
) -> list[TableCheck]:
    """Copy ``source`` into the store at ``target_location``; return the verified tables."""
    if source.problems:
        raise MigrationRefused(
            f"{source.location} has {len(source.problems)} record(s) that cannot be read "
            "(briefing-bot digest list and feeds list name them): fix or remove them first, "
            "so that nothing is left behind"
        )
    if is_postgres(target_location):
        return _into(source, open_store(target_location), lambda: open_store(target_location), force)
    path = Path(target_location)
    if path.resolve() == Path(source.location).resolve():
        raise MigrationRefused(f"{path} is the state store being migrated: name another target")
    existing = open_store(target_location)
    if not force:
        _refuse_unless_empty(existing)
    scratch = path.with_name(f".{path.name}.migrating")
    scratch.unlink(missing_ok=True)
    try:
        found = _into(
            source, TinyDBStateStore(path.parent, scratch.name), lambda: TinyDBStateStore(path.parent, scratch.name)
        )
        os.replace(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)
    return found


def _refuse_unless_empty(target: StateStore) -> None:
    held = {check.name: check.count for check in checks(target) if check.count}
    if held or target.problems:
        counts = ", ".join(f"{name} {count}" for name, count in held.items()) or "unreadable records"
        raise MigrationRefused(
            f"{target.location} is not empty ({counts}): migrate into an empty one, "
            "or add --force to replace what it holds"
        )


def _into(
    source: StateStore, target: StateStore, reopen: Callable[[], StateStore], force: bool = False
) -> list[TableCheck]:
    """Copy in one transaction, then compare each table with the target as it reads afresh."""
    if target.location == source.location:
        raise MigrationRefused(f"{target.location} is the state store being migrated: name another target")
    rows = table_rows(source)
    with target.transaction():
        if not force:
            _refuse_unless_empty(target)
        if force and isinstance(target, PostgresStateStore):
            target.clear()
        for platform, chat, language in rows["chats"]:
            target.set_language(platform, chat, language)
        target.put_subscriptions(source.subscriptions())
        for feed in rows["feeds"]:
            target.put_feed(feed)
        target.record_deliveries(rows["deliveries"])
    expected = checks(source)
    found = checks(reopen())
    for want, got in zip(expected, found):
        if want != got:
            raise MigrationRefused(
                f"{target.location}: {want.name} do not match after the copy "
                f"({want.count} records, {got.count} found; checksums {want.checksum[:12]} and {got.checksum[:12]})"
            )
    return found
