"""The core stays platform-neutral: importing it pulls in no chat platform or scheduler."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "bot.core.briefings", "bot.core.cards", "bot.core.commands", "bot.core.content", "bot.core.dates",
    "bot.core.delivery", "bot.core.digests", "bot.core.figures", "bot.core.references",
    "bot.core.errors", "bot.core.events", "bot.core.explain", "bot.core.extraction_pool", "bot.core.facts", "bot.core.i18n", "bot.core.knowledge", "bot.core.lemmas",
    "bot.core.secrets", "bot.core.sentences", "bot.core.service", "bot.core.state", "bot.core.storage", "bot.core.store", "bot.core.tomlfile", "bot.core.zones",
    "bot.render.text",
    "bot.render.telegram",
]


def test_core_imports_no_platform_library() -> None:
    script = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in CORE_MODULES)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'discord', 'apscheduler'))\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_every_core_module_is_listed() -> None:
    """A new core module must join the list above, so that the check covers it."""
    from pathlib import Path

    import bot

    root = Path(bot.__file__).parent
    found = {
        "bot." + ".".join(path.relative_to(root).with_suffix("").parts)
        for path in (root / "core").glob("*.py")
        if path.name != "__init__.py"
    }
    assert found <= set(CORE_MODULES), f"add {sorted(found - set(CORE_MODULES))} to CORE_MODULES"
