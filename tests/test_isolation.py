"""The core stays platform-neutral: importing it pulls in no chat platform, no metrics library (it
reports to ``bot.base.metrics``) and no scheduler but the digests' own."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

#: The packages below the platforms (see tests/test_layout.py).
CORE_PACKAGES = ("base", "language", "i18n", "content", "extraction", "store", "knowledge", "briefings", "digests")
#: Renderers of text and HTML, which need no platform library either.
RENDERERS = ("bot.platforms.console.render", "bot.platforms.telegram.render")
SCHEDULER = "bot.digests.scheduler"  # APScheduler's home, and only its
#: What the core must not pull in: the platforms' libraries, the scheduler (but in SCHEDULER), metrics.
FORBIDDEN = ("telegram", "discord", "apscheduler", "prometheus_client")


def core_modules() -> list[str]:
    found = []
    for package in CORE_PACKAGES:
        for path in sorted((REPO / "bot" / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def loaded_platform_libraries(modules: list[str]) -> list[str]:
    script = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in modules)
        + f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO)
    return [name for name in result.stdout.strip().split(",") if name]


def test_core_imports_no_platform_library() -> None:
    modules = [m for m in core_modules() if m != SCHEDULER] + list(RENDERERS)
    assert len(modules) > 30
    assert loaded_platform_libraries(modules) == []


def test_the_scheduler_imports_apscheduler_and_no_platform() -> None:
    loaded = loaded_platform_libraries([SCHEDULER])
    assert loaded and all(name.startswith("apscheduler") for name in loaded)
