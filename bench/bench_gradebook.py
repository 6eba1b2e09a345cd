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

Reports p50/p95 in ms and the ratio naive/gradebook at p50. Target: p95 ≤ 100 ms at the default size.

    python bench/bench_gradebook.py [--pupils 30] [--subjects 15] [--grades 45] [--requests 60]
    python bench/bench_gradebook.py --short      # a quick run (8 pupils × 4 subjects × 10 grades)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from node_agent import config  # noqa: E402
from node_agent.app import create_app  # noqa: E402
from node_agent.auth.models import UserAccount  # noqa: E402
from node_agent.db import Database  # noqa: E402
from node_agent.grades import queries  # noqa: E402
from node_agent.grades import settings as grade_settings  # noqa: E402
from node_agent.grades.models import Grade, GradeCategory, TermGrade  # noqa: E402
from node_agent.register.models import ClassUnit  # noqa: E402
from node_agent.school import operations as school_ops  # noqa: E402
from node_agent.staff.models import TeachingAssignment  # noqa: E402
from protocol import grading  # noqa: E402
from protocol.fields import new_id  # noqa: E402
from tests.grades.factories import add_pupils, assignment  # noqa: E402
from tests.node.web_factories import make_template, school_year_dates  # noqa: E402
from zszo.web import sessions  # noqa: E402

SYMBOLS = ["1+", "2-", "2", "2+", "3-", "3", "3+", "4-", "4", "4", "4+", "5-", "5", "5", "5+", "6-", "6", "np", "bz",
           "+", "-"]


def build(path: Path, pupils: int, subjects: int, grades: int) -> tuple[str, list[str]]:
    """Seed the database at ``path``; return the teacher's user name and the class's assignment ids."""
    today = dt.date.today()
    seed = make_template(path, today)
    _label, starts, ends = school_year_dates(today)
    rnd = random.Random(20261129)
    db = Database(path)
    try:
        with db.transaction() as session:
            class_1a = session.get(ClassUnit, seed.class_ids["1a"])
            pupil_ids = [seed.pupil_ids["zofia"], *add_pupils(session, class_1a, pupils - 1, starts, serial=300)]
            grade_settings.add_standard_categories(session)
            categories = [c.id for c in grade_settings.categories(session)]
            ids = []
            for i in range(subjects):
                subject = school_ops.save_subject(session, {"code": f"P{i:02d}", "name": f"przedmiot {i + 1:02d}"})
                ids.append(assignment(session, seed.staff_ids["anna"], subject.id, class_1a.id, starts).id)
            days = (ends - starts).days
            for assignment_id in ids:
                # as teachers enter them: columns (a category and a date) with most pupils graded
                rows = []
                for _column in range(grades):
                    category, day = rnd.choice(categories), starts + dt.timedelta(days=rnd.randrange(days))
                    series = new_id()
                    rows += [{"id": new_id(), "pupil_id": pupil_id, "assignment_id": assignment_id,
                              "category_id": category, "symbol": rnd.choice(SYMBOLS), "given_on": day,
                              "description": "praca", "series_id": series, "teacher_id": seed.staff_ids["anna"]}
                             for pupil_id in pupil_ids]
                session.execute(insert(Grade), rows)
                session.execute(insert(TermGrade), [
                    {"id": new_id(), "pupil_id": pupil_id, "assignment_id": assignment_id, "period": "term",
                     "stage": stage, "value": rnd.randint(1, 6), "given_on": starts + dt.timedelta(days=120),
                     "teacher_id": seed.staff_ids["anna"]}
                    for pupil_id in pupil_ids for stage in ("proposed", "final")])
    finally:
        db.dispose()
    return "nauczyciel", ids


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


def measure(get: Callable[[str], object], paths: list[str], requests: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each of ``requests`` GETs, cycling over ``paths`` (after one warm-up each).

    CPU time (of this thread, which serves the request) is reported too because on a shared machine
    the wall time mostly measures the other processes.
    """
    for path in paths:
        get(path)
    wall, cpu = [], []
    for i in range(requests):
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = get(paths[i % len(paths)])
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
    return wall, cpu


def p(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``."""
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1] if len(values) > 1 else values[0]


def verdict(p95: float) -> str:
    """Whether a p95 meets the 100 ms target."""
    return "met" if p95 <= 100 else "NOT met"


def size_arguments(description: str, requests: int, short_requests: int) -> argparse.Namespace:
    """The class size and request count of a gradebook-sized bench (``--short``: 8 × 4 × 10)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--pupils", type=int, default=30)
    parser.add_argument("--subjects", type=int, default=15)
    parser.add_argument("--grades", type=int, default=45, help="current grades per pupil per subject")
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--short", action="store_true", help="a quick run at a small size")
    args = parser.parse_args()
    if args.short:
        args.pupils, args.subjects, args.grades, args.requests = 8, 4, 10, short_requests
    return args


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
        settings = config.load(overrides={"paths.data_dir": str(data_dir), "web.require_totp": False})
        db = Database(settings["paths.database"])
        try:
            app = create_app(settings, db=db)
            client = app.test_client()
            with db.read_session() as session:
                user = session.scalar(select(UserAccount).where(UserAccount.username == username))
            with client.session_transaction() as cookie:
                now = sessions.now()
                cookie.permanent = True
                cookie.update({sessions.USER: user.id, sessions.VERSION: user.session_version,
                               sessions.LOGIN_AT: now, sessions.SEEN_AT: now})
            paths = [f"/grades/{i}" for i in ids]
            fast = measure(client.get, paths, args.requests)
            with mock.patch.object(queries, "gradebook", naive_gradebook):
                naive = measure(client.get, paths, args.requests)
        finally:
            db.dispose()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, (wall, cpu) in (("gradebook", fast), ("naive", naive)):
        print(f"{name:10s} wall p50 {p(wall, 0.5):7.1f} ms  p95 {p(wall, 0.95):7.1f} ms   "
              f"CPU p50 {p(cpu, 0.5):7.1f} ms  p95 {p(cpu, 0.95):7.1f} ms   ({len(wall)} requests)")
    print(f"naive / gradebook at p50: wall {p(naive[0], 0.5) / p(fast[0], 0.5):.1f}×, "
          f"CPU {p(naive[1], 0.5) / p(fast[1], 0.5):.1f}×   target p95 ≤ 100 ms: "
          f"wall {verdict(p(fast[0], 0.95))}, CPU {verdict(p(fast[1], 0.95))}")


if __name__ == "__main__":
    main()
