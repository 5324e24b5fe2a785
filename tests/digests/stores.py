"""Runs a test module's ``StateStore(folder)`` on both implementations: TinyDB as written, or
PostgreSQL, where each folder stands for a fresh database (opened again for the same folder,
as a restart would)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from bot.digests.state import TinyDBStateStore
from bot.digests.state_postgres import PostgresStateStore
from tests.postgres_server import Server


def both_stores(*modules: ModuleType) -> Callable[..., Iterator[str]]:
    """An autouse fixture, parametrised over "tinydb" and "postgresql", that points the modules'
    ``StateStore`` at the implementation of its parameter (the test module's, and those whose
    helpers it calls)."""

    @pytest.fixture(autouse=True, params=["tinydb", "postgresql"])
    def state_store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
        if request.param == "postgresql":
            if request.node.get_closest_marker("tinydb_only"):
                pytest.skip("about the TinyDB file itself")
            server: Server = request.getfixturevalue("postgres_server")
            databases: dict[Path, str] = {}

            def open_store(folder: Path) -> PostgresStateStore:
                if folder not in databases:
                    databases[folder] = server.fresh_database()
                return PostgresStateStore(databases[folder])

            implementation: Callable[[Path], object] = open_store
        else:
            implementation = TinyDBStateStore
        for module in modules:
            monkeypatch.setattr(module, "StateStore", implementation)
        yield request.param

    return state_store
