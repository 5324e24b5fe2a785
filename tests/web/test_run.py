"""``run`` with ``[web] port`` serves the web side beside the platforms, counting what the core does."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot import app
from bot.base.metrics import NO_METRICS
from bot.briefings.service import Briefing
from bot.config import Settings, WebSettings
from bot.digests.state import StateStore
from tests.platforms.test_platforms import FakePlatform, entry


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_run_serves_readiness_and_metrics_beside_a_platform(bundled: Briefing, tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(data=tmp_path, reload_seconds=0, web=WebSettings(port=port))
    fake = FakePlatform("fake", [])
    seen: dict[str, tuple[int, str]] = {}

    async def client() -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):  # until the bot is up; a bounded number of tries, not a clock
                try:
                    async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                        seen["readyz"] = response.status, await response.text()
                    if seen["readyz"][0] == 200:
                        break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.01)
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                seen["metrics"] = response.status, await response.text()
        os.kill(os.getpid(), signal.SIGTERM)  # what stops a running bot

    async def main() -> None:
        task = asyncio.create_task(client())
        await app._serve(settings, bundled, StateStore(tmp_path), (entry(fake),))
        await task

    try:
        asyncio.run(main())
    finally:
        bundled.metrics = NO_METRICS  # the session's briefing: uncounted again
    assert seen["readyz"][0] == 200 and '"platform:fake": "ok"' in seen["readyz"][1]
    names = {family.name for family in text_string_to_metric_families(seen["metrics"][1])}
    assert {"briefing_commands_answered", "briefing_digests", "briefing_feed_polls"} <= names
