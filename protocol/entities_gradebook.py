"""Gradebook entities (e-Dziennik): grade categories, current grades, term/year grades, behaviour
grades and descriptive assessments.

* ``grade_category`` — the school's categories (sprawdzian, kartkówka, odpowiedź…) with the weight
  and whether grades of the category count towards the average.
* ``grade`` — a current grade (ocena bieżąca) a teacher gave a pupil in a teaching assignment:
  the symbol as typed in its normal form (``4+``, ``np``; :mod:`protocol.grading`), never its
  value, which depends on the school's modifier settings. Grades entered together as one column
  share a ``series_id``.
* ``term_grade`` — a proposed or final term (śródroczna) or year (roczna) grade, 1–6.
* ``behaviour_grade`` — the class tutor's proposed or final behaviour grade (ocena zachowania).
* ``descriptive_assessment`` — the term or year descriptive assessment of a pupil of grades 1–3.

Only field rules here, so the hub's SQL checks derive from the fields alone. Rules that need the
school's settings (symbols, deadlines) are checked on the node before writing. Pure definitions.
"""

from __future__ import annotations

from protocol.entities import Entity, register
from protocol.fields import Field, FieldType, Privacy
from protocol.grading import BEHAVIOUR_GRADES, PERIODS, STAGES, WEIGHT_MAX, WEIGHT_MIN
from protocol.i18n import N_

T, U, INT, D, B, E = (FieldType.TEXT, FieldType.UUID, FieldType.INT, FieldType.DATE, FieldType.BOOL, FieldType.ENUM)

GRADE_CATEGORY = register(Entity("grade_category", 1, N_("grade category"), (
    Field("id", U, N_("identifier"), required=True),
    Field("name", T, N_("category name"), required=True, max_length=50),
    Field("weight", INT, N_("weight"), required=True, min_value=WEIGHT_MIN, max_value=WEIGHT_MAX),
    Field("counts", B, N_("counts towards the average"), required=True),
    Field("active", B, N_("in use"), required=True),
)))

GRADE = register(Entity("grade", 1, N_("grade"), (
    Field("id", U, N_("identifier"), required=True),
    Field("pupil_id", U, N_("pupil"), required=True, ref="pupil"),
    Field("assignment_id", U, N_("teaching assignment"), required=True, ref="teaching_assignment"),
    Field("category_id", U, N_("category"), required=True, ref="grade_category"),
    Field("symbol", T, N_("grade"), required=True, max_length=3),
    Field("given_on", D, N_("date"), required=True),
    Field("description", T, N_("description"), max_length=200),
    Field("series_id", U, N_("series of grades")),
    Field("teacher_id", U, N_("teacher"), required=True, ref="staff_member"),
)))

TERM_GRADE = register(Entity("term_grade", 1, N_("term or year grade"), (
    Field("id", U, N_("identifier"), required=True),
    Field("pupil_id", U, N_("pupil"), required=True, ref="pupil"),
    Field("assignment_id", U, N_("teaching assignment"), required=True, ref="teaching_assignment"),
    Field("period", E, N_("period"), required=True, choices=PERIODS),
    Field("stage", E, N_("proposed or final"), required=True, choices=STAGES),
    Field("value", INT, N_("grade"), required=True, min_value=1, max_value=6),
    Field("given_on", D, N_("date"), required=True),
    Field("teacher_id", U, N_("teacher"), required=True, ref="staff_member"),
)))

BEHAVIOUR_GRADE = register(Entity("behaviour_grade", 1, N_("behaviour grade"), (
    Field("id", U, N_("identifier"), required=True),
    Field("pupil_id", U, N_("pupil"), required=True, ref="pupil"),
    Field("class_id", U, N_("class"), required=True, ref="class_unit"),
    Field("period", E, N_("period"), required=True, choices=PERIODS),
    Field("stage", E, N_("proposed or final"), required=True, choices=STAGES),
    Field("value", E, N_("behaviour"), required=True, choices=BEHAVIOUR_GRADES),
    Field("given_on", D, N_("date"), required=True),
    Field("teacher_id", U, N_("teacher"), required=True, ref="staff_member"),
)))

DESCRIPTIVE_ASSESSMENT = register(Entity("descriptive_assessment", 1, N_("descriptive assessment"), (
    Field("id", U, N_("identifier"), required=True),
    Field("pupil_id", U, N_("pupil"), required=True, ref="pupil"),
    Field("class_id", U, N_("class"), required=True, ref="class_unit"),
    Field("period", E, N_("period"), required=True, choices=PERIODS),
    Field("text", T, N_("assessment"), required=True, max_length=4000, privacy=Privacy.DROP),
    Field("given_on", D, N_("date"), required=True),
    Field("teacher_id", U, N_("teacher"), required=True, ref="staff_member"),
)))
