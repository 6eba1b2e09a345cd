"""Test factories for grades: subjects, teaching assignments, categories and pupils of a class,
written through the same operations as the pages (so the protocol's rules check them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from node_agent.grades import settings as grade_settings
from node_agent.register import operations as register_ops
from node_agent.register.models import ClassUnit
from node_agent.school import operations as school_ops
from node_agent.school.operations import save_record
from node_agent.staff.models import TeachingAssignment
from protocol.entities import TEACHING_ASSIGNMENT
from tests.node.web_factories import make_pesel

NAMES = [("Adam", "Bąk", "M"), ("Ewa", "Czerwińska", "F"), ("Igor", "Dudek", "M"), ("Ola", "Ekiert", "F"),
         ("Piotr", "Fijałkowski", "M"), ("Rita", "Górska", "F"), ("Szymon", "Hajduk", "M"), ("Tola", "Iwańska", "F")]


@dataclass
class GradesSeed:
    """Ids of what :func:`add_grades_seed` wrote."""

    maths: str  # Anna Nowak's maths in 1a (she is 1a's tutor)
    polish: str  # Bogdan Wiśniewski's Polish in 1a (not 1a's tutor)
    history: str  # Bogdan's history in 2b (he is 2b's tutor)
    categories: dict[str, str]
    pupils: list[str]  # pupils of 1a by last name


def assignment(session: Session, staff_id: str, subject_id: str, class_id: str, starts: dt.date) -> TeachingAssignment:
    """A teaching assignment from ``starts``."""
    return save_record(session, TEACHING_ASSIGNMENT, TeachingAssignment, {
        "staff_member_id": staff_id, "subject_id": subject_id, "class_id": class_id, "hours_per_week": 4,
        "starts_on": starts.isoformat()}, None)


def add_pupils(session: Session, class_unit: ClassUnit, count: int, starts: dt.date, serial: int = 100) -> list[str]:
    """``count`` more pupils enrolled in ``class_unit`` from ``starts``."""
    ids = []
    for i in range(count):
        first, last, sex = NAMES[i % len(NAMES)]
        birth = dt.date(2018, 1 + i % 12, 1 + i % 28)
        pupil = register_ops.save_pupil(session, {
            "pesel": make_pesel(birth, sex, serial + i), "first_name": first,
            "last_name": last if i < len(NAMES) else f"{last}-{i}", "birth_date": birth.isoformat(), "sex": sex})
        register_ops.assign_class(session, pupil, class_unit, starts_on=starts, admission_reason="recruitment")
        ids.append(pupil.id)
    return ids


def add_grades_seed(session: Session, seed, starts: dt.date) -> GradesSeed:  # type: ignore[no-untyped-def]
    """Subjects, assignments, the standard categories and three more pupils in 1a."""
    maths = school_ops.save_subject(session, {"code": "MAT", "name": "matematyka"})
    polish = school_ops.save_subject(session, {"code": "POL", "name": "język polski"})
    history = school_ops.save_subject(session, {"code": "HIS", "name": "historia"})
    class_1a = session.get(ClassUnit, seed.class_ids["1a"])
    grade_settings.add_standard_categories(session)
    extra = add_pupils(session, class_1a, 3, starts)
    return GradesSeed(
        assignment(session, seed.staff_ids["anna"], maths.id, seed.class_ids["1a"], starts).id,
        assignment(session, seed.staff_ids["bogdan"], polish.id, seed.class_ids["1a"], starts).id,
        assignment(session, seed.staff_ids["bogdan"], history.id, seed.class_ids["2b"], starts).id,
        {c.name: c.id for c in grade_settings.categories(session)},
        [seed.pupil_ids["zofia"], *extra],
    )
