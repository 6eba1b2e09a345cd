"""Reading the timetable: bell times, entries in force, lessons of a date with substitutions applied."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from node_agent.dictionaries.queries import calendar_for
from node_agent.timetable.days import DayOff as DayOffReason
from node_agent.timetable.days import day_off_reason
from node_agent.timetable.models import BellTime, DayOff, Substitution, TimetableEntry


@dataclass(frozen=True)
class PlannedLesson:
    """A lesson the timetable puts on ``day``; ``teacher_id`` is the substitute's when there is one."""

    entry: TimetableEntry
    day: dt.date
    teacher_id: str
    substitution: Substitution | None


def bell_times(session: Session) -> dict[int, BellTime]:
    """Bell times by lesson number."""
    return {b.number: b for b in session.scalars(select(BellTime).order_by(BellTime.number))}


def school_days_off(session: Session, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """The school's own days off between ``first`` and ``last`` (inclusive)."""
    rows = session.execute(select(DayOff.day, DayOff.reason).where(DayOff.day.between(first, last)))
    return {day: reason for day, reason in rows}


def no_lessons_reason(session: Session, day: dt.date) -> DayOffReason | None:
    """Why ``day`` has no lessons at this school, or None."""
    return day_off_reason(day, calendar_for(session, day), school_days_off(session, day, day))


def in_force(day: dt.date):  # type: ignore[no-untyped-def]
    """SQL condition: the entry is valid on ``day``."""
    return (TimetableEntry.valid_from <= day) & or_(TimetableEntry.valid_to.is_(None), TimetableEntry.valid_to >= day)


def class_entries(session: Session, class_id: str, day: dt.date) -> list[TimetableEntry]:
    """The class's whole week as in force on ``day`` (by weekday, lesson number)."""
    return list(session.scalars(
        select(TimetableEntry).options(joinedload(TimetableEntry.subject), joinedload(TimetableEntry.teacher))
        .where(TimetableEntry.class_id == class_id, in_force(day))
        .order_by(TimetableEntry.weekday, TimetableEntry.lesson_number, TimetableEntry.group_name)))


def lessons_on(session: Session, day: dt.date, *, staff_member_id: str | None = None,
               class_id: str | None = None) -> list[PlannedLesson]:
    """Lessons of ``day`` (none on a day off), optionally only a teacher's (substitutions included) or a class's."""
    if no_lessons_reason(session, day) is not None:
        return []
    query = (select(TimetableEntry)
             .options(joinedload(TimetableEntry.subject), joinedload(TimetableEntry.class_unit),
                      joinedload(TimetableEntry.teacher))
             .where(TimetableEntry.weekday == day.isoweekday(), in_force(day)))
    if class_id is not None:
        query = query.where(TimetableEntry.class_id == class_id)
    substitutions = {s.timetable_entry_id: s for s in session.scalars(
        select(Substitution).where(Substitution.lesson_date == day))}
    if staff_member_id is not None:
        covering = [entry_id for entry_id, s in substitutions.items() if s.staff_member_id == staff_member_id]
        query = query.where(or_(TimetableEntry.staff_member_id == staff_member_id, TimetableEntry.id.in_(covering)))
    planned = []
    for entry in session.scalars(query.order_by(TimetableEntry.lesson_number)).unique():
        substitution = substitutions.get(entry.id)
        teacher_id = substitution.staff_member_id if substitution else entry.staff_member_id
        if staff_member_id is None or teacher_id == staff_member_id:
            planned.append(PlannedLesson(entry, day, teacher_id, substitution))
    return sorted(planned, key=lambda p: (p.entry.lesson_number, p.entry.class_unit.level, p.entry.class_unit.letter))


def planned_lesson(session: Session, entry_id: str, day: dt.date) -> PlannedLesson | None:
    """The entry's lesson on ``day``, or None if the timetable has no such lesson that day."""
    entry = session.get(TimetableEntry, entry_id)
    if entry is None or entry.weekday != day.isoweekday() or not entry.valid_on(day):
        return None
    if no_lessons_reason(session, day) is not None:
        return None
    substitution = session.scalar(select(Substitution).where(
        Substitution.timetable_entry_id == entry_id, Substitution.lesson_date == day))
    return PlannedLesson(entry, day, substitution.staff_member_id if substitution else entry.staff_member_id,
                         substitution)
