"""A process that writes to the state store as fast as it can, for the crash-safety test.

After each transaction returns (written, flushed, fsynced, renamed) it prints the transaction's
number: that is the acknowledgement the test holds the store to after killing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.core.digests import Subscription, Target
from bot.core.state import StateStore


def main(folder: str, start: int) -> None:
    store = StateStore(Path(folder))
    number = start
    while True:
        with store.transaction():
            store.put_subscriptions([Subscription(Target("telegram", str(number)), "09:00", "Europe/Warsaw")])
            store.record_deliveries([{"key": f"telegram:{number}:", "date": "2027-01-06", "state": "sent",
                                      "detail": "x" * (number % 50), "at": "2027-01-06T08:00:00+00:00"}])
        print(number, flush=True)
        number += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
