"""The checks of this machine: Python and packages, settings, content, data folder, lemma
dictionary and time zone."""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path

from filelock import FileLock, Timeout

from bot.app import LOCK_FILE
from bot.base.zones import known_zone
from bot.config import token_sections
from bot.doctor.checks import Finding, Setup, failed
from bot.language import lemmas

#: The oldest Python the bot runs on (pyproject.toml's requires-python).
PYTHON = (3, 11)
#: The libraries whose versions matter most when something goes wrong, by distribution name.
PACKAGES = (
    "python-telegram-bot",
    "discord.py",
    "pydantic",
    "pydantic-settings",
    "tinydb",
    "apscheduler",
    "simplemma",
    "aiohttp",
)


async def python_and_packages(setup: Setup) -> list[Finding]:
    version = ".".join(map(str, sys.version_info[:3]))
    versions, missing = [], []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            missing.append(name)
    findings = [
        Finding("Python", f"{version} at {sys.executable}")
        if sys.version_info[:2] >= PYTHON
        else failed("Python", f"{version}, older than {'.'.join(map(str, PYTHON))}", "install Python 3.11 or newer")
    ]
    if missing:
        findings.append(
            failed("packages", f"not installed: {', '.join(missing)}", "reinstall the bot: pip install -e .")
        )
    else:
        findings.append(Finding("packages", ", ".join(versions)))
    return findings


async def settings_and_environment(setup: Setup) -> list[Finding]:
    """Valid or not; where each set key came from; unknown variables; a token others can read."""
    if setup.loaded is None:
        return [failed("settings", setup.error, "fix the value named, then run briefing-bot doctor again")]
    sources: dict[str, list[str]] = {"option": [], "environment": [], "file": []}  # in precedence order
    labels = {"option": "from options", "environment": "from the environment", "file": "from {}"}
    files = {origin.name for origin in setup.loaded.origins.values() if origin.kind == "file"}
    for key, origin in sorted(setup.loaded.origins.items()):
        dotted = ".".join(key)
        sources[origin.kind].append(dotted if origin.kind == "file" else f"{origin.name} ({dotted})")
    found = (
        "; ".join(f"{labels[kind].format(*files)}: {', '.join(keys)}" for kind, keys in sources.items() if keys)
        or "all defaults"
    )
    file = setup.settings.config_file
    findings = [Finding("settings", f"valid ({'config ' + str(file) if file else 'no config file'}); {found}")]
    for unknown in setup.loaded.unknown_variables:
        findings.append(failed("environment", unknown, "rename or unset it (see README, Configuration)"))
    if setup.loaded.readable_file:
        found, _, fix = setup.loaded.readable_file.partition("; ")
        findings.append(failed("config file", found, fix))
    tokens = [section for section in token_sections() if getattr(setup.settings, section).token is not None]
    findings.append(Finding("platforms", f"tokens set for {', '.join(tokens)}" if tokens else "no token: console only"))
    return findings


async def content(setup: Setup) -> list[Finding]:
    """As ``briefing-bot content check``: the counts, or the problems."""
    folder = setup.settings.content
    loaded = setup.content
    problems = [*loaded.problems, *loaded.warnings]
    if problems:
        first = str(problems[0])
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return [failed("content", f"{len(problems)} problem(s): {first}{more}", "see briefing-bot content check")]
    return [
        Finding(
            "content",
            f"{folder}: {loaded.files} files valid ({len(loaded.articles)} articles, {len(loaded.topics)} topics)",
        )
    ]


def _nearest_existing(path: Path) -> Path:
    for parent in (path, *path.absolute().parents):
        if parent.exists():
            return parent
    return Path("/")


async def data_folder(setup: Setup) -> list[Finding]:
    """Exists (or can be made), is writable, and is not held by another running bot."""
    data = setup.settings.data
    if not data.exists():
        parent = _nearest_existing(data)
        if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
            return [Finding("data folder", f"{data} does not exist yet; the bot makes it at start")]
        return [failed("data folder", f"{data} does not exist and {parent} is not writable", "make it, or set --data")]
    if not data.is_dir():
        return [failed("data folder", f"{data} is not a folder", "point --data (or data) at a folder")]
    if not os.access(data, os.W_OK | os.X_OK):
        return [failed("data folder", f"{data} is not writable by this user", f"fix its owner or mode: {data}")]
    lock = FileLock(data / LOCK_FILE)  # as bot.app.holding takes it; the system lets go of a dead holder's
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return [
            failed(
                "data folder",
                f"{data} is in use by another briefing-bot process (a running bot or a digest run)",
                "stop it first, or give this one its own --data",
            )
        ]
    except OSError as error:
        return [failed("data folder", f"cannot lock {data}: {error.strerror or error}", "fix its owner or mode")]
    lock.release()
    state = "no digest state yet" if not setup.subscriptions else f"{len(setup.subscriptions)} subscription(s)"
    findings = [Finding("data folder", f"{data} is writable and free ({state})")]
    findings += [failed("digest state", problem, "see briefing-bot digest list") for problem in setup.problems]
    return findings


async def lemma_dictionary(setup: Setup) -> list[Finding]:
    folder = lemmas.cache_dir()
    if lemmas.dictionary_file().is_file():
        return [Finding("lemma dictionary", f"present in {folder}")]
    parent = _nearest_existing(folder)
    if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
        return [Finding("lemma dictionary", f"not built yet; the first start builds it into {folder} (about 10 s)")]
    return [
        failed(
            "lemma dictionary",
            f"absent, and {folder} cannot be made: every start would build it anew (about 10 s)",
            "set BRIEFING_LEMMA_CACHE to a writable folder",
        )
    ]


async def time_zone(setup: Setup) -> list[Finding]:
    """The configured zone and every subscription's exist in this machine's zone data."""
    zones = {setup.settings.timezone, *(subscription.timezone for subscription in setup.subscriptions)}
    unknown = sorted(zone for zone in zones if not known_zone(zone))
    if unknown:
        return [
            failed(
                "time zone",
                f"unknown here: {', '.join(unknown)}",
                "install the tzdata package (pip install tzdata), or fix the name",
            )
        ]
    others = len(zones - {setup.settings.timezone})
    extra = f", and {others} other zone(s) of subscriptions" if others else ""
    return [Finding("time zone", f"{setup.settings.timezone}{extra}")]
