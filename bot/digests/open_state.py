"""The state store the settings choose: TinyDB by default, PostgreSQL for a ``postgresql://`` URL."""

from __future__ import annotations

from pathlib import Path

from bot.digests.state import STATE_FILE, TinyDBStateStore
from bot.digests.state_store import StateStore, is_postgres


def open_state_store(state: str | None, data_dir: Path) -> StateStore:
    """The state store the ``state`` setting names: a ``postgresql://`` URL, a TinyDB file's path,
    or, when unset, ``state.json`` in the data folder."""
    if state is None:
        return TinyDBStateStore(data_dir)
    if is_postgres(state):
        from bot.digests.state_postgres import PostgresStateStore  # psycopg only when asked for

        return PostgresStateStore(state)
    path = Path(state)
    return TinyDBStateStore(path.parent, path.name or STATE_FILE)
