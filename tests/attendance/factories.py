"""Test factories for the timetable and attendance: a class week on top of the seeded node school.

Adds to the seed of :mod:`tests.node.web_factories`: subjects (mathematics, Polish), bell times
of lessons 1-3, more pupils in 1a (five in all) and a timetable valid from the school year's
start: 1a has mathematics with Anna Nowak in lessons 1 and 2 and Polish with Bogdan Wiśniewski in
lesson 3 on Mondays; 2b has mathematics with Bogdan in lesson 1. Everything goes through the
operations the pages use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from node_agent.attendance.queries import class_pupils
from node_agent.db import Database
from node_agent.register import operations as register_ops
from node_agent.register.models import ClassUnit
from node_agent.school import operations as school_ops
from node_agent.timetable import operations as tt_ops
from tests.node.web_factories import Seed, make_pesel, school_year_dates


def lesson_monday(today: dt.date) -> dt.date:
    """A Monday with lessons in the seeded school year: the first Monday after 1 October."""
    _label, starts, _ends = school_year_dates(today)
    day = dt.date(starts.year, 10, 2)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


@dataclass
class Week:
    """Ids of the timetable records and pupils of 1a (sorted as the class list shows them)."""

    monday: dt.date
    subjects: dict[str, str]
    entries: dict[str, str]  # "1a-1", "1a-2", "1a-3", "2b-1"
    pupils_1a: list[str]


def make_week(db: Database, seed: Seed, today: dt.date) -> Week:
    """Add the timetable described in the module docstring."""
    _label, starts, _ends = school_year_dates(today)
    with db.transaction() as session:
        subjects = {code: school_ops.save_subject(session, {"code": code, "name": name}).id
                    for code, name in (("MAT", "matematyka"), ("POL", "język polski"))}
        for number, start, end in ((1, "08:00", "08:45"), (2, "08:55", "09:40"), (3, "09:50", "10:35")):
            tt_ops.save_bell_time(session, {"number": number, "starts_at": start, "ends_at": end})
        unit = session.get(ClassUnit, seed.class_ids["1a"])
        for serial, (first, last, birth, sex) in enumerate((
                ("Adam", "Abacki", dt.date(2018, 1, 5), "M"), ("Barbara", "Bąk", dt.date(2018, 2, 6), "F"),
                ("Cezary", "Czyż", dt.date(2018, 3, 7), "M"), ("Dorota", "Dąb", dt.date(2018, 4, 8), "F"))):
            pupil = register_ops.save_pupil(session, {
                "pesel": make_pesel(birth, sex, 20 + serial), "first_name": first, "last_name": last,
                "birth_date": birth.isoformat(), "sex": sex})
            register_ops.assign_class(session, pupil, unit, starts_on=starts, admission_reason="recruitment")
        entries = {}
        for key, class_key, number, subject, teacher in (
                ("1a-1", "1a", 1, "MAT", "anna"), ("1a-2", "1a", 2, "MAT", "anna"),
                ("1a-3", "1a", 3, "POL", "bogdan"), ("2b-1", "2b", 1, "MAT", "bogdan")):
            entries[key] = tt_ops.add_entry(session, {
                "class_id": seed.class_ids[class_key], "weekday": 1, "lesson_number": number,
                "subject_id": subjects[subject], "staff_member_id": seed.staff_ids[teacher], "room": "12",
                "valid_from": starts}).id
    with db.read_session() as session:
        pupils = [p.id for p in class_pupils(session, seed.class_ids["1a"], lesson_monday(today))]
    return Week(lesson_monday(today), subjects, entries, pupils)
