"""A process that writes to the state store as fast as it can, for the crash-safety test.

Transaction ``n`` does what the bot does in a day's life, all in one transaction: subscribes a
chat, changes an older subscription, sets chat languages, claims a delivery and records the
previous one as sent, records a daily chat's delivery, and now and then removes a subscription
and prunes the delivery log. After each transaction returns (written, flushed, fsynced,
renamed) it prints ``n``: that is the acknowledgement the test holds the store to after killing
it. ``Model`` is what the store must hold after transactions ``0..n-1``, in plain dictionaries.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from bot.digests.compose import Subscription, Target
from bot.digests.state import StateStore

FIRST_DAY = date(2027, 1, 1)
DAILY = "telegram:daily:"


class Store(Protocol):
    def put_subscriptions(self, subscriptions: list[Subscription]) -> None: ...
    def remove_subscription(self, key: str) -> bool: ...
    def set_language(self, platform: str, chat: str | int, language: Any) -> None: ...
    def record_deliveries(self, records: list[dict[str, Any]]) -> None: ...
    def prune_deliveries(self, before: date) -> int: ...


def day(n: int) -> str:
    return (FIRST_DAY + timedelta(days=n // 25)).isoformat()


def key(n: int) -> str:
    return f"telegram:{n}:"


def subscription(n: int) -> Subscription:
    return Subscription(
        Target("telegram", str(n)),
        f"{n // 60 % 24:02d}:{n % 60:02d}",
        "Europe/Warsaw",
        topics=("csto",) if n % 3 else (),
    )


def record(chat: str, n: int, state: str) -> dict[str, Any]:
    return {"key": chat, "date": day(n), "state": state, "detail": "x" * (n % 50), "at": f"{day(n)}T08:00:00+00:00"}


def transaction(store: Store, n: int) -> None:
    """Transaction ``n``'s changes; applying them twice changes nothing (a rerun after a kill)."""
    store.put_subscriptions([subscription(n)])
    if n >= 1:
        store.put_subscriptions([replace(subscription(n - 1), paused=n % 2 == 0, failures=n % 4)])
    store.set_language("telegram", str(n), "en" if n % 2 else "pl")
    if n >= 2 and n % 4 == 0:
        store.set_language("telegram", str(n - 2), "en")
    records = [record(key(n), n, "claimed"), record(DAILY, n, "sent")]
    if n >= 1:
        records.append(record(key(n - 1), n - 1, "sent"))
    store.record_deliveries(records)
    if n >= 3 and n % 5 == 4:
        store.remove_subscription(key(n - 3))
    if n % 25 == 24:
        store.prune_deliveries(date.fromisoformat(day(n)) - timedelta(days=7))


class Model:
    """The state store's contents, as the transactions define them."""

    def __init__(self) -> None:
        self.subscriptions: dict[str, dict[str, object]] = {}
        self.languages: dict[tuple[str, str], str] = {}
        self.deliveries: dict[tuple[str, str], dict[str, Any]] = {}

    def put_subscriptions(self, subscriptions: list[Subscription]) -> None:
        for s in subscriptions:
            self.subscriptions[s.target.key] = s.to_record()

    def remove_subscription(self, key: str) -> bool:
        return self.subscriptions.pop(key, None) is not None

    def set_language(self, platform: str, chat: str | int, language: Any) -> None:
        self.languages[(platform, str(chat))] = language

    def record_deliveries(self, records: list[dict[str, Any]]) -> None:
        for r in records:
            self.deliveries[(r["key"], r["date"])] = dict(r)

    def prune_deliveries(self, before: date) -> int:
        latest: dict[str, str] = {}
        for chat, when in self.deliveries:
            latest[chat] = max(when, latest.get(chat, when))
        gone = [(chat, when) for chat, when in self.deliveries if when < before.isoformat() and latest[chat] != when]
        for index in gone:
            del self.deliveries[index]
        return len(gone)


def main(folder: str, start: int) -> None:
    store = StateStore(Path(folder))
    number = start
    while True:
        with store.transaction():
            transaction(store, number)
        print(number, flush=True)
        number += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
