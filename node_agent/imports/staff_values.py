"""Turning staff cells into protocol values: position, promotion grade, basis of employment, FTE.

Plain functions without database access, in the style of :mod:`node_agent.imports.values`: the
Polish words a secretary types (and the protocol's codes) are accepted, anything else raises
:class:`~node_agent.imports.values.BadValue` naming what is accepted.
"""

from __future__ import annotations

import re
from fractions import Fraction

from node_agent.imports.values import BadValue, choose_word, fold
from protocol.entities import PROMOTION_GRADES, STAFF_POSITIONS
from protocol.entities_staff import EMPLOYMENT_BASES, MAX_FTE_PARTS, QUALIFICATION_KINDS
from protocol.i18n import N_


def _words(table: dict[str, tuple[str, ...]], codes: tuple[str, ...]) -> dict[str, str]:
    words = {fold(w): code for code, ws in table.items() for w in ws}
    words.update({fold(code): code for code in codes})
    return words


_POSITIONS = _words({
    "teacher": ("nauczyciel", "nauczycielka"),
    "director": ("dyrektor", "dyrektorka"),
    "deputy_director": ("wicedyrektor", "zastępca dyrektora"),
    "pedagogue": ("pedagog", "pedagog szkolny", "pedagog specjalny"),
    "psychologist": ("psycholog",),
    "speech_therapist": ("logopeda",),
    "librarian": ("bibliotekarz", "bibliotekarka", "nauczyciel bibliotekarz"),
    "administration": ("administracja", "pracownik administracji", "sekretarz", "księgowa"),
    "support": ("obsługa", "pracownik obsługi", "woźny", "sprzątaczka", "konserwator"),
}, STAFF_POSITIONS)

_GRADES = _words({
    "beginning": ("początkujący", "nauczyciel początkujący"),
    "appointed": ("mianowany", "nauczyciel mianowany"),
    "chartered": ("dyplomowany", "nauczyciel dyplomowany"),
    "none": ("bez stopnia", "brak", "brak stopnia"),
}, PROMOTION_GRADES)

_BASES = _words({
    "employment_contract": ("umowa o pracę", "UoP"),
    "appointment": ("mianowanie", "akt mianowania"),
    "civil_contract": ("umowa zlecenie", "zlecenie", "umowa cywilnoprawna"),
}, EMPLOYMENT_BASES)

_QUALIFICATIONS = _words({
    "masters": ("studia magisterskie", "magister", "mgr", "magisterskie", "jednolite studia magisterskie"),
    "bachelors": ("studia pierwszego stopnia", "licencjat", "lic.", "inżynier", "inż.", "studia licencjackie"),
    "postgraduate": ("studia podyplomowe", "podyplomowe"),
    "pedagogical_preparation": ("przygotowanie pedagogiczne",),
    "qualification_course": ("kurs kwalifikacyjny",),
    "teacher_college": ("kolegium nauczycielskie", "kolegium"),
    "other": ("inne", "inna"),
}, QUALIFICATION_KINDS)

_FRACTION = re.compile(r"([0-9]{1,2}) */ *([0-9]{1,2})")
_DECIMAL = re.compile(r"[0-9](?:[.,][0-9]{1,4})?")


def parse_position(text: str) -> str:
    """The protocol position for nauczyciel, dyrektor, wicedyrektor, pedagog, psycholog, logopeda, …"""
    return choose_word(text, _POSITIONS, "position", N_(
        "write one of: nauczyciel, dyrektor, wicedyrektor, pedagog, psycholog, logopeda, bibliotekarz, "
        "administracja, obsługa"))


def parse_promotion_grade(text: str) -> str:
    """The protocol grade for początkujący, mianowany, dyplomowany or bez stopnia."""
    return choose_word(text, _GRADES, "promotion_grade", N_(
        "write one of: początkujący, mianowany, dyplomowany, bez stopnia"))


def parse_basis(text: str) -> str:
    """The protocol basis for umowa o pracę, mianowanie or umowa zlecenie."""
    return choose_word(text, _BASES, "basis", N_("write one of: umowa o pracę, mianowanie, umowa zlecenie"))


def parse_qualification_kind(text: str) -> str:
    """The protocol kind for studia magisterskie, licencjat, studia podyplomowe, kurs kwalifikacyjny, …"""
    return choose_word(text, _QUALIFICATIONS, "qualification_kind", N_(
        "write one of: studia magisterskie, studia pierwszego stopnia, studia podyplomowe, przygotowanie "
        "pedagogiczne, kurs kwalifikacyjny, kolegium nauczycielskie, inne"))


def parse_fte(text: str) -> tuple[int, int]:
    """(numerator, denominator) of an FTE written as a fraction ("18/18", "9/18") or a decimal ("0,5", "1").

    A fraction is kept as written (9/18 stays 9/18: "9 of 18 hours"); a decimal becomes the
    smallest fraction equal to it, which must fit the protocol's limit on the denominator.
    """
    fraction = _FRACTION.fullmatch(text.strip())
    if fraction:
        numerator, denominator = int(fraction.group(1)), int(fraction.group(2))
    elif _DECIMAL.fullmatch(text.strip()):
        value = Fraction(text.strip().replace(",", "."))
        numerator, denominator = value.numerator, value.denominator
        if denominator > MAX_FTE_PARTS:
            raise BadValue("fte", N_("write this FTE as a fraction of hours, e.g. 6/18"))
    else:
        raise BadValue("fte", N_("write the FTE as a fraction (18/18, 9/18, 1/2) or a decimal (1, 0,5)"))
    if numerator == 0 or denominator == 0:
        raise BadValue("fte", N_("the FTE must be more than zero"))
    return numerator, denominator
