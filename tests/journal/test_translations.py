"""Every text of the notes, homework, announcement and message pages (node_agent/journal,
node_agent/messages) has a Polish translation in journal.po, which repeats no other area's message
(it is merged before node_web.po and protocol.po and would shadow them)."""

from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir

from tests.node.test_web_translations import KEYWORDS, METHODS, NODE, PROTOCOL, REGISTER, ROOT, WEB, catalog
from zszo.i18n import gettext_for

JOURNAL = catalog("journal.po")
GRADES = catalog("grades.po")
SHARED = catalog("staff.po") | catalog("recruitment.po")  # "Actions", "choose one of the options"…
IDS = {m for package in ("journal", "messages")
       for _f, _l, m, *_ in extract_from_dir(str(ROOT / "node_agent" / package), method_map=METHODS, keywords=KEYWORDS)
       if isinstance(m, str)}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
OTHERS = set(PROTOCOL) | set(WEB) | set(NODE) | set(REGISTER) | set(GRADES) | set(SHARED)


def test_journal_po_is_complete_and_has_no_stale_entries() -> None:
    assert sorted(IDS - set(JOURNAL) - OTHERS) == []
    assert sorted(set(JOURNAL) - IDS) == []


def test_journal_po_repeats_no_other_area() -> None:
    assert sorted(set(JOURNAL) & OTHERS) == []


def test_translations_keep_placeholders() -> None:
    pl = gettext_for("pl")
    for msgid, msgstr in JOURNAL.items():
        assert msgstr and msgstr == msgstr.strip(), msgid
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid
        assert pl(msgid) == msgstr


def test_menu_entries_are_polish() -> None:
    pl = gettext_for("pl")
    assert [pl(m) for m in ("Behaviour notes", "Homework", "Announcements", "Messages")] == [
        "Uwagi", "Zadania domowe", "Ogłoszenia", "Wiadomości"]
