"""Monthly attendance counts per class, pupil and code: a derived table the overview pages read
instead of a school year of attendance records.

``attendance_month_count`` holds, for every (class, month, pupil, standard code), how many
attendance records of the class's lessons in that month carry the code. It is kept equal to
``SELECT ... GROUP BY`` over ``attendance`` ⋈ ``lesson`` ⋈ ``timetable_entry`` by SQLite triggers
(created by migration 0023) on every write that can change that grouping: attendance inserted,
deleted or changed (code, lesson, pupil), a lesson moved to another date or timetable entry, a
timetable entry moved to another class. Triggers, like the capture triggers, see every write path
(the lesson save, the tutor's excuses, transfers, imports, the ``sqlite3`` shell) and run inside
the writing transaction, so the counts can never lag behind a committed write; the attendance
save path itself does not know the table exists.

The table is derived: it is not in the protocol's registry, has no capture triggers and is never
synced (the hub counts from the attendance it receives). :func:`rebuild` recomputes it from
scratch (``zszo node rebuild-summaries``; migration 0023 fills it the same way) and
:func:`differences` compares it with the records.

Reading: :func:`code_counts` answers "how many records of each code per class and pupil between
two dates" from whole months of the table, correcting the edge months with the few records
outside the range (normally none: nothing before the school year, nothing logged ahead of
today), so a year of a class is a few hundred rows instead of tens of thousands. The result is
exactly what :func:`record_counts` (the straightforward query over the records) returns.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import Date, Integer, String, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from node_agent.attendance.models import Attendance, Lesson
from node_agent.db import Base
from node_agent.timetable.models import TimetableEntry

TABLE = "attendance_month_count"
Key = tuple[str, str, str]  # class id, pupil id, standard code


class AttendanceMonthCount(Base):
    """How many of a pupil's attendance records at a class's lessons in a month carry a code (derived)."""

    __tablename__ = TABLE
    __table_args__ = {"sqlite_with_rowid": False}

    class_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # the month's first day
    pupil_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    lessons: Mapped[int] = mapped_column(Integer)


# The grouping the table holds, over the records: the same SQL fills it and checks it.
GROUPED_RECORDS = (
    "SELECT e.class_id AS class_id, substr(l.lesson_date, 1, 7) || '-01' AS month, a.pupil_id AS pupil_id, "
    "a.code AS code, count(*) AS lessons "
    "FROM attendance a JOIN lesson l ON l.id = a.lesson_id JOIN timetable_entry e ON e.id = l.timetable_entry_id "
    "GROUP BY e.class_id, month, a.pupil_id, a.code"
)


def rebuild(session: Session) -> int:
    """Recompute the whole table from the attendance records (in the caller's transaction); return its rows."""
    session.execute(text(f"DELETE FROM {TABLE}"))
    session.execute(text(f"INSERT INTO {TABLE} (class_id, month, pupil_id, code, lessons) {GROUPED_RECORDS}"))
    return int(session.scalar(text(f"SELECT count(*) FROM {TABLE}")) or 0)


def differences(session: Session) -> list[tuple[str, str, str, str, int, int]]:
    """(class, month, pupil, code, stored, counted) wherever the table and the records disagree (empty when right)."""
    stored = {tuple(r[:4]): r[4] for r in session.execute(
        text(f"SELECT class_id, month, pupil_id, code, lessons FROM {TABLE}"))}
    counted = {tuple(r[:4]): r[4] for r in session.execute(text(GROUPED_RECORDS))}
    return sorted((*key, stored.get(key, 0), counted.get(key, 0)) for key in stored.keys() | counted.keys()
                  if stored.get(key, 0) != counted.get(key, 0))


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def record_counts(session: Session, class_ids: list[str], first: dt.date, last: dt.date) -> Counter[Key]:
    """{(class, pupil, code): records} of the classes' lessons between ``first`` and ``last``, counted from the
    records themselves (the straightforward way; the summary's reference and its edge correction)."""
    counts: Counter[Key] = Counter()
    if not class_ids or last < first:
        return counts
    for class_id, pupil_id, code, n in session.execute(
            select(TimetableEntry.class_id, Attendance.pupil_id, Attendance.code, func.count())
            .join(Lesson, Lesson.timetable_entry_id == TimetableEntry.id)
            .join(Attendance, Attendance.lesson_id == Lesson.id)
            .where(TimetableEntry.class_id.in_(class_ids), Lesson.lesson_date.between(first, last))
            .group_by(TimetableEntry.class_id, Attendance.pupil_id, Attendance.code)):
        counts[(class_id, pupil_id, code)] += n
    return counts


def code_counts(session: Session, class_ids: list[str], first: dt.date, last: dt.date) -> Counter[Key]:
    """{(class, pupil, code): records} between ``first`` and ``last``, equal to :func:`record_counts`.

    Whole months from the summary table, minus the records of the first and last month that fall
    outside the range (a range of whole months reads no record at all).
    """
    counts: Counter[Key] = Counter()
    if not class_ids or last < first:
        return counts
    for class_id, pupil_id, code, n in session.execute(
            select(AttendanceMonthCount.class_id, AttendanceMonthCount.pupil_id, AttendanceMonthCount.code,
                   func.sum(AttendanceMonthCount.lessons))
            .where(AttendanceMonthCount.class_id.in_(class_ids),
                   AttendanceMonthCount.month.between(_month_start(first), _month_start(last)))
            .group_by(AttendanceMonthCount.class_id, AttendanceMonthCount.pupil_id, AttendanceMonthCount.code)):
        counts[(class_id, pupil_id, code)] += n
    outside = record_counts(session, class_ids, _month_start(first), first - dt.timedelta(days=1))
    outside.update(record_counts(session, class_ids, last + dt.timedelta(days=1), _month_end(last)))
    counts.subtract(outside)
    return +counts  # drops the codes that the correction brought to zero
