"""Every text of the e-journal archive page has a Polish translation in ejournal.po (or, for texts shared
with other pages, in an earlier catalogue), with no stale, shadowed or badly formatted entries."""

from __future__ import annotations

import re

from tests.node.test_web_translations import NODE, PROTOCOL, REGISTER, WEB, catalog, extracted, placeholders
from zszo.i18n import gettext_for

OWN = catalog("ejournal.po")
IDS = extracted(["node_agent/ejournal"])
OTHERS = set(NODE) | set(WEB) | set(PROTOCOL) | set(REGISTER) | set(catalog("grades.po"))


def test_every_text_is_translated_and_nothing_is_stale() -> None:
    pl = gettext_for("pl")
    assert sorted(m for m in IDS if pl(m) == m and m not in OWN) == []
    assert sorted(set(OWN) - IDS) == []


def test_no_message_repeats_another_catalogue() -> None:
    assert sorted(set(OWN) & OTHERS) == []


def test_the_merged_catalogue_serves_these_translations() -> None:
    pl = gettext_for("pl")
    assert {m: pl(m) for m in OWN if pl(m) != OWN[m]} == {}


def test_placeholders_and_percent_signs() -> None:
    for msgid, msgstr in OWN.items():
        assert msgstr and msgstr == msgstr.strip(), msgid
        assert placeholders(msgid) == placeholders(msgstr), msgid
        assert "%" not in re.sub(r"%\(\w+\)s|%%", "", msgstr), msgid
