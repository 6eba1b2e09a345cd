"""Reading grades: who may see or write what, the class gradebook of a teaching assignment and a
pupil's grades card.

Access (decided here, on the server, for every page): a teacher writes grades only in their own
teaching assignments; the class tutor reads every subject of the class and writes its behaviour
grades and descriptive assessments; the director and the secretary read the whole school. Pages
load each table once per request (no query per pupil or per grade): the gradebook must stay fast
with a year of grades (bench/bench_gradebook.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from node_agent.auth.models import UserAccount
from node_agent.grades import settings as grade_settings
from node_agent.grades.models import BehaviourGrade, DescriptiveAssessment, Grade, GradeCategory, TermGrade
from node_agent.register.models import ClassUnit, Enrolment, Pupil
from node_agent.school.models import Subject
from node_agent.staff.models import StaffMember, TeachingAssignment
from protocol import grading

SCHOOL_READERS = ("director", "secretary")


def is_tutor(user: UserAccount, class_unit: ClassUnit) -> bool:
    """Whether ``user`` is the class tutor (wychowawca) of ``class_unit``."""
    return user.role == "teacher" and bool(user.staff_member_id) and class_unit.tutor_id == user.staff_member_id


def can_write(user: UserAccount, assignment: TeachingAssignment) -> bool:
    """Only the assignment's own teacher enters its grades."""
    return user.role == "teacher" and bool(user.staff_member_id) and assignment.staff_member_id == user.staff_member_id


def can_read_class(user: UserAccount, class_unit: ClassUnit) -> bool:
    """The director, the secretary and the class tutor read every subject of the class."""
    return user.role in SCHOOL_READERS or is_tutor(user, class_unit)


def can_read(user: UserAccount, assignment: TeachingAssignment, class_unit: ClassUnit) -> bool:
    """Whether ``user`` may open the gradebook of ``assignment``."""
    return can_write(user, assignment) or can_read_class(user, class_unit)


@dataclass(frozen=True)
class AssignmentRow:
    """One teaching assignment in a list: class, subject, teacher."""

    assignment: TeachingAssignment
    class_unit: ClassUnit
    subject: Subject
    teacher: StaffMember


def assignments(session: Session, user: UserAccount, year_id: str | None) -> list[AssignmentRow]:
    """The assignments of ``year_id`` that ``user`` may open: their own, their tutored classes', or all."""
    stmt = (select(TeachingAssignment, ClassUnit, Subject, StaffMember)
            .join(ClassUnit, ClassUnit.id == TeachingAssignment.class_id)
            .join(Subject, Subject.id == TeachingAssignment.subject_id)
            .join(StaffMember, StaffMember.id == TeachingAssignment.staff_member_id)
            .where(ClassUnit.school_year_id == year_id)
            .order_by(ClassUnit.level, ClassUnit.letter, Subject.name))
    rows = [AssignmentRow(*row) for row in session.execute(stmt).all()]
    return [r for r in rows if can_read(user, r.assignment, r.class_unit)]


@dataclass
class GradebookRow:
    """One pupil's line in the class gradebook."""

    pupil: Pupil
    left: bool
    grades: list[Any] = field(default_factory=list)  # rows with the grade's columns
    average: Decimal | None = None
    term: dict[tuple[str, str], int] = field(default_factory=dict)  # (period, stage) → grade


@dataclass
class Gradebook:
    """The class gradebook of a teaching assignment: pupils × grades, averages, term grades."""

    assignment: TeachingAssignment
    class_unit: ClassUnit
    subject: Subject
    categories: dict[str, GradeCategory]
    rows: list[GradebookRow]

    @property
    def category_names(self) -> dict[str, str]:
        """{category id: name}."""
        return {key: c.name for key, c in self.categories.items()}


def class_pupils(session: Session, class_id: str, today: dt.date) -> list[tuple[Pupil, bool]]:
    """(pupil, has left) of everyone ever enrolled in the class, by name (those who left stay listed)."""
    rows = session.execute(select(Pupil, Enrolment.ends_on).join(Enrolment, Enrolment.pupil_id == Pupil.id)
                           .where(Enrolment.class_id == class_id)
                           .order_by(Pupil.last_name, Pupil.first_name, Enrolment.starts_on)).all()
    latest: dict[str, tuple[Pupil, bool]] = {}
    for pupil, ends_on in rows:
        latest[pupil.id] = (pupil, ends_on is not None and ends_on < today)
    return list(latest.values())


class Averager:
    """Weighted averages of many pupils' grades with one school's scale and categories.

    Each distinct symbol is parsed once (a class's year has thousands of grades but a few dozen
    symbols); a symbol the school no longer uses counts as nothing.
    """

    def __init__(self, categories: dict[str, GradeCategory], scale: grading.GradingScale) -> None:
        self.categories = {key: grading.Category(c.name, c.weight, c.counts) for key, c in categories.items()}
        self.scale = scale
        self.parsed: dict[str, grading.Grade | None] = {}

    def _grade(self, symbol: str) -> grading.Grade | None:
        if symbol not in self.parsed:
            try:
                self.parsed[symbol] = grading.parse_grade(symbol, self.scale)
            except grading.GradeError:
                self.parsed[symbol] = None
        return self.parsed[symbol]

    def __call__(self, grades: list[Any]) -> Decimal | None:
        """The rounded weighted average of ``grades`` (anything with ``symbol`` and ``category_id``)."""
        items = [(parsed, category) for grade in grades
                 if (category := self.categories.get(grade.category_id)) is not None
                 and (parsed := self._grade(grade.symbol)) is not None]
        return grading.rounded(grading.weighted_average(items))

    def sums(self, symbol: Any, category_id: Any) -> tuple[Any, Any]:
        """SQL expressions Σ(value·weight) in hundredths and Σ(weight) of counted grades, for ``GROUP BY``.

        Every grade symbol of the scale is parsed once here with the school's modifiers; marks,
        symbols the scale does not know and categories that do not count add nothing, as in
        :func:`protocol.grading.weighted_average`. Values are whole hundredths (the modifiers are
        set in hundredths), so the sums are exact integers; :meth:`from_sums` turns them into the average.
        """
        symbols = (f"{whole}{modifier}" for whole in range(1, 7) for modifier in ("", "+", "-"))
        values = {s: int(parsed.value * 100) for s in symbols
                  if (parsed := self._grade(s)) is not None and parsed.value is not None}
        weights = {key: c.weight for key, c in self.categories.items() if c.counts}
        if not values or not weights:
            return literal(0), literal(0)
        value = case(values, value=symbol, else_=None)
        weight = case(weights, value=category_id, else_=0)
        return func.sum(value * weight), func.sum(case((value.is_not(None), weight), else_=0))

    @staticmethod
    def from_sums(total_hundredths: int | None, weights: int | None) -> Decimal | None:
        """The rounded average from the two sums of :meth:`sums`."""
        return grading.rounded(grading.average_of_sums(Decimal(total_hundredths or 0) / 100, weights or 0))


def gradebook(session: Session, assignment: TeachingAssignment, today: dt.date) -> Gradebook:
    """The gradebook of ``assignment`` (four queries whatever the class size)."""
    class_unit = session.get(ClassUnit, assignment.class_id)
    categories = {c.id: c for c in grade_settings.categories(session)}
    scale = grade_settings.scale(session)
    rows = {p.id: GradebookRow(p, left) for p, left in class_pupils(session, assignment.class_id, today)}
    # Plain rows, not ORM objects: a year of a class's grades is over a thousand of them per page.
    columns = (Grade.id, Grade.pupil_id, Grade.category_id, Grade.symbol, Grade.given_on, Grade.description)
    for grade in session.execute(select(*columns).where(Grade.assignment_id == assignment.id)
                                 .order_by(Grade.given_on, Grade.id)):
        if grade.pupil_id in rows:
            rows[grade.pupil_id].grades.append(grade)
    for term in session.scalars(select(TermGrade).where(TermGrade.assignment_id == assignment.id)):
        if term.pupil_id in rows:
            rows[term.pupil_id].term[(term.period, term.stage)] = term.value
    average = Averager(categories, scale)
    for row in rows.values():
        row.average = average(row.grades)
    return Gradebook(assignment, class_unit, session.get(Subject, assignment.subject_id),  # type: ignore[arg-type]
                     categories, list(rows.values()))


@dataclass
class CardRow:
    """One subject on a pupil's grades card."""

    subject: Subject
    teacher: StaffMember
    grades: list[Grade]
    average: Decimal | None
    term: dict[tuple[str, str], int]


@dataclass
class PupilCard:
    """A pupil's grades in every subject of a class, behaviour and descriptive assessments."""

    pupil: Pupil
    class_unit: ClassUnit
    categories: dict[str, GradeCategory]
    rows: list[CardRow]
    behaviour: dict[tuple[str, str], str]
    descriptive: dict[str, str]

    @property
    def category_names(self) -> dict[str, str]:
        """{category id: name}."""
        return {key: c.name for key, c in self.categories.items()}


def pupil_classes(session: Session, pupil_id: str) -> list[ClassUnit]:
    """The classes the pupil has been enrolled in, newest school year first."""
    return list(session.scalars(select(ClassUnit).join(Enrolment, Enrolment.class_id == ClassUnit.id)
                                .where(Enrolment.pupil_id == pupil_id).distinct()
                                .order_by(ClassUnit.school_year_id.desc())))


def pupil_card(session: Session, user: UserAccount, pupil: Pupil, class_unit: ClassUnit) -> PupilCard:
    """``pupil``'s card in ``class_unit``: every subject for readers of the class, own subjects for a teacher."""
    categories = {c.id: c for c in grade_settings.categories(session)}
    scale = grade_settings.scale(session)
    stmt = (select(TeachingAssignment, Subject, StaffMember)
            .join(Subject, Subject.id == TeachingAssignment.subject_id)
            .join(StaffMember, StaffMember.id == TeachingAssignment.staff_member_id)
            .where(TeachingAssignment.class_id == class_unit.id).order_by(Subject.name))
    found = [r for r in session.execute(stmt).all() if can_read(user, r[0], class_unit)]
    ids = [r[0].id for r in found]
    grades: dict[str, list[Grade]] = defaultdict(list)
    for grade in session.scalars(select(Grade).where(Grade.pupil_id == pupil.id, Grade.assignment_id.in_(ids))
                                 .order_by(Grade.given_on, Grade.id)):
        grades[grade.assignment_id].append(grade)
    terms: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for term in session.scalars(select(TermGrade).where(TermGrade.pupil_id == pupil.id,
                                                        TermGrade.assignment_id.in_(ids))):
        terms[term.assignment_id][(term.period, term.stage)] = term.value
    average = Averager(categories, scale)
    rows = [CardRow(subject, teacher, grades[a.id], average(grades[a.id]), terms[a.id])
            for a, subject, teacher in found]
    behaviour, descriptive = {}, {}
    if can_read_class(user, class_unit):
        behaviour = {(b.period, b.stage): b.value for b in session.scalars(select(BehaviourGrade).where(
            BehaviourGrade.pupil_id == pupil.id, BehaviourGrade.class_id == class_unit.id))}
        descriptive = {d.period: d.text for d in session.scalars(select(DescriptiveAssessment).where(
            DescriptiveAssessment.pupil_id == pupil.id, DescriptiveAssessment.class_id == class_unit.id))}
    return PupilCard(pupil, class_unit, categories, rows, behaviour, descriptive)


def class_marks(session: Session, model: type[BehaviourGrade] | type[DescriptiveAssessment], class_id: str,
                period: str) -> dict[tuple[str, str], str]:
    """{(pupil id, stage): value} of a class's behaviour grades, or {(pupil id, ""): text} of assessments."""
    rows = session.scalars(select(model).where(model.class_id == class_id, model.period == period))
    if model is BehaviourGrade:
        return {(r.pupil_id, r.stage): r.value for r in rows}  # type: ignore[union-attr]
    return {(r.pupil_id, ""): r.text for r in rows}  # type: ignore[union-attr]
