"""Every write to the timetable: bell times, entries (changes apply from a date), days off, substitutions.

Validated with the protocol's rules plus the timetable's own (no two lessons of a class or of a
teacher at the same time, substitutions only on a lesson day); the caller owns the transaction
and nothing is written when a rule fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from node_agent.attendance.models import Lesson
from node_agent.records import ValidationFailed, apply_record, to_wire
from node_agent.school.operations import save_record
from node_agent.timetable.models import BellTime, DayOff, Substitution, TimetableEntry
from node_agent.timetable.queries import no_lessons_reason
from protocol.entities_lessons import BELL_TIME, DAY_OFF, SUBSTITUTION, TIMETABLE_ENTRY
from protocol.fields import FieldError, parse_date
from protocol.i18n import N_


def _error(field: str, code: str, message: str, label: str) -> FieldError:
    return FieldError(field, code, message, {"label": label})


def save_bell_time(session: Session, data: Mapping[str, Any], bell: BellTime | None = None) -> BellTime:
    """Create or change the start and end of a lesson number (one bell time per number)."""

    def checks(session: Session, record: Mapping[str, Any]) -> list[FieldError]:
        taken = session.scalar(select(BellTime.id).where(BellTime.number == record["number"],
                                                         BellTime.id != record["id"]))
        return [_error("number", "duplicate", N_("this lesson number already has bell times"),
                       N_("lesson number"))] if taken else []

    return save_record(session, BELL_TIME, BellTime, data, bell, checks)


def _overlapping(record: Mapping[str, Any]):  # type: ignore[no-untyped-def]
    """SQL: entries at the same weekday and lesson number whose validity overlaps the record's."""
    start = parse_date(record["valid_from"])
    end = parse_date(record.get("valid_to") or "")
    condition = ((TimetableEntry.weekday == record["weekday"])
                 & (TimetableEntry.lesson_number == record["lesson_number"])
                 & (TimetableEntry.id != record["id"])
                 & or_(TimetableEntry.valid_to.is_(None), TimetableEntry.valid_to >= start))
    if end is not None:
        condition &= TimetableEntry.valid_from <= end
    return condition


def _entry_checks(session: Session, record: Mapping[str, Any]) -> list[FieldError]:
    """A class has one lesson per slot (or one per group); a teacher teaches one class at a time."""
    overlapping = _overlapping(record)
    same_class = session.scalars(select(TimetableEntry).where(
        overlapping, TimetableEntry.class_id == record["class_id"])).all()
    if any(not record.get("group_name") or not e.group_name or e.group_name == record.get("group_name")
           for e in same_class):
        return [_error("lesson_number", "slot_taken", N_("the class already has a lesson at this time"),
                       N_("lesson number"))]
    busy = session.scalar(select(TimetableEntry.id).where(
        overlapping, TimetableEntry.staff_member_id == record["staff_member_id"],
        TimetableEntry.class_id != record["class_id"]))
    if busy:
        return [_error("staff_member_id", "teacher_busy",
                       N_("teaches another class at this time"), N_("teacher"))]
    return []


def add_entry(session: Session, data: Mapping[str, Any]) -> TimetableEntry:
    """Put a lesson into a class's timetable from ``valid_from``."""
    return save_record(session, TIMETABLE_ENTRY, TimetableEntry, data, None, _entry_checks)


def _held_from(session: Session, entry: TimetableEntry, day: dt.date) -> bool:
    return bool(session.scalar(select(exists().where(Lesson.timetable_entry_id == entry.id,
                                                     Lesson.lesson_date >= day))))


def _held_error() -> ValidationFailed:
    return ValidationFailed([_error("valid_from", "lessons_held",
                                    N_("lessons from this date are already in the lesson log; choose a later date"),
                                    N_("valid from"))])


def change_entry(session: Session, entry: TimetableEntry, data: Mapping[str, Any], from_day: dt.date) -> TimetableEntry:
    """Change a lesson from ``from_day`` on: the old entry ends the day before, a new one starts.

    An entry that starts on ``from_day`` is changed in place. Lessons already logged from that day
    keep their entry, so a change cannot start before them.
    """
    if _held_from(session, entry, from_day):
        raise _held_error()
    if from_day <= entry.valid_from:
        return save_record(session, TIMETABLE_ENTRY, TimetableEntry, {**data, "valid_from": entry.valid_from},
                           entry, _entry_checks)
    record = {**to_wire(TIMETABLE_ENTRY, entry), **data, "valid_from": from_day, "valid_to": entry.valid_to}
    record.pop("id")
    end_entry(session, entry, from_day)
    return save_record(session, TIMETABLE_ENTRY, TimetableEntry, record, None, _entry_checks)


def end_entry(session: Session, entry: TimetableEntry, from_day: dt.date) -> TimetableEntry | None:
    """Take the lesson out of the timetable from ``from_day`` (an entry not yet started is removed)."""
    if _held_from(session, entry, from_day):
        raise _held_error()
    if from_day <= entry.valid_from:
        session.execute(Substitution.__table__.delete().where(Substitution.timetable_entry_id == entry.id))
        session.delete(entry)
        session.flush()
        return None
    record = to_wire(TIMETABLE_ENTRY, entry)
    record["valid_to"] = (from_day - dt.timedelta(days=1)).isoformat()
    if entry.valid_to is not None and entry.valid_to < from_day:
        return entry
    return apply_record(session, TimetableEntry, record, entry)  # type: ignore[return-value]


def save_day_off(session: Session, data: Mapping[str, Any]) -> DayOff:
    """Declare a day free of lessons at this school (one record per day)."""

    def checks(session: Session, record: Mapping[str, Any]) -> list[FieldError]:
        taken = session.scalar(select(DayOff.id).where(DayOff.day == parse_date(record["day"])))
        return [_error("day", "duplicate", N_("this day is already a day off"), N_("date"))] if taken else []

    return save_record(session, DAY_OFF, DayOff, data, None, checks)


def remove_day_off(session: Session, day_off: DayOff) -> None:
    """Make a school day off a lesson day again."""
    session.delete(day_off)
    session.flush()


def save_substitution(session: Session, data: Mapping[str, Any]) -> Substitution:
    """Another teacher takes one lesson; a second substitution of the same lesson replaces the first."""
    existing = None
    entry = session.get(TimetableEntry, data.get("timetable_entry_id") or "")
    day = data.get("lesson_date")
    day = parse_date(day) if isinstance(day, str) else day
    if entry is not None and isinstance(day, dt.date):
        existing = session.scalar(select(Substitution).where(
            Substitution.timetable_entry_id == entry.id, Substitution.lesson_date == day))

    def checks(session: Session, record: Mapping[str, Any]) -> list[FieldError]:
        lesson_day = parse_date(record["lesson_date"])
        target = session.get(TimetableEntry, record["timetable_entry_id"])
        if target is None or target.weekday != lesson_day.isoweekday() or not target.valid_on(lesson_day):
            return [_error("lesson_date", "no_lesson", N_("the class has no such lesson on this day"),
                           N_("date of the lesson"))]
        if no_lessons_reason(session, lesson_day) is not None:
            return [_error("lesson_date", "day_off", N_("there are no lessons on this day"),
                           N_("date of the lesson"))]
        if record["staff_member_id"] == target.staff_member_id:
            return [_error("staff_member_id", "same_teacher", N_("choose a teacher other than the usual one"),
                           N_("substitute teacher"))]
        held = session.scalar(select(Lesson.id).where(Lesson.timetable_entry_id == target.id,
                                                      Lesson.lesson_date == lesson_day))
        if held:
            return [_error("lesson_date", "lessons_held", N_("this lesson is already in the lesson log"),
                           N_("date of the lesson"))]
        return []

    return save_record(session, SUBSTITUTION, Substitution, data, existing, checks)
