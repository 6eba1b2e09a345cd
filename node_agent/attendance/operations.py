"""Every write to the lesson log and attendance: saving a lesson with its attendance, excuses.

:func:`save_lesson` is the hot path of a school day (every teacher, every lesson), in two steps
so that a web request holds the write lock only for the writing: :func:`check_lesson` validates
the whole lesson (topic, every pupil's code and the rows to be written, with the hub's rules)
from a read transaction, and :func:`write_lesson` then, under the lock, finds the logged lesson
and writes the lesson row plus the new and changed attendance rows with one bulk statement each
(a handful of statements for a 30-pupil class instead of one flush per pupil). Capture triggers
see bulk statements like any other. Nothing is written when any rule fails. The caller owns the
transaction(s).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from node_agent.attendance.models import Attendance, AttendanceCode, Lesson
from node_agent.attendance.queries import class_pupils, school_codes, to_excuse
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


@dataclass(frozen=True)
class CheckedLesson:
    """A lesson save that passed every rule: the lesson record (its id is new unless the lesson is already
    logged) and each pupil's (standard code, school code id or None)."""

    planned: PlannedLesson
    record: dict[str, Any]
    wanted: dict[str, tuple[str, str | None]]


def check_lesson(session: Session, planned: PlannedLesson, teacher_id: str, *, topic: str | None,
                 realised: bool, codes: Mapping[str, str]) -> CheckedLesson:
    """Validate a lesson save without writing; pupils not in ``codes`` are present.

    ``codes`` maps pupil id → a standard code or the id of one of the school's own codes (stored
    as its standard kind plus ``school_code_id``); every pupil must belong to the class on the
    lesson's day. Raises :class:`NotAllowed` unless ``teacher_id`` teaches this lesson (substitute
    included) and :class:`ValidationFailed` naming each bad field.
    """
    if teacher_id != planned.teacher_id:
        raise NotAllowed("not this teacher's lesson")
    record = {"id": new_id(), "timetable_entry_id": planned.entry.id, "lesson_date": planned.day.isoformat(),
              "staff_member_id": teacher_id, **clean_input(LESSON, {"topic": topic, "realised": realised})}
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
    for pupil_id, (code, school_code_id) in wanted.items():  # same rules as the hub, before any lock is taken
        errors += ATTENDANCE.validate({"id": record["id"], "lesson_id": record["id"], "pupil_id": pupil_id,
                                       "code": code, "excused_by": None, "school_code_id": school_code_id})
    if errors:
        raise ValidationFailed(errors)
    return CheckedLesson(planned, record, wanted)


def write_lesson(session: Session, checked: CheckedLesson) -> str:
    """Write a checked lesson save in the caller's write transaction and return the lesson's id.

    Under the write lock it only looks up the logged lesson (and, for one logged before, its
    attendance) and writes: the lesson row, then the new and changed attendance rows, with Core
    statements on the tables (no ORM unit of work; the capture triggers see them like any write).
    An unchanged lesson row is not rewritten, so it sends no change to the hub.
    """
    lesson, entry, day = Lesson.__table__, checked.planned.entry.id, checked.planned.day
    conn = session.connection()
    lesson_id = conn.scalar(select(lesson.c.id).where(lesson.c.timetable_entry_id == entry,
                                                      lesson.c.lesson_date == day))
    values = {**checked.record, "lesson_date": day}
    if lesson_id is None:
        conn.execute(insert(lesson), values)
    else:
        del values["id"]
        conn.execute(update(lesson).where(lesson.c.id == lesson_id, or_(
            *(lesson.c[name].is_not(value) for name, value in values.items()))).values(values))
    _write_codes(conn, lesson_id or checked.record["id"], checked.wanted, new_lesson=lesson_id is None)
    return lesson_id or checked.record["id"]


def save_lesson(session: Session, planned: PlannedLesson, teacher_id: str, *, topic: str | None,
                realised: bool, codes: Mapping[str, str]) -> Lesson:
    """:func:`check_lesson` and :func:`write_lesson` in the caller's transaction; returns the lesson."""
    lesson_id = write_lesson(session, check_lesson(session, planned, teacher_id, topic=topic, realised=realised,
                                                   codes=codes))
    return session.get(Lesson, lesson_id, populate_existing=True)  # type: ignore[return-value]


def _write_codes(conn: Connection, lesson_id: str, wanted: Mapping[str, tuple[str, str | None]], *,
                 new_lesson: bool) -> None:
    """Insert new and update changed attendance rows of a lesson, one statement each (executemany)."""
    table = Attendance.__table__
    existing = {} if new_lesson else {row.pupil_id: row for row in conn.execute(
        select(table.c.id, table.c.pupil_id, table.c.code, table.c.excused_by, table.c.school_code_id)
        .where(table.c.lesson_id == lesson_id))}
    new_rows, changed = [], []
    for pupil_id, (code, school_code_id) in wanted.items():
        old = existing.get(pupil_id)
        if old is None:
            new_rows.append({"id": new_id(), "lesson_id": lesson_id, "pupil_id": pupil_id, "code": code,
                             "excused_by": None, "school_code_id": school_code_id})
        elif (old.code, old.school_code_id) != (code, school_code_id):
            changed.append({"row_id": old.id, "code": code, "school_code_id": school_code_id,
                            "excused_by": old.excused_by if code in EXCUSED_CODES else None})
    if new_rows:
        conn.execute(insert(table), new_rows)
    if changed:
        conn.execute(update(table).where(table.c.id == bindparam("row_id")).values(
            code=bindparam("code"), school_code_id=bindparam("school_code_id"), excused_by=bindparam("excused_by")),
            changed)


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
