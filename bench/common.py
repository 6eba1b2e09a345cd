"""What the page benches share: a class with a school year of grades, a logged-in test client, timing.

:func:`build` seeds a real SQLite file (WAL, the node's migrations and capture triggers) with the
test school of tests/node plus one class of ``pupils`` pupils, ``subjects`` teaching assignments
and, in each, ``grades`` current grades per pupil over the school year, plus proposed and final
term grades. :func:`serving` opens the node's Flask app on that data directory, :func:`login` gives
a test client with a staff member's session, :func:`measure` times GETs through it.

Times are per request, through the Flask test client (routing, the session check, queries, rules,
rendering; no network): wall time and CPU time of this process (``time.process_time``). On a
shared machine the wall time mostly measures the other processes, so targets are judged on both.

Used by bench/bench_gradebook.py and bench/bench_overview.py; not a test fixture (tests have theirs).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from node_agent import config  # noqa: E402
from node_agent.app import create_app  # noqa: E402
from node_agent.auth.models import UserAccount  # noqa: E402
from node_agent.cli import freeze_startup_objects  # noqa: E402
from node_agent.db import Database  # noqa: E402
from node_agent.grades import settings as grade_settings  # noqa: E402
from node_agent.grades.models import Grade, TermGrade  # noqa: E402
from node_agent.register.models import ClassUnit  # noqa: E402
from node_agent.school import operations as school_ops  # noqa: E402
from protocol.fields import new_id  # noqa: E402
from tests.grades.factories import add_pupils, assignment  # noqa: E402
from tests.node.web_factories import make_template, school_year_dates  # noqa: E402
from zszo.web import sessions  # noqa: E402

SYMBOLS = ["1+", "2-", "2", "2+", "3-", "3", "3+", "4-", "4", "4", "4+", "5-", "5", "5", "5+", "6-", "6", "np", "bz",
           "+", "-"]
TARGET_MS = 100


def build(path: Path, pupils: int, subjects: int, grades: int) -> tuple[str, list[str]]:
    """Seed the database at ``path``; return the teacher's user name and the class's assignment ids.

    Grades come in columns (one category and date, every pupil graded) as teachers enter them,
    through the capture triggers.
    """
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


@contextlib.contextmanager
def serving(data_dir: Path) -> Iterator[tuple[Flask, Database]]:
    """The node's app on ``data_dir`` (TOTP off) and its database, closed afterwards; start-up objects are
    frozen out of the garbage collector's reach as ``zszo node serve`` does."""
    settings = config.load(overrides={"paths.data_dir": str(data_dir), "web.require_totp": False})
    db = Database(settings["paths.database"])
    try:
        app = create_app(settings, db=db)
        freeze_startup_objects()
        yield app, db
    finally:
        db.dispose()


def login(app: Flask, db: Database, username: str) -> FlaskClient:
    """A test client with a logged-in session of ``username``."""
    client = app.test_client()
    with db.read_session() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.username == username))
    assert user is not None, username
    with client.session_transaction() as cookie:
        now = sessions.now()
        cookie.permanent = True
        cookie.update({sessions.USER: user.id, sessions.VERSION: user.session_version,
                       sessions.LOGIN_AT: now, sessions.SEEN_AT: now})
    return client


def measure(get: Callable[[str], object], paths: list[str], requests: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each of ``requests`` GETs, cycling over ``paths`` (after one warm-up each)."""
    for path in paths:
        get(path)
    wall, cpu = [], []
    for i in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = get(paths[i % len(paths)])
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
    return wall, cpu


def p(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``."""
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1] if len(values) > 1 else values[0]


def verdict(p95: float) -> str:
    """Whether a p95 meets the target."""
    return "met" if p95 <= TARGET_MS else "NOT met"


def line(name: str, times: tuple[list[float], list[float]], width: int = 10) -> str:
    """One report line: wall and CPU p50/p95 of a page and its verdicts against the target."""
    wall, cpu = times
    return (f"{name:{width}s} wall p50 {p(wall, 0.5):7.1f} ms  p95 {p(wall, 0.95):7.1f} ms   "
            f"CPU p50 {p(cpu, 0.5):7.1f} ms  p95 {p(cpu, 0.95):7.1f} ms   ({len(wall)} requests)  "
            f"target p95 ≤ {TARGET_MS} ms: wall {verdict(p(wall, 0.95))}, CPU {verdict(p(cpu, 0.95))}")


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
