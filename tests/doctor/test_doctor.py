"""``briefing-bot doctor`` end to end, and the checks of this machine: one line a check, ✓ or ✗,
exit 1 when any failed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.app import holding
from bot.cli import main
from bot.config import read_settings
from bot.doctor.checks import Finding, Setup
from bot.doctor.local import data_folder, lemma_dictionary
from bot.doctor.report import diagnose, examine
from tests.conftest import BUNDLED_CONTENT

TOKEN = "123456789:AAdoctor-token-that-must-never-be-printed"


def doctor(capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, list[str]]:
    code = main(["--content", str(BUNDLED_CONTENT), *options, "doctor"])
    return code, capsys.readouterr().out.splitlines()


def test_a_sound_set_up_passes_every_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = doctor(capsys, "--data", str(tmp_path / "data"))
    assert code == 0 and lines[-1] == "all checks passed"
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "✓ Python",
        "✓ packages",
        "✓ settings",
        "✓ platforms",
        "✓ content",
        "✓ data folder",
        "✓ state store",
        "✓ lemma dictionary",
        "✓ time zone",
    ]
    assert "✓ platforms: no token: console only" in lines
    assert "✓ time zone: Europe/Warsaw" in lines


def test_invalid_settings_are_one_failed_line_and_stop_the_rest(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRIEFING_WEB__PORT", "99999")
    code, lines = doctor(capsys)
    assert code == 1
    assert lines[2] == (
        "✗ settings: BRIEFING_WEB__PORT: Input should be less than or equal to 65535 "
        "→ fix the value named, then run briefing-bot doctor again"
    )
    assert len(lines) == 4 and lines[-1] == "1 check(s) failed"  # Python, packages, settings, the sum


def test_the_settings_line_says_where_each_key_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    monkeypatch.setenv("BRIEFING_WEB__PORT", "8080")
    code, lines = doctor(capsys, "--data", str(tmp_path / "data"))
    assert code == 0
    assert (
        "✓ settings: valid (config config.toml); from options: --content (content), --data (data); "
        "from the environment: BRIEFING_WEB__PORT (web.port); from config.toml: timezone"
    ) in lines


def test_an_unknown_variable_fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BRIEFING_TIMEZON", "Europe/Berlin")
    code, lines = doctor(capsys)
    assert code == 1
    assert (
        "✗ environment: BRIEFING_TIMEZON is no setting, and is ignored (did you mean BRIEFING_TIMEZONE?) "
        "→ rename or unset it (see README, Configuration)"
    ) in lines


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_token_in_a_file_others_can_read_fails_and_is_not_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "http://127.0.0.1:9/bot"\n', encoding="utf-8")
    config.chmod(0o644)
    code, lines = doctor(capsys, "--config", str(config), "--data", str(tmp_path / "data"))
    assert code == 1
    assert f"✗ config file: {config} holds a bot token and other users of this machine can read it (-rw-r--r--) " in (
        "\n".join(lines)
    )
    assert any(line.endswith(f"→ restrict it with: chmod 600 {config}") for line in lines)
    assert any(line.startswith("✗ telegram token: cannot reach http://127.0.0.1:9/bot…") for line in lines)
    assert TOKEN not in "\n".join(lines) and TOKEN.split(":")[1] not in "\n".join(lines)


def test_broken_content_fails_as_content_check_reports_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    shutil.copytree(BUNDLED_CONTENT, content)
    (content / "articles" / "broken.md").write_text("+++\ntitle = 5\n+++\ntext\n", encoding="utf-8")
    code = main(["--content", str(content), "--data", str(tmp_path / "data"), "doctor"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    failed = [line for line in lines if line.startswith("✗")]
    assert len(failed) == 1 and failed[0].startswith("✗ content: ") and "broken.md:" in failed[0]
    assert failed[0].endswith("→ see briefing-bot content check")


async def test_a_data_folder_held_by_a_running_bot_fails(tmp_path: Path) -> None:
    data = tmp_path / "data"
    setup = Setup(read_settings(data=data))
    with holding(data):
        held = await data_folder(setup)
    free = await data_folder(setup)
    assert [str(finding) for finding in held] == [
        f"✗ data folder: {data} is in use by another briefing-bot process (a running bot or a digest run) "
        "→ stop it first, or give this one its own --data"
    ]
    assert [str(finding) for finding in free] == [f"✓ data folder: {data} is writable and free (no digest state yet)"]


async def test_a_data_folder_that_is_a_file_fails(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.write_text("", encoding="utf-8")
    findings = await data_folder(Setup(read_settings(data=data)))
    assert not findings[0].ok and "is not a folder" in findings[0].found


async def test_the_lemma_dictionary_absent_buildable_or_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    setup = Setup(read_settings())
    monkeypatch.setenv("BRIEFING_LEMMA_CACHE", str(tmp_path / "cache"))
    assert [str(f) for f in await lemma_dictionary(setup)] == [
        f"✓ lemma dictionary: not built yet; the first start builds it into {tmp_path / 'cache'} (about 10 s)"
    ]
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "pl.dic").write_bytes(b"trie")
    assert [str(f) for f in await lemma_dictionary(setup)] == [f"✓ lemma dictionary: present in {tmp_path / 'cache'}"]
    (tmp_path / "file").write_text("", encoding="utf-8")
    monkeypatch.setenv("BRIEFING_LEMMA_CACHE", str(tmp_path / "file" / "cache"))
    findings = await lemma_dictionary(setup)
    assert not findings[0].ok and findings[0].fix == "set BRIEFING_LEMMA_CACHE to a writable folder"


async def test_a_check_that_breaks_is_one_failed_line() -> None:
    async def broken_check(setup: Setup) -> list[Finding]:
        raise KeyError("x")

    async def fine(setup: Setup) -> list[Finding]:
        return [Finding("fine", "yes")]

    findings = await diagnose(examine(), [broken_check, fine])
    assert [str(finding) for finding in findings] == [
        "✗ broken check: could not be checked (KeyError) → run with -vv to see why",
        "✓ fine: yes",
    ]


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:99999/bot", "http://[zz]/bot"])
def test_a_broken_base_url_is_one_failed_line_without_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], base_url: str
) -> None:
    """aiohttp quotes the whole request URL, token included, when it cannot use it."""
    monkeypatch.setenv("BRIEFING_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("BRIEFING_TELEGRAM__BASE_URL", base_url)
    code = main(["--content", str(BUNDLED_CONTENT), "--data", str(tmp_path / "data"), "doctor"])
    out, err = capsys.readouterr()
    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("✗")]
    assert failed == [
        f"✗ telegram token: cannot reach {base_url}… (aiohttp.InvalidUrlClientError) → check the network and base_url"
    ]
    assert TOKEN.split(":")[1] not in out + err and "Traceback" not in out + err
