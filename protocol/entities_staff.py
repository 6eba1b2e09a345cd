"""Staff entities (e-Sekretariat): what the organisation sheet (arkusz) needs to know about people.

* ``staff_qualification`` — one qualification of a staff member: its kind (master's degree,
  postgraduate studies, pedagogical preparation, …), the field, the issuing institution and the date.
  A person has any number of them.
* ``staff_employment`` — one employment relation: its basis (umowa o pracę, mianowanie, umowa
  zlecenie), the dates, the FTE as an exact fraction (``fte_numerator``/``fte_denominator``: 18/18,
  9/18, 1/2) and, for teachers, the weekly teaching-hours norm (pensum). A fraction rather than a
  decimal because teachers' FTE is hours over the pensum (13/18 has no exact decimal) and the
  school's totals must add up exactly.
* ``staff_subject`` — a subject a teacher is qualified to teach (the director picks teachers for
  teaching assignments from these).

The staff member's promotion grade (stopień awansu) is a field of ``staff_member`` itself (version 2).

Pure definitions: no I/O. The employment's record rules have their SQL mirror in
``hub.warehouse.checks.RECORD_SQL`` (tests/hub/test_checks_equivalence.py keeps both in step).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.entities import Entity, date_order, register
from protocol.fields import Field, FieldError, FieldType, Privacy
from protocol.i18n import N_

T, U, INT, D, E = FieldType.TEXT, FieldType.UUID, FieldType.INT, FieldType.DATE, FieldType.ENUM

QUALIFICATION_KINDS = (
    "masters", "bachelors", "postgraduate", "pedagogical_preparation", "qualification_course",
    "teacher_college", "other",
)
EMPLOYMENT_BASES = ("employment_contract", "appointment", "civil_contract")
MAX_FTE_PARTS = 40  # a denominator of 40 covers hours per week of non-teaching staff and every pensum


def _fte_not_above_one(record: Mapping[str, Any]) -> list[FieldError]:
    """One employment is at most a full post: the numerator may not exceed the denominator."""
    numerator, denominator = record.get("fte_numerator"), record.get("fte_denominator")
    if isinstance(numerator, int) and isinstance(denominator, int) and numerator > denominator:
        return [FieldError("fte_numerator", "fte_above_one",
                           N_("one employment is at most a full post: the numerator cannot exceed "
                              "the denominator ({denominator})"),
                           {"label": N_("FTE (numerator)"), "denominator": denominator})]
    return []


STAFF_QUALIFICATION = register(Entity("staff_qualification", 1, N_("qualification"), (
    Field("id", U, N_("identifier"), required=True),
    Field("staff_member_id", U, N_("staff member"), required=True, ref="staff_member"),
    Field("kind", E, N_("kind of qualification"), required=True, choices=QUALIFICATION_KINDS),
    Field("field_of_study", T, N_("field of study or specialisation"), required=True, max_length=200),
    Field("institution", T, N_("issuing institution"), max_length=300),
    Field("obtained_on", D, N_("date obtained")),
    Field("document_number", T, N_("document number"), max_length=50, privacy=Privacy.DROP),
)))

STAFF_EMPLOYMENT = register(Entity("staff_employment", 1, N_("employment"), (
    Field("id", U, N_("identifier"), required=True),
    Field("staff_member_id", U, N_("staff member"), required=True, ref="staff_member"),
    Field("basis", E, N_("basis of employment"), required=True, choices=EMPLOYMENT_BASES),
    Field("starts_on", D, N_("start date"), required=True),
    Field("ends_on", D, N_("end date")),
    Field("fte_numerator", INT, N_("FTE (numerator)"), required=True, min_value=1, max_value=MAX_FTE_PARTS),
    Field("fte_denominator", INT, N_("FTE (denominator)"), required=True, min_value=1, max_value=MAX_FTE_PARTS),
    Field("teaching_hours_norm", INT, N_("weekly teaching hours norm (pensum)"), min_value=1, max_value=40),
), record_checks=(date_order("starts_on", "ends_on", N_("end date")), _fte_not_above_one)))

STAFF_SUBJECT = register(Entity("staff_subject", 1, N_("subject the teacher may teach"), (
    Field("id", U, N_("identifier"), required=True),
    Field("staff_member_id", U, N_("teacher"), required=True, ref="staff_member"),
    Field("subject_id", U, N_("subject"), required=True, ref="subject"),
)))
