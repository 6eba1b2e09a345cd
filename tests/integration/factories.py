"""Small, deterministic school data written through the node's own operations (so it is validated
and captured exactly like data typed in by a secretary)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from node_agent.db import Database, prepare
from node_agent.register import operations as register
from node_agent.register.models import ClassUnit
from node_agent.school.models import SchoolYear
from node_agent.staff.models import StaffMember
from protocol import pesel

FIRST_F = ["Zofia", "Zuzanna", "Maja", "Łucja", "Hanna", "Ewa"]
FIRST_M = ["Antoni", "Jan", "Łukasz", "Szymon", "Jakub", "Żegota"]
LAST = [("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"), ("D'Amico", "D'Amico"),
        ("Żółtowski", "Żółtowska")]


def fill_school(db_path: Path, *, pupils: int, seed: int, serial_base: int) -> dict[str, int]:
    """Add a school year, two classes with tutors, ``pupils`` pupils with a guardian each; return counts."""
    rng = random.Random(seed)
    db = Database(db_path)
    prepare(db, db_path.parent / "backups")
    with db.transaction() as session:
        year = SchoolYear(label="2026/2027", starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 6, 25))
        tutors = [StaffMember(first_name="Anna", last_name=f"Nauczycielka {i}", position="teacher", active=True)
                  for i in range(2)]
        session.add_all([year, *tutors])
        session.flush()
        classes = [ClassUnit(school_year_id=year.id, level=3, letter=letter, tutor_id=t.id)
                   for letter, t in zip("ab", tutors, strict=True)]
        session.add_all(classes)
        session.flush()
        for i in range(pupils):
            sex = rng.choice("FM")
            birth = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(365))
            last = rng.choice(LAST)[0 if sex == "M" else 1]
            pupil = register.save_pupil(session, {
                "pesel": pesel.generate(birth, sex, serial_base + i), "first_name": rng.choice(
                    FIRST_F if sex == "F" else FIRST_M), "last_name": last, "birth_date": birth.isoformat(), "sex": sex,
                "city": "Radom", "postal_code": "26-600",
            })
            guardian = register.save_guardian(session, {"first_name": "Maria", "last_name": last,
                                                        "phone": f"600 100 {i:03d}"})
            register.link_guardian(session, pupil, guardian, relation="mother")
            register.assign_class(session, pupil, classes[i % 2], starts_on=dt.date(2026, 9, 1),
                                  admission_reason="promotion")
    counts = {}
    with db.read_session() as session:
        from protocol.entities import ENTITIES

        for name in ENTITIES:
            counts[name] = session.execute(__import__("sqlalchemy").text(f"SELECT count(*) FROM {name}")).scalar_one()
    db.dispose()
    return counts
