"""Every user-facing message id in the code and templates has a Polish translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from zszo.i18n import catalog_files, load_catalog

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}


def _extracted() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in ("protocol", "node_agent", "hub", "zszo"):
        for filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / package, METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {}},
        ):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    found.setdefault(msgid, f"{package}/{filename}")
    return found


def test_every_message_has_a_polish_translation():
    catalog = load_catalog("pl")
    extracted = _extracted()
    assert len(extracted) > 300  # the extraction really sees code and templates
    missing = sorted(f"{where}: {msgid!r}" for msgid, where in extracted.items()
                     if not (catalog.get(msgid) and catalog.get(msgid).string))
    assert missing == []


def test_no_message_is_translated_two_ways_in_different_catalogues():
    """The catalogues are merged with the first file winning: a message id two areas translate differently
    would silently show one area's wording in the other (it happened: "reason", "accepted", "record")."""
    seen: dict[str, dict[str, str]] = {}
    for path in catalog_files("pl"):
        with path.open("rb") as fh:
            for message in read_po(fh, locale="pl"):
                if message.id and isinstance(message.id, str) and message.string:
                    seen.setdefault(message.id, {})[path.name] = message.string
    assert {msgid: where for msgid, where in seen.items() if len(set(where.values())) > 1} == {}
