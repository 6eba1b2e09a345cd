"""A small hand-built class journal: two logged lessons with attendance, a series of grades, one grade
corrected and one deleted (so the history has all three actions), term grades, a behaviour grade and a
descriptive assessment of class 1a. Everything goes through the operations of the pages."""

from __future__ import annotations

from dataclasses import dataclass

from node_agent.attendance import operations as attendance_ops
from node_agent.db import Database
from node_agent.grades import operations as grade_ops
from node_agent.grades import settings as grade_settings
from node_agent.grades.models import Grade
from node_agent.register.models import ClassUnit
from node_agent.school.operations import save_record
from node_agent.staff.models import TeachingAssignment
from node_agent.timetable.queries import planned_lesson
from protocol.entities import TEACHING_ASSIGNMENT
from tests.attendance.factories import Week
from tests.node.web_factories import Seed


@dataclass
class Journal:
    """Ids of what :func:`add_journal` wrote."""

    assignment: str
    lessons: list[str]
    grades: dict[str, str]  # pupil id → the kept grade of the series (after the correction)
    corrected: str  # the grade changed from 3 to 4+
    deleted: str  # the grade deleted after it was given


def add_journal(db: Database, seed: Seed, week: Week) -> Journal:
    """Write the journal described in the module docstring."""
    anna = grade_ops.Actor("anna", seed.staff_ids["anna"])
    pupils = week.pupils_1a
    with db.transaction() as session:
        lessons = []
        for key, topic, codes in (("1a-1", "Dodawanie ułamków", {pupils[0]: "absent", pupils[1]: "late"}),
                                  ("1a-2", "Odejmowanie ułamków\r\nćwiczenia", {pupils[2]: "released"})):
            planned = planned_lesson(session, week.entries[key], week.monday)
            lessons.append(attendance_ops.save_lesson(session, planned, seed.staff_ids["anna"], topic=topic,
                                                      realised=True, codes=codes).id)
        assignment = save_record(session, TEACHING_ASSIGNMENT, TeachingAssignment, {
            "staff_member_id": seed.staff_ids["anna"], "subject_id": week.subjects["MAT"],
            "class_id": seed.class_ids["1a"], "hours_per_week": 4, "starts_on": week.monday.isoformat()}, None)
        categories = {c.name: c.id for c in grade_settings.add_standard_categories(session)}
        category = next(iter(categories.values()))
        series = grade_ops.add_series(session, anna, assignment, category_id=category, given_on=week.monday,
                                      description="Ułamki", symbols={pupils[0]: "5", pupils[1]: "3", pupils[2]: "1"},
                                      labels={})
        by_pupil = {g.pupil_id: g for g in series}
        grade_ops.update_grade(session, anna, by_pupil[pupils[1]], symbol="4+", category_id=category,
                               given_on=week.monday, description="Ułamki")
        deleted = by_pupil.pop(pupils[2])
        grade_ops.delete(session, anna, deleted)
        grade_ops.set_term_grades(session, anna, assignment, period="term", stage="proposed",
                                  values={pupils[0]: "5", pupils[1]: "4"}, labels={}, today=week.monday)
        unit = session.get(ClassUnit, seed.class_ids["1a"])
        grade_ops.set_behaviour_grades(session, anna, unit, period="term", stage="final",
                                       values={pupils[0]: "very_good"}, labels={}, today=week.monday)
        grade_ops.set_descriptive(session, anna, unit, period="term", texts={pupils[0]: "Czyta płynnie & chętnie <3"},
                                  labels={}, today=week.monday)
        ids = {pid: g.id for pid, g in by_pupil.items()}
        assert session.get(Grade, deleted.id) is None
    return Journal(assignment.id, lessons, ids, ids[pupils[1]], deleted.id)
