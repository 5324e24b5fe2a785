"""Each doctor test sees only the variables it sets (and where the lemma dictionary is), from a
folder of its own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _only_these_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in os.environ:
        if name.upper().startswith("BRIEFING_") and name != "BRIEFING_LEMMA_CACHE":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
