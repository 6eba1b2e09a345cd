"""Server time of the class gradebook page with a school year of grades, against a naive baseline.

A real SQLite file (WAL, the node's migrations and capture triggers) holds the test school of
tests/node plus one class of ``--pupils`` pupils with ``--subjects`` teaching assignments and, in
each, ``--grades`` current grades per pupil over the school year (default 30 × 15 × 45: about
20,000 grades in the class, a full year of a busy class), and term grades. Grades come in columns (one
category and date, every pupil graded) as teachers enter them, through the capture triggers.

Measured in the same run, through the Flask test client (server time: routing, the session check,
queries, averages, rendering; no network):

* ``gradebook``: ``GET /grades/<assignment>`` as the teacher, cycling over the class's subjects;
* ``naive``: the same page with the gradebook loaded the naive way (one query per pupil for their
  grades, one per grade for its category, the settings re-read per grade), the usual first version
  of such a page.

Reports p50/p95 wall and CPU (``time.process_time``) ms per request and the ratio naive/gradebook at
p50. Target: p95 ≤ 100 ms at the default size. The seeding, the app and the timing are
bench/common.py's, shared with bench/bench_overview.py.

    python bench/bench_gradebook.py [--pupils 30] [--subjects 15] [--grades 45] [--requests 60]
    python bench/bench_gradebook.py --short      # a quick run (8 pupils × 4 subjects × 10 grades)
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.common import build, line, login, measure, p, serving, size_arguments  # noqa: E402
from node_agent.grades import queries  # noqa: E402
from node_agent.grades import settings as grade_settings  # noqa: E402
from node_agent.grades.models import Grade, GradeCategory, TermGrade  # noqa: E402
from node_agent.register.models import ClassUnit  # noqa: E402
from node_agent.staff.models import TeachingAssignment  # noqa: E402
from protocol import grading  # noqa: E402


def naive_gradebook(session, assignment_row: TeachingAssignment, today: dt.date) -> queries.Gradebook:  # type: ignore[no-untyped-def]
    """The gradebook loaded the naive way: a query per pupil, per grade's category, per grade's settings."""
    class_unit = session.get(ClassUnit, assignment_row.class_id)
    rows = []
    for pupil, left in queries.class_pupils(session, assignment_row.class_id, today):
        row = queries.GradebookRow(pupil, left)
        row.grades = list(session.scalars(select(Grade).where(Grade.assignment_id == assignment_row.id,
                                                              Grade.pupil_id == pupil.id).order_by(Grade.given_on)))
        items = []
        for grade in row.grades:
            category = session.scalar(select(GradeCategory).where(GradeCategory.id == grade.category_id))
            scale = grade_settings.scale(session)
            parsed = grading.parse_grade(grade.symbol, scale)
            items.append((parsed, grading.Category(category.name, category.weight, category.counts)))
        row.average = grading.rounded(grading.weighted_average(items))
        for term in session.scalars(select(TermGrade).where(TermGrade.assignment_id == assignment_row.id,
                                                            TermGrade.pupil_id == pupil.id)):
            row.term[(term.period, term.stage)] = term.value
        rows.append(row)
    categories = {c.id: c for c in session.scalars(select(GradeCategory))}
    return queries.Gradebook(assignment_row, class_unit, session.get(queries.Subject, assignment_row.subject_id),
                             categories, rows)


def main() -> None:
    args = size_arguments(__doc__.splitlines()[0], 60, 20)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        path = data_dir / "node.sqlite"
        started = time.perf_counter()
        username, ids = build(path, args.pupils, args.subjects, args.grades)
        total = args.pupils * args.subjects * args.grades
        print(f"seeded {total} grades ({args.pupils} pupils × {args.subjects} subjects × {args.grades}) "
              f"in {time.perf_counter() - started:.1f} s; database {path.stat().st_size / 1e6:.1f} MB")
        with serving(data_dir) as (app, db):
            client = login(app, db, username)
            paths = [f"/grades/{i}" for i in ids]
            fast = measure(client.get, paths, args.requests)
            with mock.patch.object(queries, "gradebook", naive_gradebook):
                naive = measure(client.get, paths, args.requests)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(line("gradebook", fast))
    print(line("naive", naive))
    print(f"naive / gradebook at p50: wall {p(naive[0], 0.5) / p(fast[0], 0.5):.1f}×, "
          f"CPU {p(naive[1], 0.5) / p(fast[1], 0.5):.1f}×")


if __name__ == "__main__":
    main()
