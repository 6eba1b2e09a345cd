"""Every write to the lesson log and attendance: saving a lesson with its attendance, excuses.

:func:`save_lesson` is the hot path of a school day (every teacher, every lesson): it validates
the whole lesson first (topic, every pupil's code) and then writes the lesson row plus the new
and changed attendance rows with one bulk statement each, so a 30-pupil class costs a handful of
statements instead of one flush per pupil. Capture triggers see bulk statements like any other.
Nothing is written when any rule fails. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import exists, insert, select, update
from sqlalchemy.orm import Session

from node_agent.attendance.models import Attendance, AttendanceCode, Lesson
from node_agent.attendance.queries import class_pupils, logged_lesson, school_codes, to_excuse
from node_agent.records import ValidationFailed, apply_record, clean_input
from node_agent.register.models import ClassUnit
from node_agent.timetable.queries import PlannedLesson
from protocol.attendance import EXCUSES, MARKS
from protocol.entities_lessons import ATTENDANCE, ATTENDANCE_CODE, LESSON
from protocol.fields import FieldError, new_id
from protocol.i18n import N_

EXCUSED_CODES = frozenset(EXCUSES.values())


class NotAllowed(PermissionError):
    """The user may not write this (not their lesson, not their class)."""


def code_field(pupil_id: str) -> str:
    """The form field name of a pupil's attendance code."""
    return f"code-{pupil_id}"


def save_lesson(session: Session, planned: PlannedLesson, teacher_id: str, *, topic: str | None,
                realised: bool, codes: Mapping[str, str]) -> Lesson:
    """Log the lesson (topic, realised) and its attendance; pupils not in ``codes`` are present.

    ``codes`` maps pupil id → a standard code or the id of one of the school's own codes (stored
    as its standard kind plus ``school_code_id``); every pupil must belong to the class on the
    lesson's day. Raises :class:`NotAllowed` unless ``teacher_id`` teaches this lesson (substitute
    included) and :class:`ValidationFailed` naming each bad field.
    """
    if teacher_id != planned.teacher_id:
        raise NotAllowed("not this teacher's lesson")
    lesson = logged_lesson(session, planned.entry.id, planned.day)
    record = {"id": lesson.id if lesson else new_id(), "timetable_entry_id": planned.entry.id,
              "lesson_date": planned.day.isoformat(), "staff_member_id": teacher_id,
              **clean_input(LESSON, {"topic": topic, "realised": realised})}
    errors = LESSON.validate(record)
    if not errors and record["realised"] and not record.get("topic"):
        errors.append(FieldError("topic", "required", N_("enter the topic of a lesson that took place"),
                                 {"label": N_("topic")}))
    pupils = {p.id: p for p in class_pupils(session, planned.entry.class_id, planned.day)}
    for pupil_id in sorted(set(codes) - set(pupils)):
        errors.append(FieldError(code_field(pupil_id), "not_in_class", N_("this pupil is not in the class"),
                                 {"label": N_("pupil")}))
    kinds = {c.id: c.kind for c in school_codes(session)}  # inactive ones too: older lessons may use them
    wanted: dict[str, tuple[str, str | None]] = {}
    for pupil_id, pupil in pupils.items():
        value = codes.get(pupil_id, "present")
        if value in MARKS:
            wanted[pupil_id] = (value, None)
        elif value in kinds:
            wanted[pupil_id] = (kinds[value], value)
        else:
            errors.append(FieldError(code_field(pupil_id), "choice", N_("choose one of the attendance codes"),
                                     {"label": f"{pupil.first_name} {pupil.last_name}"}))
    if errors:
        raise ValidationFailed(errors)
    lesson = apply_record(session, Lesson, record, lesson)  # type: ignore[assignment]
    _write_codes(session, lesson.id, wanted)
    return lesson


def _write_codes(session: Session, lesson_id: str, wanted: Mapping[str, tuple[str, str | None]]) -> None:
    """Insert new and update changed attendance rows of a lesson, one bulk statement each."""
    existing = {row.pupil_id: row for row in session.execute(
        select(Attendance.id, Attendance.pupil_id, Attendance.code, Attendance.excused_by, Attendance.school_code_id)
        .where(Attendance.lesson_id == lesson_id))}
    new_rows, changed = [], []
    for pupil_id, (code, school_code_id) in wanted.items():
        old = existing.get(pupil_id)
        if old is None:
            new_rows.append({"id": new_id(), "lesson_id": lesson_id, "pupil_id": pupil_id, "code": code,
                             "excused_by": None, "school_code_id": school_code_id})
        elif (old.code, old.school_code_id) != (code, school_code_id):
            changed.append({"id": old.id, "code": code, "school_code_id": school_code_id,
                            "excused_by": old.excused_by if code in EXCUSED_CODES else None})
    for row in new_rows:  # same rules as the hub (ids and codes are already known to be well-formed)
        errors = ATTENDANCE.validate(row)
        if errors:
            raise ValidationFailed(errors)
    if new_rows:
        session.execute(insert(Attendance), new_rows)
    if changed:
        session.execute(update(Attendance), changed)


def save_attendance_code(session: Session, data: Mapping[str, Any], code: AttendanceCode | None = None
                         ) -> AttendanceCode:
    """Add or change one of the school's own attendance codes (mark, name, standard kind, in use).

    The mark is unique; the kind of a code already used at a lesson cannot change (it would
    rewrite past statistics): add a new code and take the old one out of use instead.
    """
    record = {"id": code.id if code else new_id(), "active": True,
              **clean_input(ATTENDANCE_CODE, {k: data.get(k) for k in ("mark", "name", "kind", "active")
                                              if k in data})}
    if isinstance(record.get("mark"), str):
        record["mark"] = record["mark"].lower()
    errors = ATTENDANCE_CODE.validate(record)
    if not errors and session.scalar(select(exists().where(AttendanceCode.mark == record["mark"],
                                                           AttendanceCode.id != record["id"]))):
        errors.append(FieldError("mark", "unique", N_("another code already has this mark"), {"label": N_("mark")}))
    if not errors and code is not None and code.kind != record["kind"] and session.scalar(
            select(exists().where(Attendance.school_code_id == code.id))):
        errors.append(FieldError("kind", "in_use", N_(
            "the code is already used at lessons; take it out of use and add a new code instead"),
            {"label": N_("standard kind")}))
    if errors:
        raise ValidationFailed(errors)
    return apply_record(session, AttendanceCode, record, code)  # type: ignore[return-value]


def excuse(session: Session, tutor_id: str, class_id: str, attendance_ids: Iterable[str]) -> int:
    """The class tutor excuses absences (nb → u) and lateness (sp → su) of their class; returns how many.

    Raises :class:`NotAllowed` unless ``tutor_id`` is the class's tutor, and
    :class:`ValidationFailed` when an id is not an unexcused record of this class.
    """
    unit = session.get(ClassUnit, class_id)
    if unit is None or unit.tutor_id is None or unit.tutor_id != tutor_id:
        raise NotAllowed("not the class tutor")
    ids = list(dict.fromkeys(attendance_ids))
    if not ids:
        raise ValidationFailed([FieldError("excuse", "required", N_("select at least one absence to excuse"),
                                           {"label": N_("absences")})])
    waiting = {a.id: a for a, _lesson, _entry in to_excuse(session, class_id)}
    if any(i not in waiting for i in ids):
        raise ValidationFailed([FieldError("excuse", "stale", N_(
            "some of the selected absences are no longer waiting for an excuse; reload the page"),
            {"label": N_("absences")})])
    session.execute(update(Attendance), [{"id": i, "code": EXCUSES[waiting[i].code], "excused_by": tutor_id,
                                          "school_code_id": None} for i in ids])
    return len(ids)
