"""How the application tells the web side each platform's state, and the ``[web]`` settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import app
from bot.base.errors import BriefingError, ConfigError
from bot.briefings.service import Briefing
from bot.config import Settings, load_settings
from bot.digests.delivery import Digests
from bot.digests.state import StateStore
from bot.platforms.base import Core, Platform
from bot.web.health import PlatformStates, readiness
from tests.conftest import REPO
from tests.platforms.test_platforms import FakePlatform, entry


def test_a_platform_is_connected_once_started_and_not_once_stopped(bundled: Briefing, tmp_path: Path) -> None:
    states = PlatformStates()
    router = app.Router(states)
    state = StateStore(tmp_path)
    core = Core(Settings(data=tmp_path), bundled, state, Digests(bundled, state, "Europe/Warsaw"))
    journal: list[str] = []
    up, down = FakePlatform("up", journal), FakePlatform("down", journal, start_error=BriefingError("refused"))
    started: list[Platform] = []

    async def run() -> None:
        with pytest.raises(BriefingError):
            await router.start(core, (entry(up), entry(down)), True, started)
        assert states.connected == {"up": True, "down": False}
        checks = {check.name: check for check in readiness(bundled, states)}
        assert checks["platform:up"].ok and not checks["platform:down"].ok
        await router.stop(started)
        assert states.connected == {"up": False, "down": False}

    asyncio.run(run())
    assert journal == [
        "up created",
        "up start listen=True",
        "down created",
        "down start listen=True",
        "down stop",
        "up stop",
    ]


def test_web_is_off_by_default_and_binds_to_localhost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    web = load_settings().web
    assert web.port is None and web.host == "127.0.0.1"


@pytest.mark.parametrize("port", [0, 70000, '"eighty"'])
def test_a_bad_port_is_refused_naming_the_key(tmp_path: Path, port: object) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[web]\nport = {port}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.toml: web.port"):
        load_settings(config)


def test_the_example_config_lists_the_web_defaults() -> None:
    assert load_settings(REPO / "config.example.toml").web == Settings().web
