"""Reading for the overview pages: the class tutor's class at a glance and a pupil's attendance over
the school year (the grades part of the pupil card is :func:`node_agent.grades.queries.pupil_card`).

Figures come from the rules the other pages use: attendance tallies and the compulsory-schooling
flag of :mod:`protocol.attendance` (through :mod:`node_agent.attendance.queries`), weighted
averages of :class:`node_agent.grades.queries.Averager`. A class page costs a fixed number of
queries whatever the class size (the year's attendance from the monthly counts of
:mod:`node_agent.attendance.summary`, the month's records by day, one grouped query for the grades,
one for term grades): 30 pupils × 15 subjects × a school year of data must render fast. This module
never writes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node_agent.attendance import queries as attendance_queries
from node_agent.attendance import summary as attendance_summary
from node_agent.attendance.models import Attendance, Lesson
from node_agent.grades import queries as grade_queries
from node_agent.grades import settings as grade_settings
from node_agent.grades.models import Grade, TermGrade
from node_agent.register.models import ClassUnit, Pupil
from node_agent.school.models import SchoolYear, Subject
from node_agent.staff.models import TeachingAssignment
from protocol import grading
from protocol.attendance import CODES, DayTally, Tally, compulsory_flag, day_tally, tally, tally_counts

INSUFFICIENT = 1  # a proposed or final grade of 1 (niedostateczny): the pupil may not be promoted


def year_span(year: SchoolYear, today: dt.date) -> tuple[dt.date, dt.date]:
    """The part of the school year that has happened: its first day up to today (or its last day)."""
    return year.starts_on, max(year.starts_on, min(today, year.ends_on))


def current_period(session: Session, today: dt.date) -> str:
    """ "year" once the school's deadline for final term grades has passed, else "term"."""
    term_final = grade_settings.deadline(session, "term", "final")
    return "year" if term_final is not None and today > term_final else "term"


@dataclass(frozen=True)
class SubjectColumn:
    """A teaching assignment of the class shown as a column."""

    assignment_id: str
    subject: Subject


@dataclass
class PupilGlance:
    """One pupil's line on the class page."""

    pupil: Pupil
    left: bool
    month: Tally
    year: Tally
    month_days: DayTally
    compulsory_flag: bool
    averages: dict[str, Decimal | None]  # assignment id → weighted average
    overall: Decimal | None
    proposed: int  # subjects with a proposed grade of the current period
    final: int
    insufficient: list[str] = field(default_factory=list)  # subjects with a proposed or final 1

    @property
    def flags(self) -> list[str]:
        """Short codes of what needs the tutor's attention (see the page's legend)."""
        return [name for name, on in (("compulsory", self.compulsory_flag), ("insufficient", bool(self.insufficient)))
                if on]


@dataclass
class ClassGlance:
    """The class at a glance: subjects, pupils' lines and the class's totals."""

    class_unit: ClassUnit
    month: dt.date
    period: str
    subjects: list[SubjectColumn]
    rows: list[PupilGlance]
    month_total: Tally
    year_total: Tally
    threshold: int

    @property
    def overall(self) -> Decimal | None:
        """The class's average: the mean of its current pupils' overall averages."""
        return grading.overall_average(r.overall for r in self.rows if not r.left)


def assignment_columns(session: Session, class_id: str) -> list[SubjectColumn]:
    """The class's teaching assignments with their subjects, by subject name (one query)."""
    rows = session.execute(select(TeachingAssignment.id, Subject)
                           .join(Subject, Subject.id == TeachingAssignment.subject_id)
                           .where(TeachingAssignment.class_id == class_id)
                           .order_by(Subject.name, TeachingAssignment.group_name, TeachingAssignment.id))
    return [SubjectColumn(assignment_id, subject) for assignment_id, subject in rows]


def subject_averages(session: Session, assignment_ids: list[str]) -> dict[tuple[str, str], Decimal | None]:
    """{(pupil id, assignment id): weighted average} of the assignments' grades, summed up by the database
    (one query over a covering index, a few hundred rows back for a class's school year of grades)."""
    average = grade_queries.Averager({c.id: c for c in grade_settings.categories(session)},
                                     grade_settings.scale(session))
    total, weights = average.sums(Grade.symbol, Grade.category_id)
    rows = session.execute(select(Grade.pupil_id, Grade.assignment_id, total, weights)
                           .where(Grade.assignment_id.in_(assignment_ids))
                           .group_by(Grade.assignment_id, Grade.pupil_id))
    return {(pupil_id, assignment_id): average.from_sums(t, w) for pupil_id, assignment_id, t, w in rows}


def class_glance(session: Session, class_unit: ClassUnit, today: dt.date, month: dt.date,
                 threshold: int) -> ClassGlance:
    """Attendance (``month`` and the school year so far), averages and term-grade status of every pupil."""
    first_day, last_day = year_span(class_unit.school_year, today)
    month_first, month_last = attendance_queries.month_bounds(month)
    year_counts: dict[str, Counter[str]] = defaultdict(Counter)
    for (_class_id, pupil_id, code), n in attendance_summary.code_counts(session, [class_unit.id], first_day,
                                                                         last_day).items():
        year_counts[pupil_id][code] += n
    month_counts: dict[str, Counter[str]] = defaultdict(Counter)
    month_days_of: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
    for pupil_id, day, code, n in attendance_queries.code_counts(session, class_unit.id, month_first, month_last,
                                                                 by_day=True):
        month_counts[pupil_id][code] += n
        month_days_of[pupil_id].append((day, code))
    year_tallies = {pupil_id: tally_counts(c) for pupil_id, c in year_counts.items()}
    month_tallies = {pupil_id: tally_counts(c) for pupil_id, c in month_counts.items()}
    month_days = {pupil_id: day_tally(items) for pupil_id, items in month_days_of.items()}
    subjects = assignment_columns(session, class_unit.id)
    ids = [s.assignment_id for s in subjects]
    names = {s.assignment_id: s.subject.name for s in subjects}
    averages = subject_averages(session, ids)
    period = current_period(session, today)
    terms: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))  # pupil → stage → subject
    for pupil_id, assignment_id, stage, value in session.execute(
            select(TermGrade.pupil_id, TermGrade.assignment_id, TermGrade.stage, TermGrade.value)
            .where(TermGrade.assignment_id.in_(ids), TermGrade.period == period)):
        terms[pupil_id][stage][assignment_id] = value
    empty = tally([])
    rows = []
    for pupil, left in grade_queries.class_pupils(session, class_unit.id, today):
        days = month_days.get(pupil.id, DayTally())
        own = {a: averages.get((pupil.id, a)) for a in ids}
        marks = terms.get(pupil.id, {})
        insufficient = sorted({names[a] for stage in marks.values() for a, v in stage.items() if v == INSUFFICIENT})
        rows.append(PupilGlance(
            pupil, left, month_tallies.get(pupil.id, empty), year_tallies.get(pupil.id, empty), days,
            compulsory_flag(days, threshold), own, grading.overall_average(own.values()),
            len(marks.get("proposed", {})), len(marks.get("final", {})), insufficient))
    return ClassGlance(class_unit, month_first, period, subjects, rows,
                       sum(month_tallies.values(), empty), sum(year_tallies.values(), empty), threshold)


@dataclass(frozen=True)
class MonthAttendance:
    """One month of a pupil's attendance: how many lessons of each code, the tally and the day count."""

    month: dt.date
    codes: dict[str, int]
    tally: Tally
    days: DayTally
    flagged: bool


def pupil_attendance(session: Session, pupil_id: str, first: dt.date, last: dt.date,
                     threshold: int) -> list[MonthAttendance]:
    """The pupil's attendance per month between ``first`` and ``last``, wherever they were taught (one query)."""
    rows = session.execute(select(Lesson.lesson_date, Attendance.code, func.count())
                           .join(Lesson, Attendance.lesson_id == Lesson.id)
                           .where(Attendance.pupil_id == pupil_id, Lesson.lesson_date.between(first, last))
                           .group_by(Lesson.lesson_date, Attendance.code)).all()
    by_month: dict[dt.date, list[tuple[dt.date, str, int]]] = defaultdict(list)
    for day, code, n in rows:
        by_month[day.replace(day=1)].append((day, code, n))
    out = []
    for month in sorted(by_month):
        items = by_month[month]
        counts = Counter({code: 0 for code in CODES})
        for _day, code, n in items:
            counts[code] += n
        days = day_tally((day, code) for day, code, _n in items)
        out.append(MonthAttendance(month, dict(counts), tally_counts(counts), days, compulsory_flag(days, threshold)))
    return out
