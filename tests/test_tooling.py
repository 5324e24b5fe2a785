"""The linters run with the tests, so that CI (which runs ``pytest``) enforces them: ruff's lint
and format check on ``bot``, ``tests`` and ``bench``, and mypy on ``bot``, as ``pyproject.toml``
configures them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def run(*command: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", "--no-cache", "bot", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted() -> None:
    result = run("ruff", "format", "--check", "--no-cache", "bot", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_in_the_bot() -> None:
    result = run("mypy", "bot")
    assert result.returncode == 0, result.stdout + result.stderr


def test_both_report_what_they_are_configured_to_find(tmp_path: Path) -> None:
    """With the project's settings, a finding of each kind fails the check (not a silent pass)."""
    (tmp_path / "wrong.py").write_text("import os\n\n\ndef half(n: int) -> str:\n    return n / 2\n")
    config = str(REPO / "pyproject.toml")
    ruff = run("ruff", "check", "--no-cache", "--config", config, "wrong.py", cwd=tmp_path)
    assert ruff.returncode == 1 and "F401" in ruff.stdout, ruff.stdout + ruff.stderr
    mypy = run("mypy", "--config-file", config, "--cache-dir", str(tmp_path / "cache"), "wrong.py", cwd=tmp_path)
    assert mypy.returncode == 1 and "return-value" in mypy.stdout, mypy.stdout + mypy.stderr
