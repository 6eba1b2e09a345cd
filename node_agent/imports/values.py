"""Turning the text of one spreadsheet cell into a protocol value (dates, sex, document, relation, yes/no).

Plain functions without database access. Each accepts the Polish words a secretary types (and
the protocol's English values) and raises :class:`BadValue` with a message id naming what is
accepted. They never guess: a date is YYYY-MM-DD or DD.MM.YYYY and nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from protocol.entities import DOCUMENT_TYPES, RELATIONS
from protocol.i18n import N_

_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_POLISH = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4})")


class BadValue(ValueError):
    """A cell's text is not an accepted value; ``code``, ``message`` (msgid) and ``params`` say why."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params


def fold(text: str) -> str:
    """Case- and diacritics-insensitive key of ``text``: "Opiekun 1 e-mail" → "opiekun1email".

    Only letters and digits are kept, so spaces, underscores and hyphens do not matter.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ł", "l"))
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


def parse_date(text: str) -> str:
    """Return the ISO date of ``text`` written as YYYY-MM-DD or DD.MM.YYYY."""
    iso, polish = _ISO.fullmatch(text), _POLISH.fullmatch(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif polish:
        day, month, year = (int(g) for g in polish.groups())
    else:
        raise BadValue("date_format", N_("not a date: write it as YYYY-MM-DD or DD.MM.YYYY, e.g. 2015-09-01"))
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise BadValue("date", N_("this date does not exist")) from None


def choose_word(text: str, words: Mapping[str, str], code: str, message: str) -> str:
    """The code ``words`` gives for the folded ``text``, else :class:`BadValue` with ``code`` and ``message``."""
    value = words.get(fold(text))
    if value is None:
        raise BadValue(code, message)
    return value


_SEXES = {fold(w): v for v, ws in {
    "F": ("K", "kobieta", "dziewczynka", "żeńska", "F", "female"),
    "M": ("M", "mężczyzna", "chłopiec", "męska", "male"),
}.items() for w in ws}


def parse_sex(text: str) -> str:
    """Return "F" or "M" for K/M, kobieta/mężczyzna, F/M."""
    return choose_word(text, _SEXES, "sex", N_("write K (kobieta) or M (mężczyzna)"))


_DOCUMENTS = {fold(w): v for v, ws in {
    "passport": ("paszport",),
    "id_card": ("dowód osobisty", "dowód"),
    "birth_certificate": ("akt urodzenia", "odpis aktu urodzenia"),
    "residence_card": ("karta pobytu",),
    "other": ("inny", "inne", "inny dokument"),
}.items() for w in ws}
_DOCUMENTS.update({fold(v): v for v in DOCUMENT_TYPES})


def parse_document_type(text: str) -> str:
    """Return the protocol document type for a Polish name such as "paszport" or "karta pobytu"."""
    return choose_word(text, _DOCUMENTS, "document_type", N_(
        "write one of: paszport, dowód osobisty, akt urodzenia, karta pobytu, inny"))


_RELATIONS = {fold(w): v for v, ws in {
    "mother": ("matka", "mama"),
    "father": ("ojciec", "tata"),
    "legal_guardian": ("opiekun prawny", "opiekunka prawna", "opiekun"),
    "foster_parent": ("rodzina zastępcza", "rodzic zastępczy"),
    "other": ("inne", "inny", "inna"),
}.items() for w in ws}
_RELATIONS.update({fold(v): v for v in RELATIONS})


def parse_relation(text: str) -> str:
    """Return the protocol relation for matka, ojciec, opiekun prawny, rodzina zastępcza or inne."""
    return choose_word(text, _RELATIONS, "relation", N_(
        "write one of: matka, ojciec, opiekun prawny, rodzina zastępcza, inne"))


_BOOLS = {fold(w): v for v, ws in {
    True: ("tak", "t", "yes", "y", "true", "prawda", "1"),
    False: ("nie", "n", "no", "false", "fałsz", "0"),
}.items() for w in ws}


def parse_bool(text: str) -> bool:
    """Return True for tak/yes/1 and False for nie/no/0."""
    value = _BOOLS.get(fold(text))
    if value is None:
        raise BadValue("bool", N_("write tak or nie"))
    return value


def class_key(text: str) -> str:
    """Key matching a class name typed in a file: "3b", "3 B" and "3B" are the same class."""
    return fold(text)
