"""Reading the lesson log and attendance: a teacher's lessons of a day, a lesson's class list,
past topics, absences waiting for an excuse and monthly tallies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from node_agent.attendance.models import Attendance, AttendanceCode, Lesson
from node_agent.register.models import Enrolment, Pupil
from node_agent.timetable.models import TimetableEntry
from node_agent.timetable.queries import PlannedLesson, lessons_on
from protocol.attendance import EXCUSES, DayTally, Tally, day_tallies_by, tally_by


@dataclass(frozen=True)
class DayLesson:
    """A lesson of the timetable with what the log holds about it (None: not opened yet)."""

    planned: PlannedLesson
    lesson: Lesson | None
    marked: int  # attendance records saved


def class_pupils(session: Session, class_id: str, day: dt.date) -> list[Pupil]:
    """Pupils enrolled in the class on ``day``, by last and first name."""
    return list(session.scalars(
        select(Pupil).join(Enrolment, Enrolment.pupil_id == Pupil.id)
        .where(Enrolment.class_id == class_id, Enrolment.starts_on <= day,
               or_(Enrolment.ends_on.is_(None), Enrolment.ends_on >= day))
        .order_by(Pupil.last_name, Pupil.first_name, Pupil.id)))


def logged_lesson(session: Session, entry_id: str, day: dt.date) -> Lesson | None:
    """The log record of the entry's lesson on ``day``."""
    return session.scalar(select(Lesson).where(Lesson.timetable_entry_id == entry_id, Lesson.lesson_date == day))


def codes(session: Session, lesson_id: str) -> dict[str, str]:
    """{pupil id: code} of a logged lesson: the school's own code id where one was chosen, else the standard code."""
    rows = session.execute(select(Attendance.pupil_id, Attendance.code, Attendance.school_code_id)
                           .where(Attendance.lesson_id == lesson_id))
    return {pupil_id: school_code_id or code for pupil_id, code, school_code_id in rows}


def school_codes(session: Session, *, active_only: bool = False) -> list[AttendanceCode]:
    """The school's own attendance codes by mark (those out of use too unless ``active_only``)."""
    stmt = select(AttendanceCode).order_by(AttendanceCode.mark)
    if active_only:
        stmt = stmt.where(AttendanceCode.active.is_(True))
    return list(session.scalars(stmt))


def day_lessons(session: Session, staff_member_id: str, day: dt.date) -> list[DayLesson]:
    """A teacher's lessons of ``day`` (substitutions included), with their log state."""
    planned = lessons_on(session, day, staff_member_id=staff_member_id)
    logged = {lesson.timetable_entry_id: lesson for lesson in session.scalars(
        select(Lesson).where(Lesson.lesson_date == day, Lesson.timetable_entry_id.in_([p.entry.id for p in planned])))}
    out = []
    for p in planned:
        lesson = logged.get(p.entry.id)
        marked = len(codes(session, lesson.id)) if lesson else 0
        out.append(DayLesson(p, lesson, marked))
    return out


def previous_lesson(session: Session, entry: TimetableEntry, day: dt.date) -> Lesson | None:
    """The class's latest logged lesson earlier the same day that has attendance (for "copy")."""
    return session.scalar(
        select(Lesson).join(TimetableEntry, Lesson.timetable_entry_id == TimetableEntry.id)
        .where(TimetableEntry.class_id == entry.class_id, Lesson.lesson_date == day,
               TimetableEntry.lesson_number < entry.lesson_number,
               Lesson.id.in_(select(Attendance.lesson_id)))
        .order_by(TimetableEntry.lesson_number.desc()).limit(1))


def topics(session: Session, class_id: str, subject_id: str) -> list[tuple[Lesson, TimetableEntry]]:
    """Logged lessons of a class in a subject, newest first."""
    rows = session.execute(
        select(Lesson, TimetableEntry).join(TimetableEntry, Lesson.timetable_entry_id == TimetableEntry.id)
        .where(TimetableEntry.class_id == class_id, TimetableEntry.subject_id == subject_id)
        .order_by(Lesson.lesson_date.desc(), TimetableEntry.lesson_number.desc()))
    return [(lesson, entry) for lesson, entry in rows]


def to_excuse(session: Session, class_id: str) -> list[tuple[Attendance, Lesson, TimetableEntry]]:
    """Unexcused absences and lateness at the class's lessons, oldest first."""
    rows = session.execute(
        select(Attendance, Lesson, TimetableEntry)
        .join(Lesson, Attendance.lesson_id == Lesson.id)
        .join(TimetableEntry, Lesson.timetable_entry_id == TimetableEntry.id)
        .where(TimetableEntry.class_id == class_id, Attendance.code.in_(list(EXCUSES)))
        .order_by(Lesson.lesson_date, TimetableEntry.lesson_number))
    return [(a, lesson, entry) for a, lesson, entry in rows]


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of ``month``'s month."""
    first = month.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


Record = tuple[str, str, str, dt.date]  # pupil id, subject id, standard code, date


def period_records(session: Session, class_id: str, first: dt.date, last: dt.date) -> list[Record]:
    """(pupil id, subject id, standard code, date) of every attendance record at the class's lessons
    between ``first`` and ``last`` (one query, whatever the class size)."""
    rows = session.execute(
        select(Attendance.pupil_id, TimetableEntry.subject_id, Attendance.code, Lesson.lesson_date)
        .join(Lesson, Attendance.lesson_id == Lesson.id)
        .join(TimetableEntry, and_(Lesson.timetable_entry_id == TimetableEntry.id))
        .where(TimetableEntry.class_id == class_id, Lesson.lesson_date.between(first, last)))
    return [(p, s, c, d) for p, s, c, d in rows]


def code_counts(session: Session, class_id: str, first: dt.date, last: dt.date, *, by_day: bool = False):  # type: ignore[no-untyped-def]
    """Rows (pupil_id, [lesson_date,] code, n) counting the class's attendance records between ``first`` and
    ``last`` per pupil (and day) and code: a school year of a class in a few thousand rows, not one per lesson."""
    keys = (Attendance.pupil_id, *((Lesson.lesson_date,) if by_day else ()), Attendance.code)
    return session.execute(
        select(*keys, func.count().label("n"))
        .join(Lesson, Attendance.lesson_id == Lesson.id)
        .join(TimetableEntry, Lesson.timetable_entry_id == TimetableEntry.id)
        .where(TimetableEntry.class_id == class_id, Lesson.lesson_date.between(first, last))
        .group_by(*keys)).all()


def month_records(session: Session, class_id: str, month: dt.date) -> list[Record]:
    """(pupil id, subject id, code, date) of every attendance record at the class's lessons in ``month``."""
    return period_records(session, class_id, *month_bounds(month))


def month_tallies(session: Session, class_id: str, month: dt.date) -> tuple[dict[str, Tally], dict[str, Tally]]:
    """Per pupil and per subject tallies of the class in ``month``."""
    records = month_records(session, class_id, month)
    return (tally_by(records, key=lambda r: r[0], code=lambda r: r[2]),
            tally_by(records, key=lambda r: r[1], code=lambda r: r[2]))


def month_days(session: Session, class_id: str, month: dt.date) -> dict[str, DayTally]:
    """Per pupil class days and days of unexcused absence in ``month`` (the compulsory-schooling flag)."""
    return pupil_days(month_records(session, class_id, month))


def pupil_days(records: list[Record]) -> dict[str, DayTally]:
    """:func:`protocol.attendance.day_tally` per pupil of :func:`period_records` rows."""
    return day_tallies_by(records, key=lambda r: r[0], day=lambda r: r[3], code=lambda r: r[2])
