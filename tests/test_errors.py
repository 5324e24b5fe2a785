"""One exception hierarchy: every exception class the bot defines derives from ``BriefingError``."""

from __future__ import annotations

import importlib
import inspect

from bot.base.errors import BriefingError
from tests.test_layout import modules


def defined_exceptions() -> list[type[BaseException]]:
    """Every exception class defined in a module of ``bot`` (``__main__`` would run the CLI)."""
    found = []
    for name in sorted(modules()):
        if name.endswith("__main__"):
            continue
        module = importlib.import_module(name)
        found += [
            value
            for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == name
        ]
    return found


def test_every_exception_of_the_bot_derives_from_one_base() -> None:
    found = defined_exceptions()
    assert {"StoreError", "TomlProblem", "DeliveryFailed", "Unanswered"} <= {e.__name__ for e in found}
    assert [e.__qualname__ for e in found if not issubclass(e, BriefingError)] == []


def test_each_says_what_it_means() -> None:
    assert [e.__qualname__ for e in defined_exceptions() if not (e.__doc__ or "").strip()] == []
