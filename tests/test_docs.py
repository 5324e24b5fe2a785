"""Every command has help and is in the README; the README's set-up is what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.briefings.commands import BUILTIN
from bot.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", BUILTIN, ids=lambda spec: spec.name)
def test_chat_command_is_documented(spec) -> None:  # type: ignore[no-untyped-def]
    assert spec.summary["pl"] and spec.summary["en"]
    assert f"`/{spec.name}" in README


def test_topic_commands_are_documented() -> None:
    for path in sorted((REPO / "content" / "topics").glob("*.toml")):
        assert f"`/{path.stem}`" in README


def test_cli_subcommands_have_help_and_are_documented() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, sub in subparsers.choices.items():  # type: ignore[union-attr]
        assert sub.description, name
        assert f"briefing-bot {name}" in README


SETUP_COMMANDS = re.findall(r"```sh\n(.+?)\n```", README)
VENV = "python3 -m venv .venv && .venv/bin/pip install -e "


def test_ci_runs_the_readme_test_command() -> None:
    test_command = next(c for c in SETUP_COMMANDS if "pytest" in c)
    assert test_command in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_setup_commands_install_into_a_virtual_environment() -> None:
    """Debian and Ubuntu refuse a plain ``pip install`` (PEP 668): both set-up commands make a
    virtual environment and use its pip, its script and its Python, never the system's."""
    run_command, test_command = SETUP_COMMANDS
    assert run_command == VENV + ". && .venv/bin/briefing-bot run"
    assert test_command == VENV + "'.[dev]' && .venv/bin/python -m pytest"


def _documented_keys(intro: str) -> tuple[list[str], list[str]]:
    """The keys the README lists after ``intro``, and those of its nested list (``figures``)."""
    section = README[README.index(intro) :].split("\n\n", 2)[1]
    top = re.findall(r"^- `(\w+)`", section, re.MULTILINE)
    nested = re.findall(r"^  - `(\w+)`", section, re.MULTILINE)
    return top, nested


def test_facts_json_keys_are_the_documented_ones(bundled) -> None:  # type: ignore[no-untyped-def]
    top, nested = _documented_keys("`briefing-bot facts --json` prints")
    with_figures = next(f for f in bundled.knowledge.facts if f.figures)
    record = with_figures.to_json()
    assert top == list(record)
    assert nested == list(record["figures"][0])


def test_console_commands_and_version_are_documented() -> None:
    from bot.platforms.console.adapter import CONSOLE_COMMANDS

    for command in CONSOLE_COMMANDS:
        for name in (command.name, *command.aliases):
            assert f"`/{name}`" in README
    assert "`briefing-bot --version`" in README
