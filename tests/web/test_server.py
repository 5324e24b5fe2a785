"""The web side as a client sees it: the real aiohttp server on 127.0.0.1, an ephemeral port, and
aiohttp's client; ``/metrics`` read back with prometheus-client's own parser."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.briefings.request import Chat
from bot.briefings.service import Briefing
from bot.digests.chats import Chats
from bot.digests.compose import Subscription, Target
from bot.digests.delivery import DeliveryFailed, Digests
from bot.digests.processes import ContentAgreement
from bot.digests.state import StateStore
from bot.digests.state_postgres import PostgresStateStore
from bot.web.health import PlatformStates
from bot.web.metrics import PrometheusMetrics
from bot.web.server import bound_port, start_web
from tests.digests.test_digests import Clock, Recorder

WARSAW = ZoneInfo("Europe/Warsaw")


@dataclasses.dataclass
class Served:
    url: str
    briefing: Briefing
    states: PlatformStates
    metrics: PrometheusMetrics


@pytest.fixture
async def served(bundled: Briefing) -> AsyncIterator[Served]:
    metrics = PrometheusMetrics()
    briefing = dataclasses.replace(bundled, metrics=metrics)  # the session's briefing stays uncounted
    states = PlatformStates()
    states.starting("fake")
    states.started("fake")
    runner = await start_web(briefing, states, metrics, "127.0.0.1", 0)
    try:
        yield Served(f"http://127.0.0.1:{bound_port(runner)}", briefing, states, metrics)
    finally:
        await runner.cleanup()


async def get(url: str, method: str = "GET") -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.request(method, url) as response:
        return response.status, await response.text()


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples named ``name`` in an exposition, by their labels."""
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


async def test_healthz_answers_ok(served: Served) -> None:
    assert await get(f"{served.url}/healthz") == (200, "ok")


async def test_ready_on_the_bundled_briefing_with_its_platform_connected(served: Served) -> None:
    status, body = await get(f"{served.url}/readyz")
    assert status == 200, body
    assert '"platform:fake": "ok"' in body and '"content": "ok"' in body and '"fact_store": "ok"' in body


async def test_not_ready_names_the_platform_that_is_not_connected(served: Served) -> None:
    served.states.stopped("fake")
    status, body = await get(f"{served.url}/readyz")
    assert status == 503
    assert '"platform:fake": "not connected"' in body and '"content": "ok"' in body


async def test_not_ready_after_a_failed_reload(served: Served) -> None:
    served.states.reload_error = "StoreError"
    status, body = await get(f"{served.url}/readyz")
    assert status == 503 and "the last content reload failed: StoreError" in body


async def test_not_ready_while_the_content_differs_from_another_process(served: Served, postgres_url: str) -> None:
    clock = Clock(datetime(2027, 1, 6, 9, tzinfo=WARSAW))
    ours = ContentAgreement(PostgresStateStore(postgres_url), served.briefing.content_hash, clock, "here:/data")
    other = ContentAgreement(PostgresStateStore(postgres_url), lambda: "0123456789ab", clock, "there:/data")
    other.beat()
    served.states.content_differs = ours.beat()  # as the application's beat reports it
    status, body = await get(f"{served.url}/readyz")
    assert status == 503, body
    mine = served.briefing.content_hash()
    assert f'"content": "differs from other processes (signature {mine} vs 0123456789ab)"' in body
    served.states.content_differs = None
    assert (await get(f"{served.url}/readyz"))[0] == 200


async def test_a_command_answered_by_the_core_is_counted(served: Served, tmp_path: Path) -> None:
    chats = Chats(served.briefing, StateStore(tmp_path))
    for text in ("/help", "/help", "/nosuchcommand"):
        await chats.answer(text, Chat("fake", "-7", "en", lambda: True))
    status, text = await get(f"{served.url}/metrics")
    assert status == 200
    counted = samples(text, "briefing_commands_answered_total")
    assert counted[(("command", "help"), ("platform", "fake"))] == 2
    assert counted[(("command", "other"), ("platform", "fake"))] == 1
    assert samples(text, "briefing_reply_seconds_count")[(("platform", "fake"),)] == 3


async def test_digest_outcomes_are_counted(served: Served, tmp_path: Path) -> None:
    digests = Digests(
        served.briefing, StateStore(tmp_path), "Europe/Warsaw", Clock(datetime(2027, 1, 6, 9, tzinfo=WARSAW))
    )
    sent, failed, retried = Target("fake", "1"), Target("fake", "2"), Target("fake", "3")
    digests.state.put_subscriptions([Subscription(target) for target in (sent, failed, retried)])
    send = Recorder()
    send.fail[failed.key] = DeliveryFailed("Forbidden", permanent=True)
    send.fail[retried.key] = DeliveryFailed("Bad Gateway", permanent=False, retry=True)
    await digests.deliver(digests.due_on(date(2027, 1, 6)), send)
    _, text = await get(f"{served.url}/metrics")
    assert samples(text, "briefing_digests_total") == {
        (("outcome", "sent"),): 1,
        (("outcome", "failed"),): 1,
        (("outcome", "retry"),): 1,
    }


async def test_content_reloads_and_feed_polls_are_counted(served: Served) -> None:
    served.metrics.content_reloaded(problems=2)
    served.metrics.feeds_polled(feeds=3, failing=1)
    _, text = await get(f"{served.url}/metrics")
    assert samples(text, "briefing_content_reloads_total") == {(): 1}
    assert samples(text, "briefing_content_problems") == {(): 2}
    assert samples(text, "briefing_feed_polls_total") == {(): 1}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
async def test_only_reading_is_answered(served: Served, method: str) -> None:
    status, _ = await get(f"{served.url}/healthz", method)
    assert status == 405


async def test_an_unknown_path_is_not_found(served: Served) -> None:
    assert (await get(f"{served.url}/admin"))[0] == 404
    assert (await get(f"{served.url}/healthz/../../etc/passwd"))[0] == 404


async def test_a_large_request_line_is_refused(served: Served) -> None:
    status, _ = await get(f"{served.url}/healthz?{'a' * 5000}")
    assert status >= 400
