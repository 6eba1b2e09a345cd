"""Translations: English message ids, Polish catalogues, one loader for web and command line.

Catalogues are plain ``.po`` files under ``zszo/translations/<locale>/``, one file per area
(``protocol.po``, ``node_web.po``, ``imports.po``, …) so that areas never edit the same file.
They are merged and compiled in memory at first use: no compiled ``.mo`` files in the
repository or in the package, nothing to forget at build time.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
DEFAULT_LOCALE = "pl"
SUPPORTED_LOCALES = ("pl", "en")


def catalog_files(locale: str) -> list[Path]:
    """The ``.po`` files of ``locale``, in a stable order."""
    return sorted((TRANSLATIONS_DIR / locale).glob("*.po"))


def load_catalog(locale: str) -> Catalog:
    """Merge every ``.po`` file of ``locale`` into one catalogue (later files never override)."""
    merged = Catalog(locale=locale)
    for path in catalog_files(locale):
        with path.open("rb") as fh:
            part = read_po(fh, locale=locale)
        for message in part:
            if message.id and message.id not in merged:
                merged[message.id] = message  # Catalog items are Message objects (string, flags)
    return merged


@functools.lru_cache(maxsize=8)
def translations(locale: str) -> NullTranslations:
    """Compiled translations for ``locale`` (English, the source language, needs none)."""
    if locale == "en" or not catalog_files(locale):
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, load_catalog(locale), use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


def gettext_for(locale: str = DEFAULT_LOCALE) -> Callable[[str], str]:
    """A plain ``gettext`` function for ``locale`` (for the CLI and reports outside Flask)."""
    return translations(locale).gettext
