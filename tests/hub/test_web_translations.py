"""Every user-facing text of the hub's web app has a Polish translation: its own messages in
hub_web.po (which repeats no other catalogue's message), shared ones in web.po, node_web.po or
protocol.po; and every code a page explains (protocol errors, merger rejections) has a label."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from hub.warehouse import checks
from hub.web import labels
from protocol.errors import BY_CODE
from zszo.i18n import TRANSLATIONS_DIR, catalog_files, gettext_for

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "N_": None}
METHODS = [("**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
HUB_SOURCES = ["hub/app.py", "hub/web", "hub/auth", "hub/fleet", "hub/dashboard"]


def extracted(sources: list[str]) -> set[str]:
    found: set[str] = set()
    for source in sources:
        path = ROOT / source
        if path.is_dir():
            found |= {m for _f, _l, m, *_ in extract_from_dir(str(path), method_map=METHODS, keywords=KEYWORDS)}
        else:
            found |= {m for _l, m, *_ in extract_from_file("python", str(path), keywords=KEYWORDS)}
    return {m for m in found if isinstance(m, str)}


def catalog(path: Path) -> dict[str, str]:
    with path.open("rb") as fh:
        po = read_po(fh, locale="pl")
    return {m.id: m.string for m in po if m.id and not m.fuzzy}


HUB_PO = TRANSLATIONS_DIR / "pl" / "hub_web.po"
HUB = catalog(HUB_PO)
OTHERS = {path.name: catalog(path) for path in catalog_files("pl") if path != HUB_PO}
HUB_IDS = extracted(HUB_SOURCES)


def test_extraction_sees_templates_and_code():
    assert {"Sync status", "Revoke key", "Number of pupils per school and level", "Log in"} <= HUB_IDS


def test_every_hub_message_is_translated_somewhere():
    known = set(HUB).union(*OTHERS.values())
    assert sorted(HUB_IDS - known) == []


def test_hub_web_po_has_no_stale_entries():
    assert sorted(set(HUB) - HUB_IDS) == []


def test_hub_web_po_repeats_no_other_catalogues_message():
    # hub_web.po sorts before most catalogues, so a repeated id would silently change their text
    for name, messages in OTHERS.items():
        assert sorted(set(HUB) & set(messages)) == [], name


def test_hub_web_po_header_and_flags():
    with HUB_PO.open("rb") as fh:
        po = read_po(fh, locale="pl")
    assert not po.fuzzy and po.num_plurals == 3 and po.charset.lower() == "utf-8"


def test_translations_keep_placeholders_and_are_trimmed():
    for msgid, msgstr in HUB.items():
        assert msgstr and msgstr == msgstr.strip(), msgid
        assert set(re.findall(r"%\(\w+\)s", msgid)) == set(re.findall(r"%\(\w+\)s", msgstr)), msgid
        assert "%" not in re.sub(r"%\(\w+\)s", "", msgstr), msgid  # Jinja's gettext %-formats


def test_the_merged_catalogue_serves_these_translations():
    pl = gettext_for("pl")
    assert {m: pl(m) for m in HUB if pl(m) != HUB[m]} == {}


def test_every_protocol_error_code_has_a_polish_explanation():
    hub_answers = {"busy", "storage_unavailable"}  # hub.sync.api's 503 codes
    assert sorted(set(BY_CODE) | hub_answers) == sorted(labels.SYNC_ERRORS)


def _merger_codes() -> set[str]:
    sources = " ".join(checks.COLUMN_ERROR_EXPRESSIONS.values())
    sources += (ROOT / "hub/warehouse/checks.py").read_text() + (ROOT / "hub/warehouse/merger.py").read_text()
    codes = set(re.findall(r"THEN '(?:[^'|]*\|)?([a-z_]+)'", sources))  # WHEN … THEN 'field|code'
    codes |= set(re.findall(r"\|([a-z_]+)'", sources))  # '…|unknown_field', '…|unknown_reference'
    codes |= set(re.findall(r"'data', '([a-z_]+)'", sources))  # malformed lines
    return codes - {"code"}  # the word in the comment "field|code"


def test_every_rejection_code_of_the_merger_has_a_polish_explanation():
    codes = _merger_codes()
    assert {"pesel_checksum", "unknown_reference", "not_owner", "malformed_json", "email"} <= codes
    assert sorted(codes - set(labels.REJECTION_CODES)) == []


@pytest.mark.parametrize(("stored", "code"), [
    ("revoked_sender: node 1 was revoked", "revoked_sender"),
    ("sequence_gap: batch starts at 9, expected 5", "sequence_gap"),
    ("something odd: details", None),
    (None, None),
])
def test_stored_errors_are_read_by_their_code(stored, code):
    assert labels.error_code(stored) == code
