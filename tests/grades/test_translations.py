"""Every text of the gradebook pages (node_agent/grades) has a Polish translation in grades.po,
which repeats no other area's message (it is merged before node_web.po and protocol.po and would
shadow them)."""

from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.node.test_web_translations import KEYWORDS, METHODS, NODE, PROTOCOL, REGISTER, ROOT, WEB, catalog
from zszo.i18n import gettext_for

GRADES = catalog("grades.po")
IDS = {m for _f, _l, m, *_ in extract_from_dir(str(ROOT / "node_agent" / "grades"), method_map=METHODS,
                                                keywords=KEYWORDS) if isinstance(m, str)}


def test_grades_po_is_complete_and_has_no_stale_entries() -> None:
    assert sorted(IDS - set(GRADES) - set(PROTOCOL) - set(WEB) - set(NODE) - set(REGISTER)) == []
    assert sorted(set(GRADES) - IDS) == []


def test_grades_po_repeats_no_other_area() -> None:
    assert sorted(set(GRADES) & (set(PROTOCOL) | set(WEB) | set(NODE) | set(REGISTER))) == []


def test_translations_keep_placeholders() -> None:
    pl = gettext_for("pl")
    for msgid, msgstr in GRADES.items():
        assert msgstr and msgstr == msgstr.strip(), msgid
        assert set(re.findall(r"%\(\w+\)s|\{\w+\}", msgid)) == set(re.findall(r"%\(\w+\)s|\{\w+\}", msgstr)), msgid
        assert "%" not in re.sub(r"%\(\w+\)s|%\(\w+\)d", "", msgstr), msgid
        assert pl(msgid) == msgstr


def test_catalogue_header() -> None:
    with (ROOT / "zszo" / "translations" / "pl" / "grades.po").open("rb") as fh:
        po = read_po(fh, locale="pl")
    assert not po.fuzzy and po.num_plurals == 3
