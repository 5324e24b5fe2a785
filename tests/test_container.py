"""The container: the Dockerfile's and compose.yaml's contract, and the image's build steps,
health check and entrypoint run here, outside a container, with the same commands.

The image itself is built only where a container tool and its daemon work (``docker info``);
elsewhere that test is skipped with the reason.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser
from pydantic import BaseModel

from bot.base.errors import ConfigError
from bot.briefings.service import Briefing
from bot.config import Settings, load_settings, token_sections
from bot.web.health import PlatformStates
from bot.web.metrics import PrometheusMetrics
from bot.web.server import bound_port, start_web
from tests.conftest import REPO

DOCKERFILE = DockerfileParser(str(REPO / "Dockerfile"))
COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
SERVICE = COMPOSE["services"]["bot"]
#: Variables the bot reads that are no setting: where the lemma dictionary is kept.
OTHER_VARIABLES = {"BRIEFING_LEMMA_CACHE"}
TOKEN = "123456789:AAFakeTokenForTheContainerTest_0123"


def instructions(name: str) -> list[str]:
    return [item["value"] for item in DOCKERFILE.structure if item["instruction"] == name]


def exec_form(value: str) -> list[str]:
    form = json.loads(value)
    assert isinstance(form, list) and all(isinstance(part, str) for part in form), value
    return form


def entrypoint() -> list[str]:
    return exec_form(instructions("ENTRYPOINT")[-1]) + exec_form(instructions("CMD")[-1])


def healthcheck() -> list[str]:
    options, _, command = instructions("HEALTHCHECK")[-1].partition("CMD ")
    return exec_form(command)


def here(command: list[str], **paths: Path) -> list[str]:
    """An image's command as run here: this Python for its ``python`` and ``briefing-bot``, and
    ``paths`` ({"/content": tmp}) for the image's folders."""
    program = {"python": [sys.executable], "briefing-bot": [sys.executable, "-m", "bot"]}[command[0]]
    return program + [str(paths.get(part, part)) for part in command[1:]]


def environment(**extra: str) -> dict[str, str]:
    """This process's environment without the bot's variables, the working copy first on the
    path (the package installed globally may be another checkout), and ``extra``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    return {**base, "PYTHONPATH": str(REPO), **extra}


def setting_of(variable: str) -> tuple[str, ...] | None:
    """The settings key (``("web", "port")``) a ``BRIEFING_…`` variable sets, as the nested keys'
    ``__`` spells it, or None when there is no such key."""
    model: type[BaseModel] = Settings
    path = tuple(variable.removeprefix("BRIEFING_").lower().split("__"))
    for depth, part in enumerate(path):
        field = model.model_fields.get(part)
        if field is None or part == "config_file":
            return None
        annotation = field.annotation
        if depth < len(path) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return None
            model = annotation
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return None  # a whole section, not a key
    return path


def is_token(variable: str) -> bool:
    return variable in {f"BRIEFING_{section.upper()}_TOKEN" for section in token_sections()}


def validated(variables: dict[str, str]) -> Settings:
    """``variables`` (settings only) validated as the settings they set."""
    values: dict[str, Any] = {}
    for name, value in variables.items():
        *sections, key = setting_of(name) or ()
        table = values
        for section in sections:
            table = table.setdefault(section, {})
        table[key] = value
    return Settings.model_validate(values)


def compose_default(value: str) -> str:
    """What ``${VAR:-default}`` gives when the host does not set VAR."""
    found = re.fullmatch(r"\$\{(\w+):-(.*)\}", value)
    return found.group(2) if found else value


# --- the Dockerfile's contract ----------------------------------------------------------------------


def test_the_image_is_slim_python_311_run_by_a_user_who_is_not_root() -> None:
    assert DOCKERFILE.baseimage == "python:3.11-slim"
    user = instructions("USER")[-1]
    assert user not in ("root", "0") and not user.startswith(("root:", "0:"))
    useradd = next(command for command in instructions("RUN") if "useradd" in command)
    assert re.search(rf"useradd\b.*\b{user}\b", useradd)


def test_the_project_is_installed_without_its_dev_extras_and_the_lemmas_are_built() -> None:
    commands = " && ".join(instructions("RUN"))
    installs = re.findall(r"pip install (\S+)", commands)
    assert installs == ["."]  # pyproject.toml's runtime dependencies, no [dev]
    assert "briefing-bot lemmas build" in commands
    assert commands.index("pip install .") < commands.index("briefing-bot lemmas build")
    assert (
        DOCKERFILE.envs["BRIEFING_LEMMA_CACHE"].startswith("/")
        and "/tmp" not in DOCKERFILE.envs["BRIEFING_LEMMA_CACHE"]
    )


def test_content_and_data_are_volumes_and_the_entrypoint_uses_them() -> None:
    volumes = [path for value in instructions("VOLUME") for path in exec_form(value)]
    assert set(volumes) == {"/content", "/data"}
    command = entrypoint()
    assert command[0] == "briefing-bot" and command[-1] == "run"
    assert command[command.index("--content") + 1] == "/content"
    assert command[command.index("--data") + 1] == "/data"
    copied = [shlex.split(value) for value in instructions("COPY")]
    assert any(parts[-2:] == ["content", "/content"] for parts in copied)  # the bundled content seeds it


def test_the_web_side_is_on_for_every_interface_on_the_exposed_port_with_a_health_check() -> None:
    settings = validated({k: v for k, v in DOCKERFILE.envs.items() if k.startswith("BRIEFING_") and setting_of(k)})
    assert settings.web.host == "0.0.0.0" and settings.web.port is not None
    assert instructions("EXPOSE") == [str(settings.web.port)]
    check = healthcheck()
    assert check[:2] == ["python", "-c"] and "/healthz" in check[2] and "BRIEFING_WEB__PORT" in check[2]


def test_every_bot_variable_of_the_image_is_a_setting_or_known() -> None:
    variables = [name for name in DOCKERFILE.envs if name.startswith("BRIEFING_")]
    assert variables
    unknown = [name for name in variables if not (setting_of(name) or is_token(name) or name in OTHER_VARIABLES)]
    assert unknown == []


def test_the_variables_are_checked_against_the_settings() -> None:
    """The check above can fail: a misspelt key, a section, a nested key too deep."""
    assert setting_of("BRIEFING_WEB__PORT") == ("web", "port")
    assert setting_of("BRIEFING_TIMEZONE") == ("timezone",)
    assert setting_of("BRIEFING_DISCORD__SHARDS") == ("discord", "shards")
    for wrong in ("BRIEFING_WEB_PORT", "BRIEFING_WEB", "BRIEFING_WEB__PORT__X", "BRIEFING_TIMEZONE__X", "BRIEFING_NO"):
        assert setting_of(wrong) is None, wrong
    assert is_token("BRIEFING_DISCORD_TOKEN") and not is_token("BRIEFING_SLACK_TOKEN")


def test_the_build_context_leaves_out_secrets_and_keeps_what_the_image_copies() -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for secret in ("config.toml", "data", ".git", ".venv"):
        assert secret in patterns
    sources = [part for value in instructions("COPY") for part in shlex.split(value)[:-1] if not part.startswith("--")]
    assert sorted(sources) == ["README.md", "bot", "content", "pyproject.toml"]
    assert not set(sources) & set(patterns)


# --- compose.yaml's contract ------------------------------------------------------------------------


def test_compose_runs_the_image_with_its_volumes_health_check_and_a_restart_policy() -> None:
    assert SERVICE["build"] == "."
    assert {volume.split(":")[1] for volume in SERVICE["volumes"]} == {"/content", "/data"}
    named = {volume.split(":")[0] for volume in SERVICE["volumes"]}
    assert named <= set(COMPOSE["volumes"])  # named volumes, kept across re-creations
    assert SERVICE["healthcheck"]["test"] == ["CMD", *healthcheck()]
    assert SERVICE["restart"] in ("always", "unless-stopped", "on-failure")


def test_compose_passes_only_settings_and_tokens_and_the_tokens_from_the_host() -> None:
    variables: dict[str, str] = SERVICE["environment"]
    unknown = [name for name in variables if not (setting_of(name) or is_token(name) or name in OTHER_VARIABLES)]
    assert unknown == []
    for name, value in variables.items():
        if is_token(name):
            assert value == f"${{{name}:-}}", f"{name} must come from the host's environment, not the file"
    validated({k: compose_default(v) for k, v in variables.items() if setting_of(k)})  # valid values


def test_compose_publishes_the_web_port_to_this_host_only() -> None:
    port = int(compose_default(SERVICE["environment"].get("BRIEFING_WEB__PORT", DOCKERFILE.envs["BRIEFING_WEB__PORT"])))
    published = [mapping.split(":") for mapping in SERVICE["ports"]]
    assert [(host, int(container)) for host, _, container in published] == [("127.0.0.1", port)]


def test_a_misspelt_setting_in_compose_would_be_refused() -> None:
    with pytest.raises(ValueError):
        validated({"BRIEFING_TIMEZONE": "Europe/Atlantis"})


# --- the build steps and the entrypoint, run here -----------------------------------------------------


@pytest.fixture(scope="module")
def built_lemmas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lemma dictionary built by the Dockerfile's own command, into a folder of its own."""
    folder = tmp_path_factory.mktemp("image") / "lemmas"
    step = next(part.strip() for part in " && ".join(instructions("RUN")).split("&&") if "lemmas build" in part)
    result = subprocess.run(
        here(shlex.split(step)),
        env=environment(BRIEFING_LEMMA_CACHE=str(folder)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert f"built the Polish lemma dictionary in {folder}" in result.stdout
    return folder


def test_the_lemma_build_step_writes_the_dictionary_the_bot_then_finds(built_lemmas: Path) -> None:
    assert (built_lemmas / "pl.dic").stat().st_size > 1_000_000
    again = subprocess.run(
        here(["briefing-bot", "lemmas", "build"]),
        env=environment(BRIEFING_LEMMA_CACHE=str(built_lemmas)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0 and f"the Polish lemma dictionary is ready in {built_lemmas}" in again.stdout


async def _health(port: int) -> int:
    process = await asyncio.create_subprocess_exec(
        *here(healthcheck()),
        env=environment(BRIEFING_WEB__PORT=str(port)),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(process.wait(), 30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_health_check_passes_on_a_live_web_side_and_fails_without_one(bundled: Briefing) -> None:
    runner = await start_web(bundled, PlatformStates(), PrometheusMetrics(), "127.0.0.1", 0)
    try:
        port = bound_port(runner)
        assert port is not None
        assert await _health(port) == 0
    finally:
        await runner.cleanup()
    assert await _health(port) != 0  # nothing listens there now
    assert await _health(free_port()) != 0


@pytest.fixture
def volumes(tmp_path: Path, bundled_data: Path) -> Iterator[dict[str, Path]]:
    """The image's /content (the bundled content) and /data (a built fact store), as folders here."""
    content, data = tmp_path / "content", tmp_path / "data"
    shutil.copytree(REPO / "content", content)
    shutil.copytree(bundled_data, data)
    yield {"/content": content, "/data": data}


def test_the_entrypoint_without_tokens_opens_the_console_and_ends_at_its_end(
    tmp_path: Path, volumes: dict[str, Path], built_lemmas: Path
) -> None:
    shutil.rmtree(volumes["/data"])  # an empty data volume, as at the first start
    result = subprocess.run(
        here(entrypoint(), **volumes),
        cwd=tmp_path,
        env=environment(BRIEFING_LEMMA_CACHE=str(built_lemmas)),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Tu briefing-bot" in result.stdout and "Traceback" not in result.stderr
    assert (volumes["/data"] / "facts").is_dir()  # the fact store was built into the data volume


def _reads_nested_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> bool:
    """Whether settings come from ``BRIEFING_SECTION__KEY`` variables (pydantic-settings)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFING_WEB__PORT", "8123")
    try:
        return load_settings().web.port == 8123
    except ConfigError:
        return False
    finally:
        monkeypatch.delenv("BRIEFING_WEB__PORT")


async def test_the_entrypoint_runs_the_bot_answers_health_and_stops_on_sigterm(
    tmp_path: Path, volumes: dict[str, Path], built_lemmas: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image's command with a Telegram token (the fake Bot API standing in for Telegram) and
    the image's web settings on a free port: it answers a chat and the health check, and a
    SIGTERM, what ``docker stop`` sends, ends it with exit 0."""
    from tests.platforms.telegram.fake_telegram import FakeBotApi

    workdir = tmp_path / "app"
    workdir.mkdir()
    nested = _reads_nested_variables(monkeypatch, tmp_path)
    port = free_port()
    image = {k: v for k, v in DOCKERFILE.envs.items() if k.startswith("BRIEFING_") and setting_of(k)}
    async with FakeBotApi(TOKEN) as api:
        variables = {**image, "BRIEFING_WEB__PORT": str(port), "BRIEFING_TELEGRAM_TOKEN": TOKEN}
        if nested:
            variables["BRIEFING_TELEGRAM__BASE_URL"] = api.base_url
        else:  # settings from the environment not read yet: the same settings from ./config.toml
            (workdir / "config.toml").write_text(
                f'[telegram]\nbase_url = "{api.base_url}"\n'
                f'[web]\nhost = "{image["BRIEFING_WEB__HOST"]}"\nport = {port}\n',
                encoding="utf-8",
            )
        process = await asyncio.create_subprocess_exec(
            *here(entrypoint(), **volumes),
            cwd=workdir,
            env=environment(BRIEFING_LEMMA_CACHE=str(built_lemmas), **variables),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            for _ in range(120):
                if await _health(port) == 0:
                    break
                assert process.returncode is None, (await process.communicate())[1].decode()
                await asyncio.sleep(0.5)
            else:
                pytest.fail("the health check never passed")
            api.user_message("/start", {"id": 42, "type": "private"}, {"id": 42, "is_bot": False, "first_name": "A"})
            [reply] = await api.wait_for("sendMessage", 1, timeout=60)
            assert "Tu briefing-bot" in reply["text"]
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), 60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, err.decode()
    assert TOKEN not in err.decode()


def test_the_image_builds_where_a_container_daemon_runs(tmp_path: Path) -> None:
    docker = shutil.which("docker") or shutil.which("podman")
    if docker is None:
        pytest.skip("no container tool (docker or podman) on this machine: the image is not built")
    info = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        pytest.skip(f"{Path(docker).name} info fails (no container daemon here): the image is not built")
    tag = "briefing-bot-test:latest"
    built = subprocess.run([docker, "build", "-t", tag, str(REPO)], capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stderr[-4000:]
    user = subprocess.run(
        [docker, "run", "--rm", "--entrypoint", "id", tag, "-u"], capture_output=True, text=True, timeout=120
    )
    assert user.stdout.strip() not in ("", "0")
    asked = subprocess.run(
        [docker, "run", "--rm", tag, "-v", "ask", "/timeline 2022-01"], capture_output=True, text=True, timeout=300
    )
    assert asked.returncode == 0 and "Oś czasu: styczeń 2022" in asked.stdout, asked.stderr
    assert "building the Polish lemma dictionary" not in asked.stderr  # built into the image
