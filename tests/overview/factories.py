"""Test factories of the overview pages: three Mondays of October in class 1a with attendance, a few
grades with known averages and proposed term grades, all written through the operations the pages use.

On top of the grades seed (tests/grades/factories.py: pupils of 1a Zofia Łęcka, Adam Bąk, Ewa
Czerwińska, Igor Dudek; Anna Nowak's mathematics and Bogdan Wiśniewski's Polish in 1a): the
timetable puts mathematics (lesson 1, Anna) and Polish (lesson 2, Bogdan) on Mondays from the
first Monday of October (``days[0]``) to the third one (``days[2]``). Both lessons are logged on
the first two Mondays; on the third only mathematics is (Polish stays unrecorded). The pages are
looked at on the Tuesday after (``view_day``). Expected figures are worked out by hand in
tests/overview/test_views.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from node_agent.attendance import operations as attendance_ops
from node_agent.grades import operations as grade_ops
from node_agent.register.models import ClassUnit
from node_agent.staff.models import TeachingAssignment
from node_agent.timetable import operations as tt_ops
from node_agent.timetable.queries import planned_lesson
from tests.attendance.factories import lesson_monday
from tests.grades.factories import GradesSeed


@dataclass
class OverviewSeed:
    """Ids and dates of what :func:`add_overview_seed` wrote."""

    days: list[dt.date]  # the three Mondays
    view_day: dt.date
    pupils: dict[str, str]  # first name (lower case) → pupil id
    entries: dict[str, str]  # "maths", "polish" → timetable entry id


def add_overview_seed(session: Session, seed, grades: GradesSeed, today: dt.date) -> OverviewSeed:  # type: ignore[no-untyped-def]
    """Write the lessons, attendance and grades described in the module docstring."""
    first = lesson_monday(today)
    days = [first, first + dt.timedelta(days=7), first + dt.timedelta(days=14)]
    zofia, adam, ewa, igor = grades.pupils
    pupils = {"zofia": zofia, "adam": adam, "ewa": ewa, "igor": igor}
    anna, bogdan = seed.staff_ids["anna"], seed.staff_ids["bogdan"]
    maths = session.get(TeachingAssignment, grades.maths)
    polish = session.get(TeachingAssignment, grades.polish)
    entries = {}
    for key, number, assignment in (("maths", 1, maths), ("polish", 2, polish)):
        entries[key] = tt_ops.add_entry(session, {
            "class_id": seed.class_ids["1a"], "weekday": 1, "lesson_number": number,
            "subject_id": assignment.subject_id, "staff_member_id": assignment.staff_member_id, "room": "12",
            "valid_from": days[0].isoformat(), "valid_to": days[2].isoformat()}).id
    lessons = (  # (day, entry, teacher, codes of pupils who were not simply present)
        (days[0], "maths", anna, {adam: "absent", igor: "excused"}),
        (days[0], "polish", bogdan, {adam: "absent", igor: "excused"}),
        (days[1], "maths", anna, {adam: "absent", ewa: "late"}),
        (days[1], "polish", bogdan, {ewa: "released"}),
        (days[2], "maths", anna, {adam: "absent"}),
    )
    for day, key, teacher, codes in lessons:
        planned = planned_lesson(session, entries[key], day)
        attendance_ops.save_lesson(session, planned, teacher, topic=f"Temat {key} {day:%d.%m}", realised=True,
                                   codes=codes)
    cat = grades.categories
    as_anna, as_bogdan = grade_ops.Actor("nauczyciel", anna), grade_ops.Actor("nauczyciel2", bogdan)
    columns = (  # (actor, assignment, category, {pupil: symbol})
        (as_anna, maths, "sprawdzian", {adam: "3", ewa: "5-", zofia: "3"}),
        (as_anna, maths, "kartkówka", {adam: "5", zofia: "6"}),
        (as_anna, maths, "kartkówka", {zofia: "4", igor: "np"}),
        (as_anna, maths, "próbny egzamin", {ewa: "1"}),
        (as_bogdan, polish, "odpowiedź", {adam: "4+"}),
        (as_bogdan, polish, "kartkówka", {igor: "2", zofia: "5"}),
    )
    for actor, assignment, category, symbols in columns:
        grade_ops.add_series(session, actor, assignment, category_id=cat[category], given_on=days[0],
                             description=None, symbols=symbols, labels={})
    view_day = days[2] + dt.timedelta(days=1)
    grade_ops.set_term_grades(session, as_anna, maths, period="term", stage="proposed",
                              values={adam: "2", ewa: "5", igor: "1", zofia: "5"}, labels={}, today=view_day)
    grade_ops.set_term_grades(session, as_bogdan, polish, period="term", stage="proposed", values={adam: "3"},
                              labels={}, today=view_day)
    grade_ops.set_behaviour_grades(session, as_anna, maths_class(session, seed), period="term", stage="proposed",
                                   values={adam: "good"}, labels={}, today=view_day)
    return OverviewSeed(days, view_day, pupils, entries)


def maths_class(session: Session, seed) -> ClassUnit:  # type: ignore[no-untyped-def]
    """Class 1a (Anna Nowak tutors it)."""
    return session.get(ClassUnit, seed.class_ids["1a"])  # type: ignore[return-value]
