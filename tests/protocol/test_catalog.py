"""Every protocol message id has a Polish translation in zszo/translations/pl/protocol.po."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from zszo import i18n

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "zszo" / "translations" / "pl" / "protocol.po"


def extracted_ids() -> set[str]:
    """Message ids marked with N_("...") anywhere in protocol/."""
    found = extract_from_dir(str(ROOT / "protocol"), method_map=[("**.py", "python")], keywords={"N_": None})
    return {message for _filename, _lineno, message, _comments, _context in found}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


MESSAGE_IDS = sorted(extracted_ids())
with PO_FILE.open("rb") as _fh:
    CATALOG = read_po(_fh, locale="pl")


def test_extraction_finds_the_protocol_messages() -> None:
    assert {"this field is required", "first name", "the check digit is wrong (a typing error?)"} <= set(
        MESSAGE_IDS
    )


@pytest.mark.parametrize("message_id", MESSAGE_IDS)
def test_every_message_id_has_a_polish_translation(message_id: str) -> None:
    message = CATALOG.get(message_id)
    assert message is not None, f"missing in {PO_FILE.name}: {message_id!r}"
    assert isinstance(message.string, str) and message.string.strip(), f"empty translation: {message_id!r}"
    assert not message.fuzzy, f"fuzzy translation: {message_id!r}"
    assert message.string == message.string.strip()
    assert placeholders(message.string) == placeholders(message_id), message_id


def test_catalogue_has_no_stale_entries() -> None:
    stale = sorted(m.id for m in CATALOG if m.id and m.id not in MESSAGE_IDS)
    assert stale == []


def test_catalogue_header() -> None:
    assert str(CATALOG.locale) == "pl"
    assert CATALOG.charset.lower() == "utf-8"
    assert not CATALOG.fuzzy
    assert CATALOG.num_plurals == 3
    header = PO_FILE.read_text(encoding="utf-8")
    assert '"Language: pl\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header
    assert (
        "Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 : 2);"
        in header
    )


def test_merged_catalogue_uses_these_translations() -> None:
    """zszo.i18n merges every pl/*.po and the first file to define an id wins, so another area's
    catalogue that also translates e.g. "class" would silently change protocol messages."""
    gettext = i18n.gettext_for("pl")
    shadowed = {m: gettext(m) for m in MESSAGE_IDS if gettext(m) != CATALOG.get(m).string}
    assert shadowed == {}


def test_field_labels_are_lower_case() -> None:
    from protocol.entities import ENTITIES

    labels = {f.label for entity in ENTITIES.values() for f in entity.fields} | {
        e.label for e in ENTITIES.values()
    }
    for label in labels:
        polish = CATALOG.get(label).string
        if not polish.isupper():  # acronyms such as PESEL stay as they are
            assert polish[0].islower(), f"{label!r} → {polish!r} should start lower-case"
