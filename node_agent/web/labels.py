"""Polish names of the protocol's code values (roles, sex, relations, reasons…) for forms and pages.

The codes themselves (``mother``, ``transfer_in``) are what is stored and synced; only these
labels are shown. Every code of the protocol's choice lists has a label here (a test checks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from node_agent.attendance.labels import CODES as ATTENDANCE_CODES  # noqa: F401 - for pages of any area
from protocol import entities
from protocol.attendance import MARKS as ATTENDANCE_MARKS  # noqa: F401 - for pages of any area

ROLES = {
    "admin": _l("Administrator"),
    "secretary": _l("Secretary's office"),
    "director": _l("Director"),
    "teacher": _l("Teacher"),
}
SEXES = {"F": _l("Female"), "M": _l("Male")}
DOCUMENT_TYPES = {
    "passport": _l("Passport"),
    "id_card": _l("Identity card"),
    "birth_certificate": _l("Birth certificate"),
    "residence_card": _l("Residence card"),
    "other": _l("Other document"),
}
RELATIONS = {
    "mother": _l("Mother"),
    "father": _l("Father"),
    "legal_guardian": _l("Legal guardian"),
    "foster_parent": _l("Foster parent"),
    "other": _l("Other"),
}
SCHOOL_KINDS = {
    "preschool": _l("Preschool"),
    "primary": _l("Primary school"),
    "secondary": _l("Secondary school"),
    "special": _l("Special school"),
    "centre": _l("Education centre"),
}
STAFF_POSITIONS = {
    "teacher": _l("Teacher"),
    "director": _l("Director"),
    "deputy_director": _l("Deputy director"),
    "pedagogue": _l("School pedagogue"),
    "psychologist": _l("Psychologist"),
    "speech_therapist": _l("Speech therapist"),
    "librarian": _l("Librarian"),
    "administration": _l("Administration"),
    "support": _l("Support staff"),
}
ADMISSION_REASONS = {
    "recruitment": _l("Recruitment"),
    "catchment_area": _l("Catchment area"),
    "transfer_in": _l("Transfer from another school"),
    "from_abroad": _l("Arrival from abroad"),
    "promotion": _l("Promotion to the next grade"),
    "class_change": _l("Change of class"),
    "other": _l("Other"),
}
LEAVING_REASONS = {
    "graduated": _l("Finished school"),
    "transfer_out": _l("Transfer to another school"),
    "moved_abroad": _l("Moved abroad"),
    "promotion": _l("Promotion to the next grade"),
    "class_change": _l("Change of class"),
    "deceased": _l("Death"),
    "other": _l("Other"),
}

# protocol choice list -> labels, for the completeness test
COVERAGE: Mapping[tuple[str, ...], Mapping[str, object]] = {
    entities.SEXES: SEXES,
    entities.DOCUMENT_TYPES: DOCUMENT_TYPES,
    entities.RELATIONS: RELATIONS,
    entities.SCHOOL_KINDS: SCHOOL_KINDS,
    entities.STAFF_POSITIONS: STAFF_POSITIONS,
    entities.ADMISSION_REASONS: ADMISSION_REASONS,
    entities.LEAVING_REASONS: LEAVING_REASONS,
}


def choices(
    options: Mapping[str, object] | Iterable[tuple[str, object]], *, blank: object | None = None
) -> list[SelectChoice]:
    """WTForms ``choices`` from {code: label} or (code, label) pairs, optionally led by an empty
    "choose…" option."""
    pairs = options.items() if isinstance(options, Mapping) else options
    out = [SelectChoice("", blank)] if blank is not None else []  # type: ignore[arg-type]
    return out + [SelectChoice(code, text) for code, text in pairs]  # type: ignore[arg-type]


BEHAVIOUR = {"exemplary": _l("exemplary"), "very_good": _l("very good (behaviour)"), "good": _l("good (behaviour)"),
             "correct": _l("correct"), "inappropriate": _l("inappropriate"), "reprehensible": _l("reprehensible")}


def label(labels: Mapping[str, object], code: str | None) -> str:
    """The label of ``code`` (the code itself if unknown, empty for None)."""
    if code is None:
        return ""
    return str(labels.get(code, code))
