"""The checks ``briefing-bot doctor`` runs, in order, and its report: one line a finding, exit 1
when any failed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.base import secrets
from bot.base.errors import ConfigError
from bot.config import read_settings
from bot.digests.state_store import url_secrets
from bot.doctor.checks import Check, Finding, Setup, failed
from bot.doctor.discord import discord_login
from bot.doctor.local import (
    content,
    data_folder,
    lemma_dictionary,
    python_and_packages,
    settings_and_environment,
    time_zone,
)
from bot.doctor.state_store import state_store
from bot.doctor.telegram import telegram

log = logging.getLogger(__name__)

#: Every check, in the order it is shown. Those after ``settings_and_environment`` need valid settings.
CHECKS: tuple[Check, ...] = (
    python_and_packages,
    settings_and_environment,
    content,
    data_folder,
    state_store,
    lemma_dictionary,
    time_zone,
    telegram,
    discord_login,
)
NEED_NO_SETTINGS = (python_and_packages, settings_and_environment)


def examine(config: Path | None = None, content: Path | None = None, data: Path | None = None) -> Setup:
    """The set-up the options (and the environment, and the config file) describe."""
    try:
        loaded = read_settings(config, content, data)
    except ConfigError as error:
        return Setup(None, "; ".join(str(error).splitlines()))
    secrets.add(token.get_secret_value() for token in loaded.settings.tokens())  # redacted from every finding
    secrets.add(url_secrets(loaded.settings.state))
    return Setup(loaded)


async def diagnose(setup: Setup, checks: Sequence[Check] = CHECKS) -> list[Finding]:
    """Every check's findings, in order; with invalid settings, only the checks that need none."""
    findings: list[Finding] = []
    for check in checks:
        if setup.loaded is None and check not in NEED_NO_SETTINGS:
            continue
        try:
            findings += await check(setup)
        except Exception as error:  # a check's own defect: one line, not the end of the report
            log.debug("the check %s failed", check.__name__, exc_info=True)
            name = check.__name__.replace("_", " ")
            findings.append(failed(name, f"could not be checked ({type(error).__name__})", "run with -vv to see why"))
    return findings


def report(findings: Sequence[Finding], out: TextIO) -> int:
    """One line a finding; 1 when any failed (an unverified one is no failure)."""
    for finding in findings:
        print(finding, file=out)
    failures = sum(not finding.ok for finding in findings)
    print(f"{failures} check(s) failed" if failures else "all checks passed", file=out)
    return 1 if failures else 0
