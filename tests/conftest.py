"""Shared fixtures: a copy of the bundled content in a temporary folder, and a Briefing on it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings

from bot.briefings.service import Briefing
from tests.postgres_server import Server, running_server

REPO = Path(__file__).resolve().parent.parent
BUNDLED_CONTENT = REPO / "content"
WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
"""The tests' "now": no test reads the real clock, so the suite passes on any day."""

# Property-based suites assert behaviour, not seconds: no per-example deadline. Each suite sets its
# own max_examples so that CI stays bounded; the example database stays out of the repository.
# The default profile is derandomized, so a run passes or fails the same way on every machine;
# HYPOTHESIS_PROFILE=explore draws fresh examples to look for new defects (add each one found as
# an explicit test before fixing it).
_PROFILE = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}
settings.register_profile("briefing", derandomize=True, **_PROFILE)
settings.register_profile("explore", **_PROFILE)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "briefing"))


def fixed_clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled content, free to edit."""
    target = tmp_path / "content"
    shutil.copytree(BUNDLED_CONTENT, target)
    return target


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture(scope="session")
def bundled_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose fact store is built from the bundled content (read-only: copy it)."""
    data = tmp_path_factory.mktemp("bundled-data")
    Briefing.load(BUNDLED_CONTENT, data, WARSAW)
    return data


@pytest.fixture(scope="session")
def bundled(bundled_data: Path) -> Briefing:
    """The bundled content; today is 22 November 2026 in Warsaw."""
    return Briefing.load(BUNDLED_CONTENT, bundled_data, WARSAW, "pl", fixed_clock(NOW))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """A real PostgreSQL server, started once for the session (tests/postgres_server.py)."""
    with running_server() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: Server) -> str:
    """A fresh, empty database on that server."""
    return postgres_server.fresh_database()
