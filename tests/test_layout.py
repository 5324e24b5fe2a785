"""The packages follow the data flow: each imports only the packages before it, no module
imports itself back through others, and no platform imports another."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO

#: Each package (or top-level module) may import only itself and those before it.
LAYERS = (
    "base",
    "language",
    "i18n",
    "content",
    "extraction",
    "store",
    "knowledge",
    "briefings",
    "export",
    "digests",
    "ingest",
    "config",
    "logs",
    "platforms",
    "web",
    "app",
    "doctor",
    "cli",
    "__main__",
)
PLATFORMS = ("console", "telegram", "discord")


def modules() -> dict[str, Path]:
    found = {}
    for path in (REPO / "bot").rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path, name: str) -> Iterator[str]:
    """The bot modules (or packages) a module imports, wherever in it the import stands."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("bot"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot"):
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    known = modules()
    return {
        name: {imported for imported in imports(path, name) if imported in known and imported not in (name, "bot")}
        for name, path in known.items()
        if name != "bot"
    }


def layer(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def test_every_package_is_in_a_layer() -> None:
    assert {layer(module) for module in modules() if module != "bot"} <= set(LAYERS)


def test_packages_import_only_the_packages_before_them() -> None:
    wrong = [
        (module, imported)
        for module, found in graph().items()
        for imported in found
        if LAYERS.index(layer(imported)) > LAYERS.index(layer(module))
    ]
    assert wrong == []


def cycles(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """The edges that close a cycle, found by a depth-first walk."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    found: list[tuple[str, str]] = []

    def visit(module: str) -> None:
        state[module] = 1
        for imported in sorted(edges.get(module, ())):
            if state.get(imported) == 1:
                found.append((module, imported))
            elif imported not in state:
                visit(imported)
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module)
    return found


def test_no_module_imports_itself_back() -> None:
    assert cycles(graph()) == []


def test_the_walk_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("c", "a")]
    assert cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_no_platform_imports_another() -> None:
    wrong = []
    for module, found in graph().items():
        parts = module.split(".")
        if len(parts) > 2 and parts[1] == "platforms" and parts[2] in PLATFORMS:
            wrong += [
                (module, imported)
                for imported in found
                if imported.startswith("bot.platforms.")
                and imported.split(".")[2] in PLATFORMS
                and imported.split(".")[2] != parts[2]
            ]
    assert wrong == []


def private_imports(package: str, known: dict[str, Path] | None = None) -> list[tuple[str, str]]:
    """Names starting with "_" that a package's modules import from the bot's other packages."""
    found = []
    for name, path in (known if known is not None else modules()).items():
        if not name.startswith(f"bot.{package}"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot."):
                if not node.module.startswith(f"bot.{package}"):
                    found += [(name, f"{node.module}.{a.name}") for a in node.names if a.name.startswith("_")]
    return found


def test_platforms_use_only_the_cores_public_names() -> None:
    assert private_imports("platforms") == []
    assert private_imports("app") == [] and private_imports("cli") == [] and private_imports("doctor") == []


def test_a_private_import_is_found(tmp_path: Path) -> None:
    module = tmp_path / "adapter.py"
    module.write_text("from bot.briefings.replies import _event_cards, notice\nfrom bot.platforms.quota import _x\n")
    found = private_imports("platforms", {"bot.platforms.telegram.adapter": module})
    assert found == [("bot.platforms.telegram.adapter", "bot.briefings.replies._event_cards")]
