"""Polish names of the staff codes (promotion grades, kinds of qualification, bases of employment)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from protocol import entities, entities_staff

PROMOTION_GRADES = {
    "beginning": _l("Beginning teacher (nauczyciel początkujący)"),
    "appointed": _l("Appointed teacher (nauczyciel mianowany)"),
    "chartered": _l("Chartered teacher (nauczyciel dyplomowany)"),
    "none": _l("No promotion grade"),
}
QUALIFICATION_KINDS = {
    "masters": _l("Master's degree"),
    "bachelors": _l("Bachelor's or engineer's degree"),
    "postgraduate": _l("Postgraduate studies"),
    "pedagogical_preparation": _l("Pedagogical preparation"),
    "qualification_course": _l("Qualification course"),
    "teacher_college": _l("Teacher training college"),
    "other": _l("Other"),
}
EMPLOYMENT_BASES = {
    "employment_contract": _l("Employment contract (umowa o pracę)"),
    "appointment": _l("Appointment (mianowanie)"),
    "civil_contract": _l("Contract of mandate (umowa zlecenie)"),
}

# protocol choice list -> labels, for the completeness test
COVERAGE: Mapping[tuple[str, ...], Mapping[str, object]] = {
    entities.PROMOTION_GRADES: PROMOTION_GRADES,
    entities_staff.QUALIFICATION_KINDS: QUALIFICATION_KINDS,
    entities_staff.EMPLOYMENT_BASES: EMPLOYMENT_BASES,
}
