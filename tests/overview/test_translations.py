"""Every text of the overview pages (node_agent/overview) has a Polish translation in overview.po (or,
for texts shared with other pages, in another area's catalogue), with no stale or repeated entries."""

from __future__ import annotations

import re

from tests.node.test_web_translations import catalog, extracted, placeholders
from zszo.i18n import TRANSLATIONS_DIR, gettext_for

OWN = catalog("overview.po")
IDS = extracted(["node_agent/overview"])
OTHERS = {m for path in (TRANSLATIONS_DIR / "pl").glob("*.po") if path.name != "overview.po"
          for m in catalog(path.name)}


def test_every_text_is_translated_and_nothing_is_stale() -> None:
    pl = gettext_for("pl")
    assert sorted(m for m in IDS if pl(m) == m) == []
    assert sorted(set(OWN) - IDS) == []


def test_no_message_repeats_another_catalogue() -> None:
    assert sorted(set(OWN) & OTHERS) == []


def test_placeholders_and_percent_signs() -> None:
    for msgid, msgstr in OWN.items():
        assert msgstr and msgstr == msgstr.strip(), msgid
        assert placeholders(msgid) == placeholders(msgstr), msgid
        assert "%" not in re.sub(r"%\(\w+\)s|%%", "", msgstr), msgid
