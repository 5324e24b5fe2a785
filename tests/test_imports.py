"""What the code imports from outside: only the public modules of other libraries, each of a
distribution that ``pyproject.toml`` declares (not one that comes in through another's extras)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.conftest import REPO

#: Private names a test needs, each with why: none in ``bot`` or ``bench``.
PRIVATE_ALLOWED = {
    # to send what no honest client would (a forged custom_id): SimCord's public clicks cannot
    ("tests/platforms/discord/test_authorisation_discord.py", "simcord.actors._component_interaction"),
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
    private = {
        (str(path.relative_to(REPO)), module)
        for folder in ("bot", "tests", "bench")
        for path, module in imported_modules(REPO / folder)
        if module.split(".")[0] not in ("bot", "tests", "bench")
        and any(part.startswith("_") and part != "__future__" for part in module.split("."))
    }
    assert private == PRIVATE_ALLOWED


OURS = ("bot", "tests", "bench")
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
#: pytest options that only a plugin reads, and the plugin's distribution.
PLUGIN_OPTIONS = {"asyncio_": "pytest-asyncio"}


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(*groups: str) -> set[str]:
    """The distributions ``pyproject.toml`` names: ``"runtime"`` for its dependencies, else extras."""
    requirements = [
        r
        for group in groups
        for r in (
            PROJECT["project"]["dependencies"]
            if group == "runtime"
            else PROJECT["project"]["optional-dependencies"][group]
        )
    ]
    return {normalised(re.split(r"[\[<>=!~;, ]", requirement, maxsplit=1)[0]) for requirement in requirements}


def undeclared(folder: str, allowed: set[str]) -> set[str]:
    """The imports under ``folder`` of distributions not in ``allowed``: "path: module (distribution)"."""
    distributions = packages_distributions()
    missing = set()
    for path, module in imported_modules(REPO / folder):
        top = module.split(".")[0]
        if top in sys.stdlib_module_names or top in OURS:
            continue
        found = {normalised(name) for name in distributions.get(top, ())}
        if not found & allowed:
            missing.add(f"{path.relative_to(REPO)}: {top} ({', '.join(sorted(found)) or 'not installed'})")
    return missing


def test_the_bot_imports_only_its_declared_dependencies() -> None:
    assert undeclared("bot", declared("runtime")) == set()


def test_tests_and_benchmarks_import_only_declared_dependencies() -> None:
    allowed = declared("runtime", "dev")
    assert undeclared("tests", allowed) | undeclared("bench", allowed) == set()


def test_the_pytest_plugins_the_configuration_needs_are_declared() -> None:
    options = PROJECT["tool"]["pytest"]["ini_options"]
    needed = {plugin for prefix, plugin in PLUGIN_OPTIONS.items() if any(o.startswith(prefix) for o in options)}
    assert needed and needed <= declared("dev")


def test_an_import_of_an_undeclared_distribution_is_found() -> None:
    assert "bot/language/lemmas.py: simplemma (simplemma)" in undeclared("bot", declared("runtime") - {"simplemma"})
