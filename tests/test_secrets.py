"""Tokens stay secret: where they may come from, a warning for a config file others can read, and
end-to-end runs of ``briefing-bot -vv run`` whose every log line, reply and stored byte is
searched for the token."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import re
import shutil
import signal
import stat
import sys
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest

from bot import cli, logs
from bot.briefings.service import Briefing
from bot.config import load_settings, readable_by_others
from bot.digests.compose import Subscription, Target
from bot.digests.delivery import Digests
from bot.digests.state import StateStore
from bot.platforms.console.render import render_reply
from tests.platforms.telegram.fake_telegram import ApiError, FakeBotApi

TOKEN = "123456789:AAsecretHalfOfTheTokenThatMustNeverLeak"
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
SECRET = TOKEN.split(":")[1]
FORMS = (TOKEN, SECRET, quote(TOKEN, safe=""))
ALA = {"id": 501, "is_bot": False, "first_name": "Ala", "language_code": "pl"}
OLA = {"id": 502, "is_bot": False, "first_name": "Ola"}
PRIVATE = {"id": 501, "type": "private", "first_name": "Ala"}
GROUP = {"id": -1001234, "type": "supergroup", "title": "Grupa"}
CHANNEL = {"id": -1005678, "type": "channel", "title": "Kanał"}


def leaks(text: str) -> list[str]:
    return [form for form in FORMS if form in text]


# --- where tokens come from ------------------------------------------------------------------------


def test_tokens_come_only_from_the_environment_or_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for variable in ("BRIEFING_TELEGRAM_TOKEN", "BRIEFING_DISCORD_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    settings = load_settings()
    assert settings.telegram.token is None and settings.discord.token is None
    monkeypatch.setenv("BRIEFING_DISCORD_TOKEN", "discord-token-from-the-environment")
    assert load_settings().discord.token.get_secret_value() == "discord-token-from-the-environment"  # type: ignore[union-attr]
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken = "{TOKEN}"\n', encoding="utf-8")
    assert load_settings(config).telegram.token.get_secret_value() == TOKEN  # type: ignore[union-attr]
    # No command-line option takes a token: it would show in `ps` and the shell's history.
    options = {o for action in cli.build_parser()._actions for o in action.option_strings}
    assert not [o for o in options if "token" in o]
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["run", "--token", TOKEN])


# --- a config file others can read ------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX mode bits")
@pytest.mark.parametrize(
    ("mode", "warned"), [(0o644, True), (0o640, True), (0o604, True), (0o600, False), (0o400, False), (0o700, False)]
)
def test_a_config_file_with_a_token_that_others_can_read_gets_a_warning(
    tmp_path: Path, mode: int, warned: bool
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken = "{TOKEN}"\n', encoding="utf-8")
    config.chmod(mode)
    values = {"telegram": {"token": TOKEN}}
    warning = readable_by_others(config, values)
    assert (warning is not None) == warned
    if warning:
        assert str(config) in warning and f"chmod 600 {config}" in warning
        assert stat.filemode(0o100000 | mode) in warning
        assert not leaks(warning)


@pytest.mark.skipif(os.name != "posix", reason="POSIX mode bits")
def test_a_readable_config_file_without_a_token_gets_no_warning(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[telegram]\nbase_url = "http://127.0.0.1:1/bot"\n[discord]\nguild_ids = [1]\n', encoding="utf-8")
    config.chmod(0o644)
    assert readable_by_others(config, {"telegram": {"base_url": "x"}, "discord": {"guild_ids": [1]}}) is None
    discord = tmp_path / "discord.toml"
    discord.write_text('[discord]\ntoken = "discord-token"\n', encoding="utf-8")
    discord.chmod(0o644)
    assert readable_by_others(discord, {"discord": {"token": "discord-token"}}) is not None


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    import subprocess

    environment = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")} | (env or {})
    executable = shutil.which("briefing-bot", path=str(Path(sys.executable).parent)) or "briefing-bot"
    done = subprocess.run([executable, *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=120)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.skipif(os.name != "posix", reason="POSIX mode bits")
def test_the_warning_is_logged_once_at_start_up_without_the_token(tmp_path: Path, content_dir: Path) -> None:
    config = tmp_path / "bot config.toml"  # a space: the fix must still be a command one can paste
    config.write_text(f'[telegram]\ntoken = "{TOKEN}"\n', encoding="utf-8")
    config.chmod(0o644)
    code, out, err = run_cli("-vv", "--config", str(config), "content", "check", cwd=tmp_path)
    assert code == 0, err
    assert err.count("other users of this machine can read it") == 1
    assert f"chmod 600 '{config}'" in err
    assert not leaks(out + err)
    config.chmod(0o600)
    code, out, err = run_cli("--config", str(config), "content", "check", cwd=tmp_path)
    assert code == 0 and "can read it" not in err


# --- end to end: briefing-bot -vv run -----------------------------------------------------------------


async def _start(tmp_path: Path, api: FakeBotApi, env: dict[str, str]) -> asyncio.subprocess.Process:
    command = shutil.which("briefing-bot", path=str(Path(sys.executable).parent)) or "briefing-bot"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")} | env
    return await asyncio.create_subprocess_exec(
        command,
        "-vv",
        "run",
        cwd=tmp_path,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


_PEOPLE = itertools.count(9001)


def _someone() -> tuple[dict, dict]:
    """A private chat and its user, new each time: a member gets 10 answers a minute in a chat."""
    number = next(_PEOPLE)
    return {"id": number, "type": "private", "first_name": "U"}, {"id": number, "is_bot": False, "first_name": "U"}


async def _exchange(api: FakeBotApi, text: str, chat: dict, user: dict | None = ALA, **extra: object) -> None:
    """Send one update, then a /start from a private chat of its own, and wait for the answer to
    that: a pace that lets each update (and the fault queued before it) be handled before the next."""
    pacer, person = _someone()
    api.user_message(text, chat, user, **extra)
    api.user_message("/start", pacer, person)
    await api.wait_until(lambda: any(c["chat_id"] == pacer["id"] for c in api.sent()), 30)


def _scan(stdout: str, stderr: str, api: FakeBotApi, data: Path) -> int:
    """Every place the token could end up; returns how many log lines were searched."""
    lines = stderr.splitlines()
    for number, line in enumerate(lines, 1):
        assert not leaks(line), f"stderr line {number} shows the token: {line[:300]}"
    assert not leaks(stdout)
    for call in api.calls:  # every reply, edit, error message and callback answer the bot sent
        assert not leaks(json.dumps(call.params, ensure_ascii=False)), call.method
    for path in data.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not [f for f in FORMS if f.encode() in content], path
    return len(lines)


def test_a_debug_run_never_shows_the_token(tmp_path: Path, content_dir: Path, bundled_data: Path) -> None:
    """Every command, failing ones too (bad arguments, a refused admin command, a forged button, an
    edited message, API errors: 400, 403, 502, and a 401 that says the token is no longer valid),
    with every library logging at DEBUG: no log line, reply or stored file holds the token."""
    shutil.copytree(bundled_data, tmp_path / "data")

    async def main() -> tuple[int | None, str, str, FakeBotApi]:
        async with FakeBotApi(TOKEN) as api:
            (tmp_path / "config.toml").write_text(f'[telegram]\nbase_url = "{api.base_url}"\n', encoding="utf-8")
            process = await _start(tmp_path, api, {"BRIEFING_TELEGRAM_TOKEN": TOKEN})
            try:
                for text in (
                    "/help",
                    "/timeline 2022-01",
                    "/search Kazachstanu",
                    "/card ../../etc/passwd",
                    "/timeline 2022-02-30",
                    "/sources zzzz",
                    "/onthisday 13-45",
                    "/digest status",
                    "/lang de",
                    "/figures nieznany",
                    "/" + "x" * 300,
                ):
                    await _exchange(api, text, *_someone())
                await _exchange(api, "/digest on 08:00", GROUP, OLA)  # not an admin: refused
                await _exchange(api, "/digest on 08:00", CHANNEL, None)
                await _exchange(api, "/timeline 2022", PRIVATE, ALA, kind="edited_message")
                api.press({"message_id": 1, "date": 0, "chat": PRIVATE}, "forged:../../" + SECRET[:20], ALA)
                await api.wait_for("answerCallbackQuery", 1, 30)
                api.blocked_chats.add(GROUP["id"])
                await _exchange(api, "/start", GROUP, OLA)  # 403
                api.blocked_chats.clear()
                for error in (
                    ApiError(400, "Bad Request: can't parse entities"),
                    ApiError(502, "Bad Gateway"),
                    ApiError(401, "Unauthorized"),
                ):
                    api.failures["sendMessage"] = [error]
                    await _exchange(api, "/timeline csto", GROUP, OLA)
                await _exchange(api, "/help", PRIVATE)
                # Last, since polling ends at a 401 and the bot with it: the token revoked while it runs.
                api.failures["getUpdates"] = [ApiError(502, "Bad Gateway"), ApiError(401, "Unauthorized")]
                api.user_message("/help", PRIVATE, ALA)
                out, err = await asyncio.wait_for(process.communicate(), 60)
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                    out, err = await asyncio.wait_for(process.communicate(), 60)
            return process.returncode, out.decode(), err.decode(), api

    returncode, stdout, stderr, api = asyncio.run(main())
    assert returncode == 2, stderr[-2000:]  # it stopped by itself at the 401, and said why
    assert "briefing-bot: the Telegram token was refused (401)" in stderr
    assert "Telegram polling had stopped" in stderr
    lines = _scan(stdout, stderr, api, tmp_path / "data")
    # The run did log what could have leaked: every library's debug lines, the API URLs among them.
    loggers = set(re.findall(r"^\S+ \S+ DEBUG ([\w.]+):", stderr, re.M))
    assert {"telegram.ext.ExtBot", "telegram.ext.Application", "telegram.ext.Updater"} <= loggers, loggers
    assert re.search(
        r"DEBUG telegram\.ext\.ExtBot: Set Bot API URL: http://127\.0\.0\.1:\d+/bot\[redacted\]$", stderr, re.M
    )
    assert "Calling Bot API endpoint `sendMessage` with parameters" in stderr  # every request, logged
    assert "error while handling an update" in stderr  # the 401 in a handler was logged with its traceback
    assert "Exception happened while polling for updates" in stderr  # and the 401 that ended polling
    print(f"{lines} log lines from {len(loggers)} loggers and {len(api.calls)} API calls searched")


def test_a_rejected_token_never_shows_the_token(tmp_path: Path, content_dir: Path, bundled_data: Path) -> None:
    """The token in a config file others can read, and a server that rejects it."""
    shutil.copytree(bundled_data, tmp_path / "data")

    async def main() -> tuple[int, str, str, FakeBotApi]:
        async with FakeBotApi("987654321:AAOtherTokenTheServerExpects_000000") as api:
            config = tmp_path / "config.toml"
            config.write_text(f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{api.base_url}"\n', encoding="utf-8")
            config.chmod(0o644)
            process = await _start(tmp_path, api, {})
            out, err = await asyncio.wait_for(process.communicate(), 60)
            return process.returncode or 0, out.decode(), err.decode(), api

    code, stdout, stderr, api = asyncio.run(main())
    assert code == 2, stderr
    assert "Telegram rejected the token" in stderr
    assert "chmod 600" in stderr
    lines = _scan(stdout, stderr, api, tmp_path / "data")
    assert re.search(r"DEBUG telegram\.ext\.ExtBot: Set Bot API URL: .*/bot\[redacted\]$", stderr, re.M)
    print(f"{lines} log lines searched")


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:99999/bot", "http://[zz]/bot"])
def test_a_broken_base_url_is_reported_without_the_token(
    tmp_path: Path, content_dir: Path, bundled_data: Path, base_url: str
) -> None:
    """aiohttp quotes the whole request URL, token included, when it cannot use it."""
    shutil.copytree(bundled_data, tmp_path / "data")
    (tmp_path / "config.toml").write_text(f'[telegram]\nbase_url = "{base_url}"\n', encoding="utf-8")
    code, out, err = run_cli("-vv", "run", cwd=tmp_path, env={"BRIEFING_TELEGRAM_TOKEN": TOKEN})
    assert code == 2, err
    assert "cannot reach the Telegram Bot API" in err and "[redacted]" in err
    assert not leaks(out + err)


def test_every_form_of_the_token_is_redacted_from_log_records(caplog: pytest.LogCaptureFixture) -> None:
    logs.add_secrets([TOKEN])
    log = logging.getLogger("tests.secrets")
    with caplog.at_level(logging.DEBUG):
        log.debug("Set Bot API URL: %s", f"http://127.0.0.1:1/bot{TOKEN}")
        log.debug("quoted: %s", f"http://127.0.0.1:1/bot{quote(TOKEN, safe='')}/getMe")
        log.debug("the secret half alone: " + SECRET)
        log.debug("a malformed call: %s %s", TOKEN)  # must not raise into the caller
        try:
            raise RuntimeError(f"request to http://127.0.0.1:1/bot{TOKEN}/getMe failed")
        except RuntimeError:
            log.exception("failed")
    assert len(caplog.records) == 5
    assert not leaks(caplog.text)
    assert caplog.text.count(logs.REDACTED) >= 5


@pytest.mark.parametrize("where", ["main", "thread"])
def test_an_uncaught_error_is_logged_without_the_token(where: str) -> None:
    """Python prints an uncaught error itself, past logging: the command's hooks send it through."""
    import subprocess

    fail = f"raise RuntimeError('request to http://127.0.0.1:1/bot{TOKEN}/getMe failed')"
    code = f"from bot import logs\nlogs.configure()\nlogs.add_secrets([{TOKEN!r}])\n" + (
        f"{fail}\n"
        if where == "main"
        else f"import threading\ndef f():\n    {fail}\nt = threading.Thread(target=f)\nt.start()\nt.join()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60)
    assert done.returncode == (1 if where == "main" else 0)
    assert "RuntimeError: request to http://127.0.0.1:1/bot[redacted]/getMe failed" in done.stderr
    assert not leaks(done.stdout + done.stderr)


def test_an_error_that_quotes_the_url_never_reaches_the_state_the_output_or_the_chat(
    tmp_path: Path, content_dir: Path, bundled_data: Path, bundled: Briefing
) -> None:
    """A Bot API that answers sendMessage with redirects to itself: aiohttp's error quotes the
    request URL, token included. ``digest run`` prints, stores and shows only a classified reason."""
    shutil.copytree(bundled_data, tmp_path / "data")
    target = Target("telegram", str(PRIVATE["id"]))
    StateStore(tmp_path / "data").put_subscriptions([Subscription(target, empty="nearest")])
    day = date.today()  # the CLI's own clock decides which days it may deliver: today always

    async def main() -> tuple[int, str, str, FakeBotApi]:
        async with FakeBotApi(TOKEN) as api:
            api.redirecting.add("sendMessage")
            (tmp_path / "config.toml").write_text(f'[telegram]\nbase_url = "{api.base_url}"\n', encoding="utf-8")
            command = shutil.which("briefing-bot", path=str(Path(sys.executable).parent)) or "briefing-bot"
            environment = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
            process = await asyncio.create_subprocess_exec(
                command,
                "digest",
                "run",
                "--date",
                day.isoformat(),
                cwd=tmp_path,
                env=environment | {"BRIEFING_TELEGRAM_TOKEN": TOKEN},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(process.communicate(), 60)
            return process.returncode or 0, out.decode(), err.decode(), api

    code, stdout, stderr, api = asyncio.run(main())
    assert f"{target.key}  interrupted (no answer in time)" in stdout, stdout + stderr
    _scan(stdout, stderr, api, tmp_path / "data")
    record = StateStore(tmp_path / "data").delivery(target.key, day)
    assert record is not None and (record["state"], record["detail"]) == ("interrupted", "no answer in time")
    digests = Digests(bundled, StateStore(tmp_path / "data"), "Europe/Warsaw")
    status = render_reply(digests.handle("status", target, "en", True))
    assert status.endswith(
        ": the platform did not answer in time; the message may have arrived, so it was not repeated"
    )  # said once: no reason repeated after it
    assert not leaks(status)
