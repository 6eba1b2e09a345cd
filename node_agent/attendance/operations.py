"""Every write to the lesson log and attendance: saving a lesson with its attendance, excuses.

:func:`save_lesson` is the hot path of a school day (every teacher, every lesson): it validates
the whole lesson first (topic, every pupil's code) and then writes the lesson row plus the new
and changed attendance rows with one bulk statement each, so a 30-pupil class costs a handful of
statements instead of one flush per pupil. Capture triggers see bulk statements like any other.
Nothing is written when any rule fails. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from node_agent.attendance.models import Attendance, Lesson
from node_agent.attendance.queries import class_pupils, logged_lesson, to_excuse
from node_agent.records import ValidationFailed, apply_record, clean_input
from node_agent.register.models import ClassUnit
from node_agent.timetable.queries import PlannedLesson
from protocol.attendance import EXCUSES, MARKS
from protocol.entities_lessons import ATTENDANCE, LESSON
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

    ``codes`` maps pupil id → standard code; every pupil must belong to the class on the lesson's
    day. Raises :class:`NotAllowed` unless ``teacher_id`` teaches this lesson (substitute
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
    for pupil_id, pupil in pupils.items():
        if codes.get(pupil_id, "present") not in MARKS:
            errors.append(FieldError(code_field(pupil_id), "choice", N_("choose one of the attendance codes"),
                                     {"label": f"{pupil.first_name} {pupil.last_name}"}))
    if errors:
        raise ValidationFailed(errors)
    lesson = apply_record(session, Lesson, record, lesson)  # type: ignore[assignment]
    _write_codes(session, lesson.id, {pid: codes.get(pid, "present") for pid in pupils})
    return lesson


def _write_codes(session: Session, lesson_id: str, wanted: Mapping[str, str]) -> None:
    """Insert new and update changed attendance rows of a lesson, one bulk statement each."""
    existing = {pupil_id: (row_id, code, excused_by) for row_id, pupil_id, code, excused_by in session.execute(
        select(Attendance.id, Attendance.pupil_id, Attendance.code, Attendance.excused_by)
        .where(Attendance.lesson_id == lesson_id))}
    new_rows, changed = [], []
    for pupil_id, code in wanted.items():
        if pupil_id not in existing:
            new_rows.append({"id": new_id(), "lesson_id": lesson_id, "pupil_id": pupil_id, "code": code,
                             "excused_by": None})
        elif existing[pupil_id][1] != code:
            row_id, _old, excused_by = existing[pupil_id]
            changed.append({"id": row_id, "code": code,
                            "excused_by": excused_by if code in EXCUSED_CODES else None})
    for row in new_rows:  # same rules as the hub (ids and codes are already known to be well-formed)
        errors = ATTENDANCE.validate(row)
        if errors:
            raise ValidationFailed(errors)
    if new_rows:
        session.execute(insert(Attendance), new_rows)
    if changed:
        session.execute(update(Attendance), changed)


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
    session.execute(update(Attendance), [{"id": i, "code": EXCUSES[waiting[i].code], "excused_by": tutor_id}
                                         for i in ids])
    return len(ids)
