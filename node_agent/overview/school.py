"""Reading for the director's school overview: per class, its pupils, attendance, average, the past
lessons the log is missing (topic or attendance), term-grade completion against the deadlines, and
the teachers whose lessons are not recorded.

A past lesson is one the timetable puts on a school day before today (substitutions applied, days
off of the city calendar, public holidays and the school's own days skipped; the same rules as
:func:`node_agent.timetable.queries.lessons_on`). It lacks its topic when it was not logged, or
logged as held without a topic; it lacks attendance when it was not logged, or logged as held with
no attendance saved. A lesson logged as not held lacks nothing. Every figure comes from a fixed
number of queries for the whole school, whatever the number of classes or days. Never writes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from node_agent.attendance import summary as attendance_summary
from node_agent.attendance.models import Attendance, Lesson
from node_agent.attendance.queries import month_bounds
from node_agent.dictionaries.queries import calendar_for
from node_agent.grades import settings as grade_settings
from node_agent.grades.models import TermGrade
from node_agent.overview.queries import current_period, subject_averages, year_span
from node_agent.register.models import ClassUnit, Enrolment
from node_agent.school.models import SchoolYear
from node_agent.staff.models import StaffMember, TeachingAssignment
from node_agent.timetable.days import day_off_reason
from node_agent.timetable.models import Substitution, TimetableEntry
from node_agent.timetable.queries import school_days_off
from protocol import grading
from protocol.attendance import Tally, tally, tally_counts


@dataclass(frozen=True)
class Completion:
    """How many of the expected term grades (pupils × subjects) a class has, against the deadline."""

    given: int
    expected: int
    deadline: dt.date | None
    today: dt.date

    @property
    def overdue(self) -> bool:
        """The deadline has passed with grades still missing."""
        return self.deadline is not None and self.today > self.deadline and self.given < self.expected


@dataclass
class ClassOverview:
    """One class's line on the school overview."""

    class_unit: ClassUnit
    pupils: int
    month: Tally
    year: Tally
    average: Decimal | None
    past_lessons: int
    missing_topic: int
    missing_attendance: int
    proposed: Completion
    final: Completion


@dataclass(frozen=True)
class TeacherBacklog:
    """A teacher with past lessons that lack a topic or attendance."""

    teacher: StaffMember
    lessons: int
    oldest: dt.date


@dataclass
class SchoolOverview:
    """The school overview of a school year."""

    year: SchoolYear
    month: dt.date
    period: str
    classes: list[ClassOverview]
    teachers: list[TeacherBacklog]


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


@dataclass
class _Backlog:
    planned: Counter[str]
    missing_topic: Counter[str]
    missing_attendance: Counter[str]
    teachers: dict[str, list[dt.date]]


def _past_lessons(session: Session, class_ids: list[str], first: dt.date, last: dt.date) -> _Backlog:
    """Past lessons of the classes between ``first`` and ``last`` and what their log lacks, per class and teacher."""
    backlog = _Backlog(Counter(), Counter(), Counter(), defaultdict(list))
    if last < first:
        return backlog
    # Plain tuples, neither ORM objects nor result rows (an attribute of either costs microseconds): the loop
    # below looks at every entry once per school day of the year.
    entries: dict[int, list[tuple[str, str, dt.date, dt.date | None, str]]] = defaultdict(list)
    for entry_id, class_id, weekday, valid_from, valid_to, staff_id in session.execute(select(
            TimetableEntry.id, TimetableEntry.class_id, TimetableEntry.weekday, TimetableEntry.valid_from,
            TimetableEntry.valid_to, TimetableEntry.staff_member_id).where(
            TimetableEntry.class_id.in_(class_ids), TimetableEntry.valid_from <= last,
            or_(TimetableEntry.valid_to.is_(None), TimetableEntry.valid_to >= first))):
        entries[weekday].append((entry_id, class_id, valid_from, valid_to, staff_id))
    substitutes = {(s.timetable_entry_id, s.lesson_date): s.staff_member_id for s in session.scalars(
        select(Substitution).where(Substitution.lesson_date.between(first, last)))}
    logged = {(entry_id, day): (realised, has_topic, marked) for entry_id, day, realised, has_topic, marked in
              session.execute(select(Lesson.timetable_entry_id, Lesson.lesson_date, Lesson.realised,
                                     Lesson.topic.is_not(None), exists().where(Attendance.lesson_id == Lesson.id))
                              .where(Lesson.lesson_date.between(first, last)))}
    calendar, own_days_off = calendar_for(session, first), school_days_off(session, first, last)
    for day in _days(first, last):
        if day_off_reason(day, calendar, own_days_off) is not None:
            continue
        for entry_id, class_id, valid_from, valid_to, staff_id in entries.get(day.isoweekday(), ()):
            if valid_from > day or (valid_to is not None and valid_to < day):
                continue
            key = (entry_id, day)
            realised, has_topic, marked = logged.get(key, (True, False, False))
            if not realised:
                continue  # logged as not held: nothing is missing
            backlog.planned[class_id] += 1
            lacks_topic, lacks_attendance = not has_topic, not marked  # an unlogged lesson lacks both
            backlog.missing_topic[class_id] += lacks_topic
            backlog.missing_attendance[class_id] += lacks_attendance
            if lacks_topic or lacks_attendance:
                backlog.teachers[substitutes.get(key, staff_id)].append(day)
    return backlog


def _attendance(session: Session, class_ids: list[str], first: dt.date, last: dt.date) -> dict[str, Tally]:
    """{class id: tally} of the classes' lessons between ``first`` and ``last`` (from the monthly counts)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for (class_id, _pupil_id, code), n in attendance_summary.code_counts(session, class_ids, first, last).items():
        counts[class_id][code] += n
    return {class_id: tally_counts(c) for class_id, c in counts.items()}


def school_overview(session: Session, year: SchoolYear, today: dt.date, month: dt.date) -> SchoolOverview:
    """Every class of ``year`` with its figures, and the teachers with lessons to record."""
    classes = list(session.scalars(select(ClassUnit).where(ClassUnit.school_year_id == year.id)
                                   .order_by(ClassUnit.level, ClassUnit.letter)))
    ids = [c.id for c in classes]
    first, last = year_span(year, today)
    month_first, month_last = month_bounds(month)
    members: dict[str, set[str]] = defaultdict(set)  # class → pupils enrolled today
    for class_id, pupil_id in session.execute(
            select(Enrolment.class_id, Enrolment.pupil_id).where(
                Enrolment.class_id.in_(ids), Enrolment.starts_on <= today,
                or_(Enrolment.ends_on.is_(None), Enrolment.ends_on >= today))):
        members[class_id].add(pupil_id)
    assignments: dict[str, list[str]] = defaultdict(list)
    for assignment_id, class_id in session.execute(
            select(TeachingAssignment.id, TeachingAssignment.class_id).where(TeachingAssignment.class_id.in_(ids))):
        assignments[class_id].append(assignment_id)
    averages = subject_averages(session, [a for ids_ in assignments.values() for a in ids_])
    period = current_period(session, today)
    given: Counter[tuple[str, str]] = Counter()  # (class, stage) → grades of current pupils
    for class_id, stage, pupil_id in session.execute(
            select(TeachingAssignment.class_id, TermGrade.stage, TermGrade.pupil_id)
            .join(TeachingAssignment, TeachingAssignment.id == TermGrade.assignment_id)
            .where(TeachingAssignment.class_id.in_(ids), TermGrade.period == period)):
        given[(class_id, stage)] += pupil_id in members[class_id]
    deadlines = {stage: grade_settings.deadline(session, period, stage) for stage in ("proposed", "final")}
    month_tallies = _attendance(session, ids, max(first, month_first), min(last, month_last))
    year_tallies = _attendance(session, ids, first, last)
    backlog = _past_lessons(session, ids, first, min(last, today - dt.timedelta(days=1)))
    empty = tally([])
    rows = []
    for unit in classes:
        pupils, own = members[unit.id], assignments[unit.id]
        overall = [grading.overall_average(averages.get((p, a)) for a in own) for p in pupils]
        expected = len(pupils) * len(own)
        rows.append(ClassOverview(
            unit, len(pupils), month_tallies.get(unit.id, empty), year_tallies.get(unit.id, empty),
            grading.overall_average(overall), backlog.planned[unit.id], backlog.missing_topic[unit.id],
            backlog.missing_attendance[unit.id],
            *(Completion(given[(unit.id, stage)], expected, deadlines[stage], today)
              for stage in ("proposed", "final"))))
    staff = {s.id: s for s in session.scalars(select(StaffMember).where(StaffMember.id.in_(list(backlog.teachers))))}
    teachers = sorted((TeacherBacklog(staff[sid], len(days), min(days)) for sid, days in backlog.teachers.items()),
                      key=lambda t: (-t.lessons, t.teacher.last_name, t.teacher.first_name))
    return SchoolOverview(year, month_first, period, rows, teachers)
