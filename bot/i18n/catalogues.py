"""The gettext catalogues, ``locales/<language>/LC_MESSAGES/bot.po``: one file per language.

A catalogue is compiled when first used, in memory: Babel reads the ``.po`` and writes a ``.mo``
into a buffer, which the standard library's gettext reads. The ``.po`` files are the only
source, so an edited catalogue needs no build step that could be forgotten, and the package ships
just them (``pyproject.toml``'s package data); reading one takes a few milliseconds, once.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "bot"


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One language's messages: gettext's lookup, and the keys it holds (plural ones apart)."""

    translations: gettext.GNUTranslations
    keys: frozenset[str]
    plural_keys: frozenset[str]


def path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Catalog:
    """The ``.po`` file of a language, as Babel reads it."""
    with path(language).open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


@cache
def catalogue(language: str) -> Catalogue:
    po = read(language)
    buffer = io.BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    translated = [m for m in po if m.id and m.string and not m.fuzzy]
    return Catalogue(
        gettext.GNUTranslations(buffer),
        frozenset(m.id if isinstance(m.id, str) else m.id[0] for m in translated),
        frozenset(m.id[0] for m in translated if not isinstance(m.id, str)),
    )
