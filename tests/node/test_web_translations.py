"""Every user-facing text of the web apps has a Polish translation: zszo/web's in web.po, the
node pages' in node_web.po (protocol labels and reasons stay in protocol.po)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from node_agent.staff import labels as staff_labels
from node_agent.web import labels
from zszo.i18n import TRANSLATIONS_DIR, gettext_for

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "N_": None}
METHODS = [("**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
WEB_SOURCES = ["zszo/web"]
NODE_SOURCES = [
    "node_agent/app.py",
    "node_agent/web",
    "node_agent/auth",
    "node_agent/register",
    "node_agent/school",
    "node_agent/staff",
    "node_agent/catchment",
    "node_agent/imports",
    "node_agent/sync/views.py",
    "node_agent/documents",
]


def extracted(sources: list[str]) -> set[str]:
    found: set[str] = set()
    for source in sources:
        path = ROOT / source
        if path.is_dir():
            found |= {
                m for _f, _l, m, *_ in extract_from_dir(str(path), method_map=METHODS, keywords=KEYWORDS)
            }
        else:
            found |= {m for _l, m, *_ in extract_from_file("python", str(path), keywords=KEYWORDS)}
    return {m for m in found if isinstance(m, str)}


def catalog(name: str) -> dict[str, str]:
    with (TRANSLATIONS_DIR / "pl" / name).open("rb") as fh:
        po = read_po(fh, locale="pl")
    assert not po.fuzzy and po.num_plurals == 3 and po.charset.lower() == "utf-8"
    return {m.id: m.string for m in po if m.id and not m.fuzzy}


WEB, NODE, PROTOCOL = catalog("web.po"), catalog("node_web.po"), catalog("protocol.po")
REGISTER = catalog("register_admin.po")  # e-Sekretariat pages of node_agent/register (its own area)
DOCUMENTS = catalog("documents.po")  # certificates, record summary, right-of-access export
RECRUITMENT = catalog("recruitment.po")  # the admissions menu entry and pages belong to the recruitment area
STAFF = catalog("staff.po")  # staff, web imports and catchment pages (their own area)
IMPORTS = catalog("imports.po")  # the importer's row and file messages, shared by the CLI and the web pages
WEB_IDS, NODE_IDS = extracted(WEB_SOURCES), extracted(NODE_SOURCES)


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)s|\{\w+\}", text))


def test_extraction_sees_templates_and_code():
    assert {"There is a problem", "Error:", "optional"} <= WEB_IDS
    assert {"Pupil register", "Add pupil", "Parents and legal guardians", "First name"} <= NODE_IDS


def test_web_po_is_complete_and_has_no_stale_entries():
    assert sorted(WEB_IDS - set(WEB)) == []
    assert sorted(set(WEB) - WEB_IDS) == []


def test_node_web_po_is_complete_and_has_no_stale_entries():
    assert sorted(NODE_IDS - set(NODE) - set(WEB) - set(PROTOCOL) - set(REGISTER) - set(RECRUITMENT) - set(STAFF)
                  - set(IMPORTS) - set(DOCUMENTS)) == []
    assert sorted(set(NODE) - NODE_IDS) == []


def test_no_catalogue_repeats_another_areas_message():
    assert sorted(set(NODE) & (set(PROTOCOL) | set(WEB))) == []
    assert sorted(set(REGISTER) & (set(NODE) | set(PROTOCOL) | set(WEB))) == []
    assert sorted(set(DOCUMENTS) & (set(NODE) | set(PROTOCOL) | set(WEB) | set(REGISTER))) == []
    assert sorted(set(WEB) & set(PROTOCOL)) == []
    assert sorted(set(STAFF) & (set(NODE) | set(PROTOCOL) | set(WEB) | set(REGISTER) | set(IMPORTS))) == []


@pytest.mark.parametrize("name", ["web.po", "node_web.po", "staff.po"])
def test_translations_keep_placeholders_and_are_trimmed(name):
    for msgid, msgstr in catalog(name).items():
        assert msgstr and msgstr == msgstr.strip(), msgid
        assert placeholders(msgid) == placeholders(msgstr), msgid
        # Jinja's gettext applies %-formatting, so a stray % would break a page
        assert "%" not in re.sub(r"%\(\w+\)s", "", msgstr), msgid


def test_the_merged_catalogue_serves_these_translations():
    pl = gettext_for("pl")
    assert {m: pl(m) for m in NODE if pl(m) != NODE[m]} == {}
    assert {m: pl(m) for m in WEB if pl(m) != WEB[m]} == {}
    assert {m: pl(m) for m in STAFF if pl(m) != STAFF[m]} == {}


def test_every_protocol_code_has_a_label():
    for codes, names in {**labels.COVERAGE, **staff_labels.COVERAGE}.items():
        assert sorted(set(codes) - set(names)) == []
        assert sorted(set(names) - set(codes)) == []
