"""What the code imports from outside: only the public modules of other libraries."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO

#: Private names a test needs, each with why: none in ``bot`` or ``bench``.
PRIVATE_ALLOWED = {
    # to send what no honest client would (a forged custom_id): SimCord's public clicks cannot
    ("tests/adapters/test_authorisation_discord.py", "simcord.actors._component_interaction"),
}


def imported_modules(folder: Path) -> Iterator[tuple[Path, str]]:
    """Every absolute import under ``folder``, wherever in a module it stands: (file, module), and
    (file, module.name) for each name a ``from`` import takes."""
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                yield from ((path, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                yield path, node.module
                yield from ((path, f"{node.module}.{alias.name}") for alias in node.names)


def test_nothing_private_of_another_library_is_imported() -> None:
    private = {(str(path.relative_to(REPO)), module) for folder in ("bot", "tests", "bench")
               for path, module in imported_modules(REPO / folder)
               if module.split(".")[0] not in ("bot", "tests", "bench")
               and any(part.startswith("_") and part != "__future__" for part in module.split("."))}
    assert private == PRIVATE_ALLOWED
