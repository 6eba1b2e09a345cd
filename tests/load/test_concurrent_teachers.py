"""60 teachers saving attendance and grades at the same moment on one node, over real HTTP.

The node runs as a real ``zszo node serve`` process on 127.0.0.1 (waitress threads, WAL SQLite with
``synchronous=FULL``). Every teacher logs in through the login form, then each thread, released
together by a barrier, fetches its lesson page and its grade-column page (for the CSRF token) and
posts them, round after round. Nobody may see an error (every save answers with a redirect, no page says
"database is locked"), and afterwards every saved lesson, attendance code and grade is in the
SQLite file, exactly as sent, with its changes captured for sync.

The short run (60 teachers × 1 lesson + 1 column of grades) is in the default suite; the soak
(60 × 10 rounds) is marked slow. Latency is printed, never asserted (the machine is shared): p50/p95
of the saves per kind, of the form pages fetched before them, and the server process's CPU time.
The same run as a benchmark, outside pytest:

    python -m tests.load.test_concurrent_teachers [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from node_agent import config
from node_agent.auth import operations as auth_ops
from node_agent.db import Database, prepare
from node_agent.grades import settings as grade_settings
from node_agent.register import operations as register_ops
from node_agent.school import operations as school_ops
from node_agent.school.operations import save_record
from node_agent.staff import operations as staff_ops
from node_agent.staff.models import TeachingAssignment
from node_agent.timetable import operations as tt_ops
from node_agent.timetable.queries import no_lessons_reason
from protocol import pesel
from protocol.attendance import CODES
from protocol.entities import TEACHING_ASSIGNMENT
from tests.integration.harness import Service, free_port
from tests.node.web_factories import school_year_dates
from zszo.settings import render_toml
from zszo.web.i18n import TIMEZONE

pytestmark = pytest.mark.integration

TEACHERS, CLASSES, PUPILS = 60, 20, 20
SUBJECTS = (("MAT", "matematyka"), ("POL", "język polski"), ("HIS", "historia"))
PASSWORD = "haslo-testowe-1"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REDIRECTS = (302, 303)  # a save answers with a redirect to the day's lessons or the gradebook
SYMBOLS = ("1", "2", "3", "4", "5", "6", "2+", "3-", "4+", "5-", "np")


@dataclass
class Teacher:
    username: str
    entry_id: str  # the timetable entry of their lesson (the same weekday and number every week)
    assignment_id: str
    pupils: list[str]


@dataclass
class School:
    db_path: Path
    config: Path
    teachers: list[Teacher]
    days: list[dt.date]  # lesson days, one per round
    categories: list[str]


def seed(data_dir: Path, rounds: int) -> School:
    """A school of 20 classes × 20 pupils, 60 teachers: teacher t teaches subject t // 20 in class t % 20,
    lesson t // 20 + 1 on Mondays."""
    db_path = data_dir / "node.sqlite"
    db = Database(db_path)
    try:
        prepare(db, data_dir / "backups")
        label, starts, ends = school_year_dates(dt.datetime.now(TIMEZONE).date())
        with db.transaction() as s:
            school_ops.save_school(s, {"rspo": "123456", "name": "Szkoła Podstawowa nr 1", "kind": "primary"})
            year = school_ops.save_school_year(s, {"label": label, "starts_on": starts, "ends_on": ends})
            subjects = [school_ops.save_subject(s, {"code": c, "name": n}).id for c, n in SUBJECTS]
            categories = [c.id for c in grade_settings.add_standard_categories(s)]
            classes, pupils = [], []
            serial = 0
            for c in range(CLASSES):
                unit = school_ops.save_class(s, {"school_year_id": year.id, "level": str(1 + c // 4),
                                                 "letter": "abcd"[c % 4]})
                classes.append(unit)
                members = []
                for i in range(PUPILS):
                    serial += 1
                    birth = dt.date(2014 + c // 4 % 4, 1 + i % 12, 1 + i)
                    sex = "FM"[i % 2]
                    pupil = register_ops.save_pupil(s, {"pesel": pesel.generate(birth, sex, serial),
                                                        "first_name": "Zofia" if sex == "F" else "Jan",
                                                        "last_name": f"Nowak-{c:02d}-{i:02d}",
                                                        "birth_date": birth.isoformat(), "sex": sex})
                    register_ops.assign_class(s, pupil, unit, starts_on=starts, admission_reason="recruitment")
                    members.append(pupil.id)
                pupils.append(members)
            teachers = []
            for t in range(TEACHERS):
                c, subject = t % CLASSES, t // CLASSES
                staff = staff_ops.save_staff_member(s, {"first_name": "Anna", "last_name": f"Nauczycielka-{t:02d}",
                                                        "position": "teacher"})
                auth_ops.create_user(s, username=f"n{t:02d}", display_name=f"Anna Nauczycielka-{t:02d}",
                                     role="teacher", password=PASSWORD, staff_member_id=staff.id)
                entry = tt_ops.add_entry(s, {"class_id": classes[c].id, "weekday": 1, "lesson_number": subject + 1,
                                             "subject_id": subjects[subject], "staff_member_id": staff.id,
                                             "valid_from": starts})
                assignment = save_record(s, TEACHING_ASSIGNMENT, TeachingAssignment, {
                    "staff_member_id": staff.id, "subject_id": subjects[subject], "class_id": classes[c].id,
                    "hours_per_week": 4, "starts_on": starts.isoformat()}, None)
                teachers.append(Teacher(f"n{t:02d}", entry.id, assignment.id, pupils[c]))
        with db.read_session() as s:
            days, day = [], starts + dt.timedelta(days=(7 - starts.weekday()) % 7)
            while len(days) < rounds:
                if no_lessons_reason(s, day) is None:
                    days.append(day)
                day += dt.timedelta(days=7)
    finally:
        db.dispose()
    cfg = data_dir / "node.toml"
    cfg.write_text(render_toml(config.OPTIONS, {"paths.data_dir": str(data_dir), "web.port": free_port(),
                                                "web.require_totp": False, "sync.enabled": False}),
                   encoding="utf-8")
    return School(db_path, cfg, teachers, days, categories)


@pytest.fixture
def node(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[School, Service]]:
    school = seed(tmp_path / "node", request.param)
    service = Service("node", ["node", "-c", str(school.config), "serve", "--no-scheduler"],
                      config.load(school.config)["web.port"], tmp_path / "node.log")
    service.start()
    try:
        yield school, service
    finally:
        service.stop()


def token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=300)
    assert page.status_code == 200, (url, page.status_code, page.text[:500])
    match = TOKEN.search(page.text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(f"{base}/login", data={"csrf_token": token(session, f"{base}/login"),
                                                 "username": username, "password": PASSWORD},
                          allow_redirects=False, timeout=60)
    assert answer.status_code in REDIRECTS, (username, answer.status_code, answer.text[:500])
    return session


@dataclass
class Sent:
    codes: dict[tuple[str, dt.date], dict[str, str]]  # (entry, day) → pupil → code
    grades: dict[tuple[str, dt.date], dict[str, str]]  # (assignment, day) → pupil → symbol
    failures: list[str]
    seconds: dict[str, list[float]]  # "attendance save", "grades save", "form page" → seconds per request


def teacher_work(base: str, session: requests.Session, teacher: Teacher, school: School, barrier: threading.Barrier,
                 sent: Sent, lock: threading.Lock) -> None:
    rng = random.Random(teacher.username)
    barrier.wait()
    for day in school.days:
        codes = {p: rng.choices(CODES, weights=(85, 5, 4, 3, 1, 1, 1))[0] for p in teacher.pupils}
        symbols = {p: rng.choice(SYMBOLS) for p in teacher.pupils}
        lesson_url = f"{base}/lessons/{teacher.entry_id}/{day.isoformat()}"
        series_url = f"{base}/grades/{teacher.assignment_id}/series"
        forms = [
            (lesson_url, {"topic": f"Temat {day.isoformat()} {teacher.username}", "realised": "y",
                          **{f"code-{p}": c for p, c in codes.items()}}),
            (series_url, {"category_id": school.categories[0], "given_on": day.isoformat(),
                          "description": f"Kartkówka {day.isoformat()}",
                          **{f"grade-{p}": g for p, g in symbols.items()}}),
        ]
        for url, form in forms:
            kind = "attendance save" if url == lesson_url else "grades save"
            try:
                started = time.perf_counter()
                csrf = token(session, url)
                fetched = time.perf_counter()
                answer = session.post(url, data={"csrf_token": csrf, **form}, allow_redirects=False, timeout=300)
                elapsed = time.perf_counter() - fetched
            except (requests.RequestException, AssertionError) as exc:  # an error page instead of the form too
                with lock:
                    sent.failures.append(f"{teacher.username} {url}: {exc!r}")
                continue
            with lock:
                sent.seconds.setdefault(kind, []).append(elapsed)
                sent.seconds.setdefault("form page", []).append(fetched - started)
                if answer.status_code not in REDIRECTS or "database is locked" in answer.text:
                    sent.failures.append(f"{teacher.username} {url}: {answer.status_code} {answer.text[:300]}")
                elif url == lesson_url:
                    sent.codes[(teacher.entry_id, day)] = codes
                else:
                    sent.grades[(teacher.assignment_id, day)] = symbols


def check_stored(school: School, sent: Sent) -> None:
    """Every save is in the SQLite file as sent, and captured for sync."""
    conn = sqlite3.connect(school.db_path)
    try:
        stored_codes: dict[tuple[str, dt.date], dict[str, str]] = {}
        for entry, day, pupil, code in conn.execute(
                "SELECT l.timetable_entry_id, l.lesson_date, a.pupil_id, a.code FROM lesson l "
                "JOIN attendance a ON a.lesson_id = l.id"):
            stored_codes.setdefault((entry, dt.date.fromisoformat(day)), {})[pupil] = code
        assert stored_codes == sent.codes
        stored_grades: dict[tuple[str, dt.date], dict[str, str]] = {}
        for assignment, day, pupil, symbol in conn.execute(
                "SELECT assignment_id, given_on, pupil_id, symbol FROM grade"):
            key = (assignment, dt.date.fromisoformat(day))
            assert pupil not in stored_grades.get(key, {}), "a grade was stored twice"
            stored_grades.setdefault(key, {})[pupil] = symbol
        assert stored_grades == sent.grades
        outbox = dict(conn.execute("SELECT entity, count(*) FROM sync_outbox WHERE entity IN "
                                   "('lesson', 'attendance', 'grade') GROUP BY entity").fetchall())
        assert outbox == {"lesson": len(sent.codes), "attendance": sum(map(len, sent.codes.values())),
                          "grade": sum(map(len, sent.grades.values()))}
        history = conn.execute("SELECT count(*) FROM grade_history WHERE entity = 'grade'").fetchone()[0]
        assert history == sum(map(len, sent.grades.values()))
    finally:
        conn.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_teachers(school: School, service: Service) -> tuple[Sent, float, float]:
    """Log everyone in, then run the rounds at once; returns what was sent, the wall time and the server
    process's CPU time of the rounds (logins left out)."""
    assert service.process is not None
    sessions = [login(service.url, t.username) for t in school.teachers]
    sent, lock = Sent({}, {}, [], {}), threading.Lock()
    cpu_before, started = cpu_seconds(service.process.pid), time.perf_counter()
    barrier = threading.Barrier(len(school.teachers))
    threads = [threading.Thread(target=teacher_work, args=(service.url, session, teacher, school, barrier, sent, lock))
               for session, teacher in zip(sessions, school.teachers, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "a teacher's requests never finished"
    return sent, time.perf_counter() - started, cpu_seconds(service.process.pid) - cpu_before


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds, nearest rank."""
    ordered = sorted(seconds)
    if not ordered:
        return 0.0, 0.0
    rank = max(1, -(-len(ordered) * 95 // 100))
    return ordered[(len(ordered) - 1) // 2] * 1000, ordered[rank - 1] * 1000


def report(sent: Sent, wall: float, cpu: float) -> str:
    """Latency per kind of request, the run's wall time and the server's CPU time."""
    lines = [f"{TEACHERS} teachers at once: wall {wall:.1f} s, server CPU {cpu:.1f} s"]
    saves = [x for kind, values in sent.seconds.items() if kind.endswith("save") for x in values]
    for kind, values in (("all saves", saves), *sorted(sent.seconds.items())):
        p50, p95 = percentiles(values)
        lines.append(f"  {kind:<16} n={len(values):4d}  p50 {p50:7.0f} ms  p95 {p95:7.0f} ms")
    return "\n".join(lines)


def save_all_and_check(school: School, service: Service) -> None:
    sent, wall, cpu = run_teachers(school, service)
    print(report(sent, wall, cpu))
    assert sent.failures == []
    assert len(sent.codes) == len(sent.grades) == TEACHERS * len(school.days)
    assert "database is locked" not in service.log() and "Traceback" not in service.log()
    check_stored(school, sent)


@pytest.mark.parametrize("node", [1], indirect=True, ids=["1-round"])
def test_60_teachers_save_at_once(node: tuple[School, Service]) -> None:
    save_all_and_check(*node)


@pytest.mark.slow
@pytest.mark.parametrize("node", [10], indirect=True, ids=["10-rounds"])
def test_60_teachers_soak(node: tuple[School, Service]) -> None:
    save_all_and_check(*node)


def main() -> None:
    """The load test as a benchmark: seed, start the node, run the rounds, check, print the figures."""
    parser = argparse.ArgumentParser(description="60 teachers saving at once on one node (real HTTP)")
    parser.add_argument("--rounds", type=int, default=1, help="lessons and grade columns per teacher (default 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        school = seed(Path(tmp) / "node", args.rounds)
        service = Service("node", ["node", "-c", str(school.config), "serve", "--no-scheduler"],
                          config.load(school.config)["web.port"], Path(tmp) / "node.log")
        service.start()
        try:
            save_all_and_check(school, service)
        finally:
            service.stop()


if __name__ == "__main__":
    main()
