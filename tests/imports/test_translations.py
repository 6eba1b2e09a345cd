"""Every message of the importer has a Polish translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import node_agent.imports
from zszo.i18n import TRANSLATIONS_DIR

PACKAGE = Path(node_agent.imports.__file__).parent


def _msgids() -> set[str]:
    return {message for _, _, message, _, _ in extract_from_dir(str(PACKAGE), keywords={"N_": None})}


def test_every_importer_message_is_translated_in_imports_po():
    with (TRANSLATIONS_DIR / "pl" / "imports.po").open("rb") as fh:
        catalog = read_po(fh, locale="pl")
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    assert sorted(_msgids() - set(translated)) == []
    assert sorted(set(translated) - _msgids()) == [], "stale entries in imports.po"
    for msgid, msgstr in translated.items():
        assert set(re.findall(r"{\w+}", msgid)) == set(re.findall(r"{\w+}", msgstr)), msgid


def test_the_merged_catalogue_serves_the_importer_messages(pl):
    assert pl("Row {row}, column “{column}”: {reason}") == "Wiersz {row}, kolumna „{column}”: {reason}"
