"""SIGTERM, as a container's stop sends it, to a bot process in the middle of a digest fan-out
through the fake Bot API: it exits 0 within its grace period, and after a restart every chat has
had its digest exactly once."""

from __future__ import annotations

import asyncio
import shutil
import signal
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.digests.compose import Subscription, Target
from bot.digests.state import StateStore
from tests.platforms.telegram import clocked_run
from tests.platforms.telegram.fake_telegram import FakeBotApi, Slow
from tests.platforms.telegram.test_telegram import TOKEN

#: 6 January 2027, 09:30 in Warsaw: the digests of 09:00 are due, with the anniversaries of 2022.
NOW = datetime(2027, 1, 6, 9, 30, tzinfo=ZoneInfo("Europe/Warsaw"))
CHATS = 200
RATE = 40  # messages a second: the fan-out takes five seconds, long enough to stop it halfway


def chats() -> list[int]:
    return [-1000 - n for n in range(CHATS)]


def prepare(tmp_path: Path, bundled_data: Path, base_url: str, grace: float | None = None) -> Path:
    """A data folder of ``CHATS`` subscriptions due now, and a config pointing at the fake API."""
    data = tmp_path / "data"
    if not data.exists():
        shutil.copytree(bundled_data, data)
        StateStore(data).put_subscriptions([Subscription(Target("telegram", str(chat))) for chat in chats()])
    config = [
        "reload_seconds = 0",
        *([f"grace_seconds = {grace}"] if grace is not None else []),
        "[telegram]",
        f'base_url = "{base_url}"',
        f"max_rate = {RATE}",
        "[feeds]",
        "poll_minutes = 0",
    ]
    (tmp_path / "config.toml").write_text("\n".join(config) + "\n", encoding="utf-8")
    return data


async def start_bot(tmp_path: Path) -> asyncio.subprocess.Process:
    return await clocked_run.start(tmp_path, NOW, TOKEN)


async def stop_bot(process: asyncio.subprocess.Process, within: float) -> tuple[int | None, str]:
    """SIGTERM, then the exit code and what it said, or a kill if it overstays ``within`` seconds."""
    process.send_signal(signal.SIGTERM)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        _, stderr = await process.communicate()
        return None, stderr.decode()
    return process.returncode, stderr.decode()


def digests_received(api: FakeBotApi) -> Counter[int]:
    return Counter(chat for chat in api.received() if chat in set(chats()))


def test_sigterm_mid_fan_out_exits_0_and_a_restart_sends_the_rest_once(tmp_path: Path, bundled_data: Path) -> None:
    async def main() -> None:
        async with FakeBotApi(TOKEN) as api:
            data = prepare(tmp_path, bundled_data, api.base_url)
            process = await start_bot(tmp_path)
            try:
                await api.wait_until(lambda: len(api.received()) >= CHATS // 5, timeout=90)
                code, said = await stop_bot(process, 10 + 5)
            finally:
                if process.returncode is None:
                    process.kill()
            first = digests_received(api)
            print(f"SIGTERM after {CHATS // 5} digests: {len(first)} of {CHATS} sent before the exit")
            assert code == 0, said[-3000:]
            assert "Traceback" not in said, said[-3000:]
            assert CHATS // 5 <= len(first) < CHATS  # stopped halfway: some chats wait for the restart
            records = {r["key"]: r for r in StateStore(data).deliveries()}
            assert not [k for k, r in records.items() if r["state"] == "claimed"]  # every outcome written
            for chat in chats():
                record = records.get(Target("telegram", str(chat)).key)
                if chat in first:
                    assert record is not None and record["state"] == "sent", (chat, record)
                else:  # released or never claimed: open for the next start
                    assert record is None or record["state"] == "retry", (chat, record)

            process = await start_bot(tmp_path)
            try:
                await api.wait_until(lambda: len(digests_received(api)) >= CHATS, timeout=90)
                await asyncio.sleep(0.5)  # a duplicate would come now
                code, said = await stop_bot(process, 10 + 5)
            finally:
                if process.returncode is None:
                    process.kill()
            assert code == 0, said[-3000:]
            counts = digests_received(api)
            assert sorted(counts) == sorted(chats()) and set(counts.values()) == {1}, counts.most_common(3)
            today = [r["state"] for r in StateStore(data).deliveries() if r["date"] == NOW.date().isoformat()]
            assert today == ["sent"] * CHATS

    asyncio.run(main())


def test_sends_that_hang_past_the_grace_period_are_cut_recorded_and_never_sent_again(
    tmp_path: Path, bundled_data: Path
) -> None:
    """Telegram holds a few sends without answering: the stop does not wait for them beyond
    ``grace_seconds``; they stay claimed (they may have been posted), are shown as interrupted
    after the restart and are not sent again, and every other chat gets its digest once."""
    grace = 4.0
    hung = set(chats()[:5])

    def claimed(data: Path) -> set[int]:
        state = StateStore(data)
        return {
            c
            for c in chats()
            if (state.delivery(Target("telegram", str(c)).key, NOW.date()) or {}).get("state") == "claimed"
        }

    async def main() -> None:
        async with FakeBotApi(TOKEN) as api:
            for chat in hung:
                api.chat_failures[chat] = [Slow(60)]
            data = prepare(tmp_path, bundled_data, api.base_url, grace=grace)
            process = await start_bot(tmp_path)
            try:
                await api.wait_until(lambda: len(api.received()) >= CHATS // 5, timeout=90)
                code, said = await stop_bot(process, grace + 3)  # not the 60 s the hung sends would take
            finally:
                if process.returncode is None:
                    process.kill()
            assert code == 0, said[-3000:]
            cut = claimed(data)  # the hung sends, and on a slow machine maybe a few more still in flight
            assert hung <= cut

            process = await start_bot(tmp_path)
            try:
                await api.wait_until(lambda: set(digests_received(api)) >= set(chats()) - cut, timeout=90)
                await asyncio.sleep(0.5)  # a duplicate, or a cut chat's digest sent again, would come now
                code, said = await stop_bot(process, grace + 3)
            finally:
                if process.returncode is None:
                    process.kill()
            assert code == 0, said[-3000:]
            counts = digests_received(api)
            assert set(counts.values()) == {1} and not hung & set(counts)
            state = StateStore(data)
            final = {c: state.delivery(Target("telegram", str(c)).key, NOW.date())["state"] for c in chats()}
            assert {c for c, s in final.items() if s == "interrupted"} == cut
            assert {s for c, s in final.items() if c not in cut} == {"sent"}

    asyncio.run(main())
