"""Server time of the overview pages with a full school year of a class's grades and attendance.

The class of bench/common.py (``--pupils`` × ``--subjects`` × ``--grades`` current grades and term
grades) plus a timetable of six lessons a day, Monday to Friday, every lesson of the school year
logged with attendance (about 1 in 12 absences, a few late), written in bulk through the capture
triggers (and the triggers that keep the monthly attendance counts). The pages are looked at on
the last day of the school year, so the year's figures cover all of it. Measured through the Flask
test client (routing, session check, queries, rules, rendering; no network), reported as p50/p95
wall and CPU (``time.process_time``) ms per request:

* ``class``: ``GET /overview/class/<1a>`` as the class tutor (the class at a glance);
* ``pupil``: ``GET /overview/pupil/<pupil>`` as the tutor, cycling over the pupils (the pupil card);
* ``school``: ``GET /overview/school`` as the director (the school overview);
* ``class*`` and ``school*``, in the same run: the same pages with the year's attendance counted
  from the records (``summary.record_counts``) instead of the monthly counts, the way they were
  computed before ``attendance_month_count``.

Target: p95 ≤ 100 ms for each at the default size (30 × 15 × 45 and a year of lessons).

    python bench/bench_overview.py [--pupils 30] [--subjects 15] [--grades 45] [--requests 40]
    python bench/bench_overview.py --short     # a quick run (8 pupils × 4 subjects × 10 grades)
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from bench.common import build, line, login, measure, serving, size_arguments  # noqa: E402
from node_agent.attendance import summary  # noqa: E402
from node_agent.attendance.models import Attendance, Lesson  # noqa: E402
from node_agent.db import Database  # noqa: E402
from node_agent.overview import views as overview_views  # noqa: E402
from node_agent.register.models import ClassUnit, Enrolment  # noqa: E402
from node_agent.school.models import SchoolYear  # noqa: E402
from node_agent.staff.models import TeachingAssignment  # noqa: E402
from node_agent.timetable.models import TimetableEntry  # noqa: E402
from protocol.fields import new_id  # noqa: E402

LESSONS_PER_DAY = 6


def add_year_of_attendance(db: Database, assignment_ids: list[str]) -> tuple[str, list[str], dt.date, int]:
    """A timetable for class 1a and every lesson of the year logged; returns (class id, pupil ids, last day, rows)."""
    rnd = random.Random(20261129)
    with db.transaction() as session:
        assignments = [session.get(TeachingAssignment, i) for i in assignment_ids]
        class_id = assignments[0].class_id  # type: ignore[union-attr]
        year = session.get(SchoolYear, session.get(ClassUnit, class_id).school_year_id)  # type: ignore[union-attr]
        pupils = list(session.scalars(select(Enrolment.pupil_id).where(Enrolment.class_id == class_id)))
        entries: dict[int, list[dict]] = {}
        for weekday in range(1, 6):
            entries[weekday] = [
                {"id": new_id(), "class_id": class_id, "weekday": weekday, "lesson_number": n,
                 "subject_id": a.subject_id, "staff_member_id": a.staff_member_id,  # type: ignore[union-attr]
                 "group_name": None, "room": "12", "valid_from": year.starts_on, "valid_to": None}  # type: ignore[union-attr]
                for n, a in zip(range(1, LESSONS_PER_DAY + 1),
                                (assignments[(weekday * LESSONS_PER_DAY + k) % len(assignments)]
                                 for k in range(LESSONS_PER_DAY)), strict=True)]
            session.execute(insert(TimetableEntry), entries[weekday])
        rows = 0
        day = year.starts_on  # type: ignore[union-attr]
        while day <= year.ends_on:  # type: ignore[union-attr]
            if day.isoweekday() <= 5 and day.month not in (7, 8):
                lessons = [{"id": new_id(), "timetable_entry_id": e["id"], "lesson_date": day,
                            "staff_member_id": e["staff_member_id"], "topic": "Temat", "realised": True}
                           for e in entries[day.isoweekday()]]
                session.execute(insert(Lesson), lessons)
                marks = [{"id": new_id(), "lesson_id": lesson["id"], "pupil_id": pupil,
                          "code": rnd.choices(("present", "absent", "excused", "late"), (88, 4, 5, 3))[0],
                          "excused_by": None} for lesson in lessons for pupil in pupils]
                session.execute(insert(Attendance), marks)
                rows += len(marks)
            day += dt.timedelta(days=1)
        return class_id, pupils, year.ends_on, rows  # type: ignore[union-attr]


def main() -> None:
    args = size_arguments(__doc__.splitlines()[0], 40, 10)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        path = data_dir / "node.sqlite"
        started = time.perf_counter()
        _username, ids = build(path, args.pupils, args.subjects, args.grades)
        db = Database(path)
        try:
            class_id, pupils, last_day, rows = add_year_of_attendance(db, ids)
        finally:
            db.dispose()
        print(f"seeded {args.pupils * args.subjects * args.grades} grades and {rows} attendance records "
              f"in {time.perf_counter() - started:.1f} s; database {path.stat().st_size / 1e6:.1f} MB")
        with serving(data_dir) as (app, db), mock.patch.object(overview_views, "today", lambda: last_day):
            tutor, director = login(app, db, "nauczyciel"), login(app, db, "dyrektor")
            class_page, school_page = [f"/overview/class/{class_id}"], ["/overview/school"]
            results = {"class": measure(tutor.get, class_page, args.requests),
                       "pupil": measure(tutor.get, [f"/overview/pupil/{pid}" for pid in pupils], args.requests),
                       "school": measure(director.get, school_page, args.requests)}
            with mock.patch.object(summary, "code_counts", summary.record_counts):
                results["class*"] = measure(tutor.get, class_page, args.requests)
                results["school*"] = measure(director.get, school_page, args.requests)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, times in results.items():
        print(line(name, times, width=7))
    print("* the year's attendance counted from the records instead of the monthly counts (same run)")


if __name__ == "__main__":
    main()
