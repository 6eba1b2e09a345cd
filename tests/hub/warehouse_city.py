"""A small hand-built city written straight into the merged warehouse tables, for the analytical layer.

The merger is tested on its own (test_merger*.py); here the rows are what it would have produced, so
every dashboard figure can be worked out by hand (see the comments next to the data, and the expected
values in test_dashboard_analytics.py). Two schools:

* SP 5 (primary, Północ): classes 1a (pupils P1, P2) and 4a (P3); maths and Polish; teachers T1, T2
  (13/18 + 5/18) and an administrator S1 (1/2);
* LO 7 (secondary, Południe): class 1a (P4, P5); maths; teacher T3 (9/18 now, a full post that ended).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

from hub.warehouse import pseudonym, schema
from protocol.entities import ENTITIES

SP5, LO7 = "200101", "200202"
SCHOOLS = {SP5: ("Szkoła Podstawowa nr 5", "primary", "Północ"), LO7: ("Liceum Ogólnokształcące nr 7", "secondary",
                                                                       "Południe")}
YEAR = "2026/2027"
DAY = dt.date(2026, 10, 1)
# Real (checksum-valid) PESELs of the five pupils; P1-P3 live in the city (register), P4-P5 do not.
PESELS = {"P1": "19212012347", "P2": "19210512344", "P3": "16272012342", "P4": "11240112343", "P5": "11251512341"}
_seq = itertools.count(1)


def uid(name: str) -> str:
    """A stable UUID for a test object's name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"zszo-test-city/{name}"))


def put(cur: Any, table: str, owner: str, **values: Any) -> None:
    """Insert one row the way the merger leaves it (meta columns filled)."""
    columns = [c for c, _ in schema.columns(ENTITIES[table])]
    meta = {"_node_id": f"node-{owner}", "_rspo": owner, "_inbox_id": 1, "_seq": next(_seq),
            "_ts": int(dt.datetime(2026, 10, 6, 12, 0, tzinfo=dt.UTC).timestamp() * 1000)}
    row = {**meta, **values}
    unknown = set(row) - set(columns)
    assert not unknown, unknown
    cur.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))


def build(cur: Any, key: bytes) -> None:
    """Write the city into the warehouse behind ``cur`` (pupil keys under ``key``)."""
    for rspo, (name, kind, district) in SCHOOLS.items():
        put(cur, "school", rspo, id=uid(f"school-{rspo}"), rspo=rspo, name=name, kind=kind, district=district)
        put(cur, "school_year", rspo, id=uid(f"year-{rspo}"), label=YEAR, starts_on=dt.date(2026, 9, 1),
            ends_on=dt.date(2027, 8, 31))
    classes = {"A1a": (SP5, 1, "a"), "A4a": (SP5, 4, "a"), "B1a": (LO7, 1, "a")}
    for name, (rspo, level, letter) in classes.items():
        put(cur, "class_unit", rspo, id=uid(name), school_year_id=uid(f"year-{rspo}"), level=level, letter=letter)
    for name, rspo in (("MAT-A", SP5), ("POL-A", SP5), ("MAT-B", LO7)):
        title = "matematyka" if name[:3] == "MAT" else "język polski"
        put(cur, "subject", rspo, id=uid(name), code=name[:3], name=title)
    staff = {"T1": (SP5, "teacher"), "T2": (SP5, "teacher"), "S1": (SP5, "administration"), "T3": (LO7, "teacher")}
    for name, (rspo, position) in staff.items():
        put(cur, "staff_member", rspo, id=uid(name), position=position, active=True, promotion_grade="appointed")
    jobs = [("T1", 18, 18, dt.date(2020, 9, 1), None), ("T2", 13, 18, dt.date(2026, 9, 1), None),
            ("T2", 5, 18, dt.date(2026, 9, 1), None), ("S1", 1, 2, dt.date(2019, 9, 1), None),
            ("T3", 9, 18, dt.date(2026, 9, 1), None), ("T3", 18, 18, dt.date(2010, 9, 1), dt.date(2026, 6, 30))]
    for i, (who, numerator, denominator, starts, ends) in enumerate(jobs):
        rspo = staff[who][0]
        put(cur, "staff_employment", rspo, id=uid(f"job-{i}"), staff_member_id=uid(who), basis="employment_contract",
            starts_on=starts, ends_on=ends, fte_numerator=numerator, fte_denominator=denominator)
    pupils = {"P1": "A1a", "P2": "A1a", "P3": "A4a", "P4": "B1a", "P5": "B1a"}
    for name, klass in pupils.items():
        rspo = classes[klass][0]
        put(cur, "pupil", rspo, id=uid(name), birth_year=2019, sex="F",
            pupil_key=pseudonym.pupil_key(key, PESELS[name], None, None))
        put(cur, "enrolment", rspo, id=uid(f"enr-{name}"), pupil_id=uid(name), class_id=uid(klass),
            starts_on=dt.date(2026, 9, 1), admission_reason="recruitment")
    entries = {"A1a-MAT": ("A1a", "MAT-A", "T1"), "A1a-POL": ("A1a", "POL-A", "T2"), "A4a-MAT": ("A4a", "MAT-A", "T1"),
               "B1a-MAT": ("B1a", "MAT-B", "T3")}
    for name, (klass, subject, teacher) in entries.items():
        rspo = classes[klass][0]
        put(cur, "timetable_entry", rspo, id=uid(name), class_id=uid(klass), weekday=1, lesson_number=1,
            subject_id=uid(subject), staff_member_id=uid(teacher), valid_from=dt.date(2026, 9, 1))
        put(cur, "teaching_assignment", rspo, id=uid(f"ta-{name}"), staff_member_id=uid(teacher),
            subject_id=uid(subject), class_id=uid(klass), starts_on=dt.date(2026, 9, 1))
    lessons = [  # (entry, date, realised, {pupil: code})
        ("A1a-MAT", dt.date(2026, 9, 7), True, {"P1": "present", "P2": "absent"}),
        ("A1a-POL", dt.date(2026, 9, 7), True, {"P1": "late", "P2": "absent"}),  # P2: a whole day unexcused
        ("A1a-MAT", dt.date(2026, 9, 8), True, {"P1": "present", "P2": "excused"}),
        ("A1a-MAT", dt.date(2026, 10, 5), True, {"P1": "released", "P2": "present"}),
        ("A4a-MAT", dt.date(2026, 9, 7), True, {"P3": "school_reason"}),
        ("A4a-MAT", dt.date(2026, 10, 5), True, {"P3": "absent"}),
        ("B1a-MAT", dt.date(2026, 9, 9), True, {"P4": "present", "P5": "late_excused"}),
        ("B1a-MAT", dt.date(2026, 9, 10), True, {"P4": "absent", "P5": "present"}),
        ("B1a-MAT", dt.date(2026, 10, 6), False, {"P4": "present", "P5": "present"}),  # not held: not counted
    ]
    for i, (entry, day, realised, codes) in enumerate(lessons):
        klass, _subject, teacher = entries[entry]
        rspo = classes[klass][0]
        put(cur, "lesson", rspo, id=uid(f"lesson-{i}"), timetable_entry_id=uid(entry), lesson_date=day,
            staff_member_id=uid(teacher), realised=realised)
        for pupil, code in codes.items():
            put(cur, "attendance", rspo, id=uid(f"att-{i}-{pupil}"), lesson_id=uid(f"lesson-{i}"), pupil_id=uid(pupil),
                code=code)
    categories = {"test": (SP5, 3, True), "quiz": (SP5, 1, True), "activity": (SP5, 1, False), "b": (LO7, 2, True)}
    for name, (rspo, weight, counts) in categories.items():
        put(cur, "grade_category", rspo, id=uid(f"cat-{name}"), name=name, weight=weight, counts=counts, active=True)
    grades = [  # (pupil, entry, category, symbol)
        ("P1", "A1a-MAT", "test", "5"), ("P1", "A1a-MAT", "quiz", "4+"), ("P2", "A1a-MAT", "test", "3-"),
        ("P2", "A1a-MAT", "quiz", "np"), ("P1", "A1a-MAT", "activity", "6"),
        ("P1", "A1a-POL", "quiz", "4"), ("P2", "A1a-POL", "test", "2"),
        ("P3", "A4a-MAT", "quiz", "1+"),
        ("P4", "B1a-MAT", "b", "5"), ("P5", "B1a-MAT", "b", "3+"),
    ]
    for i, (pupil, entry, category, symbol) in enumerate(grades):
        klass, _subject, teacher = entries[entry]
        rspo = classes[klass][0]
        put(cur, "grade", rspo, id=uid(f"grade-{i}"), pupil_id=uid(pupil), assignment_id=uid(f"ta-{entry}"),
            category_id=uid(f"cat-{category}"), symbol=symbol, given_on=dt.date(2026, 9, 20), teacher_id=uid(teacher))
