"""``briefing-bot serve``: the web side alone, on the bundled content, without any chat platform."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
from pathlib import Path

import aiohttp
import pytest

from bot import cli
from bot.app import serve_web
from bot.briefings.service import Briefing
from bot.config import Settings
from tests.conftest import BUNDLED_CONTENT, NOW, WARSAW, fixed_clock
from tests.web.test_run import free_port


async def test_serve_answers_the_pages_and_is_ready_without_platforms(bundled_data: Path, tmp_path: Path) -> None:
    port = free_port()
    stop = asyncio.Event()
    # A briefing of its own, on a copy of the store: serve counts into it and warms its views up.
    data = shutil.copytree(bundled_data, tmp_path / "data")
    briefing = Briefing.load(BUNDLED_CONTENT, data, WARSAW, "pl", fixed_clock(NOW))
    served = asyncio.create_task(
        serve_web(Settings(data=tmp_path, reload_seconds=0), briefing, "127.0.0.1", port, stop)
    )
    seen: dict[str, tuple[int, str]] = {}
    async with aiohttp.ClientSession() as session:
        for _ in range(200):  # until it listens; a bounded number of tries
            try:
                for path in ("/readyz", "/timeline", "/metrics"):
                    async with session.get(f"http://127.0.0.1:{port}{path}") as response:
                        seen[path] = response.status, await response.text()
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.01)
    stop.set()
    await served
    assert seen["/readyz"][0] == 200
    assert json.loads(seen["/readyz"][1])["checks"] == {"content": "ok", "fact_store": "ok"}
    assert seen["/timeline"][0] == 200 and 'src="/timeline.png"' in seen["/timeline"][1]
    assert "briefing_content_problems 0.0" in seen["/metrics"][1]
    with pytest.raises(OSError):  # it has stopped listening
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_serve_on_a_port_in_use_is_one_line_and_exit_2(
    bundled_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no config.toml
    data = shutil.copytree(bundled_data, tmp_path / "data")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port), "--content", str(BUNDLED_CONTENT), "--data", str(data)]) == 2
    assert f"briefing-bot: cannot serve the web side on 127.0.0.1:{port}: " in capsys.readouterr().err


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_a_bad_port_is_refused(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--port", port])
    assert exit_.value.code == 2 and f"not a port: '{port}' (expected 1 to 65535)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("config", "flags", "wanted"),
    [
        ("", [], ("127.0.0.1", 8080)),
        ('[web]\nport = 9000\nhost = "0.0.0.0"\n', [], ("0.0.0.0", 9000)),
        ("[web]\nport = 9000\n", ["--host", "::1", "--port", "9100"], ("::1", 9100)),
    ],
)
def test_host_and_port_default_to_the_web_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, flags: list[str], wanted: tuple[str, int]
) -> None:
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    asked: list[tuple[str, int]] = []
    monkeypatch.setattr(cli, "serve", lambda settings, host, port, clock: asked.append((host, port)) or 0)
    argv = ["serve", *flags, "--config", str(tmp_path / "config.toml"), "--content", str(BUNDLED_CONTENT)]
    assert cli.main(argv) == 0
    assert asked == [wanted]


async def test_serve_takes_in_changed_content(content_dir: Path, bundled_data: Path, tmp_path: Path) -> None:
    data = shutil.copytree(bundled_data, tmp_path / "data")
    briefing = Briefing.load(content_dir, data, WARSAW, "pl", fixed_clock(NOW))
    article = content_dir / "articles" / "kazachstan-blizej-nato.md"
    port, stop = free_port(), asyncio.Event()
    settings = Settings(content=content_dir, data=data, reload_seconds=0.05)
    served = asyncio.create_task(serve_web(settings, briefing, "127.0.0.1", port, stop))
    seen = ""
    async with aiohttp.ClientSession() as session:
        for attempt in range(500):  # a bounded number of tries, not a clock
            if attempt == 1:
                source = article.read_text(encoding="utf-8")
                article.write_text(source.replace('title = "', 'title = "Zmieniony: ', 1), encoding="utf-8")
            try:
                async with session.get(f"http://127.0.0.1:{port}/timeline") as response:
                    seen = await response.text()
            except aiohttp.ClientConnectionError:
                pass
            if "Zmieniony: " in seen:
                break
            await asyncio.sleep(0.02)
    stop.set()
    await served
    assert "Zmieniony: " in seen
