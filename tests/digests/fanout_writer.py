"""A bot process delivering one day's digests to many chats, for the fan-out kill-loop test.

It does what a restarted bot does: ``Digests.recover`` (claims left by a killed run become
"interrupted"), then delivers what is still due. Its sender stands in for the platform: each
send appends the chat's key to a log file the moment it starts, i.e. the moment a real message
could have reached the platform, then takes a little time, so that a kill lands mid-fan-out.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.briefings.cards import Card
from bot.briefings.service import Briefing
from bot.digests.compose import Subscription, Target
from bot.digests.delivery import Digests
from bot.digests.state import StateStore
from tests.conftest import BUNDLED_CONTENT

WARSAW = ZoneInfo("Europe/Warsaw")
#: 6 January 2027, 09:30 in Warsaw: the digests of 09:00 are due, with the anniversaries of 2022.
NOW = datetime(2027, 1, 6, 9, 30, tzinfo=WARSAW)
CLAIM_BATCH = 16
SEND_SECONDS = 0.002


def targets(chats: int) -> list[Target]:
    return [Target("telegram", str(-1000 - n)) for n in range(chats)]


async def main(data: Path, sends: Path, chats: int, recover_only: bool) -> None:
    briefing = Briefing.load(BUNDLED_CONTENT, data, WARSAW, "pl", lambda: NOW)
    state = StateStore(data)
    if not state.subscriptions():
        state.put_subscriptions([Subscription(target) for target in targets(chats)])
    digests = Digests(briefing, state, "Europe/Warsaw", claim_batch=CLAIM_BATCH)
    log = os.open(sends, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    pace = asyncio.Lock()  # one send at a time, as a slow platform would take them

    async def send(target: Target, card: Card) -> None:
        async with pace:
            os.write(log, f"{target.key}\n".encode())
            await asyncio.sleep(SEND_SECONDS)

    due = digests.recover(NOW)
    if recover_only:
        return
    print("delivering", len(due), flush=True)
    outcomes = await digests.deliver(due, send)
    print("done", len(outcomes), flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), "--recover-only" in sys.argv))
