"""Every area with its own Polish catalogue (timetable and attendance, the e-journal archive, grades,
the importer, notes/homework/messages, the overview pages) is checked the same way:

* every text its sources mark for translation has a Polish translation — in its own catalogue or,
  for texts it shares with other pages, in one of the catalogues it may borrow from;
* its catalogue has no stale entry (a message its sources no longer use);
* it repeats no message of the catalogues it names as merged with it (one would shadow the other,
  since the merge keeps the first file's wording);
* the merged catalogue serves its translations as written;
* translations are trimmed and keep their placeholders, and no stray ``%`` can break Jinja's
  %-formatting.

The catalogues' headers (not fuzzy, three plural forms, UTF-8) are checked by
:func:`tests.node.test_web_translations.catalog` on loading. The node's and hub's own pages have
their own modules (tests/node, tests/hub); every message id of the code base is checked against
the merged catalogue in tests/test_catalogs.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from babel.messages.extract import extract_from_dir

from tests.node.test_web_translations import ROOT, catalog, extracted
from zszo.i18n import TRANSLATIONS_DIR, gettext_for

ANY = None  # "borrows from": any other catalogue of the locale
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
FORMATTING = re.compile(r"%\(\w+\)[sd]|%%")  # all a Jinja %-formatted text may contain


@dataclass(frozen=True)
class Area:
    """One area's catalogue, the sources whose texts it translates, and the catalogues beside it."""

    catalogue: str
    sources: tuple[str, ...]
    merged_with: tuple[str, ...]  # catalogues it must not repeat (the merge would shadow one of the two)
    borrows_from: tuple[str, ...] | None = ANY  # where its shared texts may be translated (ANY: every catalogue)
    python_markers_only: bool = False  # only ``N_()`` in Python code (the importer's row and file messages)

    def message_ids(self) -> set[str]:
        """The texts the area's sources mark for translation."""
        if not self.python_markers_only:
            return extracted(list(self.sources))
        return {m for source in self.sources
                for _f, _l, m, *_ in extract_from_dir(str(ROOT / source), keywords={"N_": None})
                if isinstance(m, str)}

    def borrowable(self) -> set[str]:
        """Message ids the area may leave to other catalogues."""
        names = self.borrows_from
        if names is ANY:
            names = tuple(p.name for p in (TRANSLATIONS_DIR / "pl").glob("*.po") if p.name != self.catalogue)
        return {m for name in names for m, text in catalog(name).items() if text}


CORE = ("node_web.po", "web.po", "protocol.po", "register_admin.po")
OTHER_CATALOGUES = tuple(sorted(p.name for p in (TRANSLATIONS_DIR / "pl").glob("*.po")))
JOURNAL_SHARES = (*CORE, "grades.po", "staff.po", "recruitment.po")  # "Actions", "History of changes"…

AREAS = [
    Area("timetable.po", ("node_agent/timetable", "node_agent/attendance"), merged_with=CORE),
    Area("ejournal.po", ("node_agent/ejournal",), merged_with=(*CORE, "grades.po")),
    Area("grades.po", ("node_agent/grades",), merged_with=CORE, borrows_from=CORE),
    Area("imports.po", ("node_agent/imports",), merged_with=(), borrows_from=(), python_markers_only=True),
    Area("journal.po", ("node_agent/journal", "node_agent/messages"), merged_with=JOURNAL_SHARES,
         borrows_from=JOURNAL_SHARES),
    Area("overview.po", ("node_agent/overview",),
         merged_with=tuple(n for n in OTHER_CATALOGUES if n != "overview.po")),
]


@pytest.fixture(params=AREAS, ids=[a.catalogue for a in AREAS], scope="module")
def area(request: pytest.FixtureRequest) -> Area:
    return request.param  # type: ignore[no-any-return]


def test_every_text_is_translated_and_nothing_is_stale(area: Area) -> None:
    own, ids = catalog(area.catalogue), area.message_ids()
    assert len(ids) > 5  # the extraction really sees the area's code and templates
    assert sorted(ids - {m for m, text in own.items() if text} - area.borrowable()) == []
    assert sorted(set(own) - ids) == []


def test_no_message_repeats_a_catalogue_merged_with_it(area: Area) -> None:
    others = {m for name in area.merged_with for m in catalog(name)}
    assert sorted(set(catalog(area.catalogue)) & others) == []


def test_the_merged_catalogue_serves_these_translations(area: Area) -> None:
    pl, own = gettext_for("pl"), catalog(area.catalogue)
    assert {m: pl(m) for m in own if pl(m) != own[m]} == {}


def test_translations_are_trimmed_and_keep_placeholders_and_percent_signs(area: Area) -> None:
    for msgid, msgstr in catalog(area.catalogue).items():
        assert msgstr and msgstr == msgstr.strip(), msgid
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid
        assert "%" not in FORMATTING.sub("", msgstr), msgid
        assert msgid.count("%%") == msgstr.count("%%"), msgid


def test_the_importer_messages_keep_their_wording() -> None:
    assert gettext_for("pl")("Row {row}, column “{column}”: {reason}") == "Wiersz {row}, kolumna „{column}”: {reason}"


def test_the_journal_menu_entries_are_polish() -> None:
    pl = gettext_for("pl")
    assert [pl(m) for m in ("Behaviour notes", "Homework", "Announcements", "Messages")] == [
        "Uwagi", "Zadania domowe", "Ogłoszenia", "Wiadomości"]
