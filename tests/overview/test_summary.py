"""The monthly attendance counts (node_agent/attendance/summary.py) against the records they summarise.

On top of the overview seed, a generated term: a timetable for 1a (Tuesday to Friday, lessons 1 and 2)
and 2b (Wednesday, lessons 3 and 4), lessons logged on random school days from September to December through the
lesson save with random codes, some lessons saved again with other codes, the tutor's excuses, a
record deleted and a lesson moved to another month by hand (the ``sqlite3`` shell's way). After
every step the table must equal a fresh count of the records, the fast path of the pages
(:func:`summary.code_counts`) must equal the straightforward count for any date range, and the
class at a glance and the school overview must show exactly what they show when every figure is
counted from the records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from node_agent import config
from node_agent.attendance import operations as attendance_ops
from node_agent.attendance import summary
from node_agent.attendance.models import Attendance, Lesson
from node_agent.attendance.queries import to_excuse
from node_agent.db import Database
from node_agent.overview import queries, school
from node_agent.register.models import ClassUnit, Enrolment
from node_agent.school.models import SchoolYear
from node_agent.staff.models import TeachingAssignment
from node_agent.sync.models import OutboxChange
from node_agent.timetable import operations as tt_ops
from node_agent.timetable.queries import planned_lesson
from tests.node.web_factories import Seed
from tests.overview.factories import OverviewSeed
from zszo.cli import main
from zszo.settings import render_toml

CODES = ("present", "absent", "excused", "late", "late_excused", "school_reason", "released")
WEIGHTS = (70, 8, 8, 5, 3, 3, 3)


def _generate(session: Session, seed: Seed, school_seed: OverviewSeed, rnd: random.Random) -> list[str]:
    """Write the generated term of the module docstring; return the ids of the lessons saved."""
    year = session.get(SchoolYear, seed.year_id)
    assignments = list(session.scalars(select(TeachingAssignment).order_by(TeachingAssignment.id)))
    by_class: dict[str, list[TeachingAssignment]] = {}
    for a in assignments:
        by_class.setdefault(a.class_id, []).append(a)
    entries = []
    for class_key, weekdays, numbers in (("1a", (2, 3, 4, 5), (1, 2)), ("2b", (3,), (3, 4))):
        own = by_class[seed.class_ids[class_key]]
        for weekday in weekdays:
            for number in numbers:
                a = own[(weekday + number) % len(own)]
                entries.append(tt_ops.add_entry(session, {
                    "class_id": a.class_id, "weekday": weekday, "lesson_number": number, "subject_id": a.subject_id,
                    "staff_member_id": a.staff_member_id, "room": "7",
                    "valid_from": year.starts_on.isoformat(), "valid_to": None}).id)
    lessons = []
    day = year.starts_on
    while day < dt.date(year.starts_on.year, 12, 20):
        for entry_id in entries:
            planned = planned_lesson(session, entry_id, day)
            if planned is None or rnd.random() < 0.3:
                continue
            pupils = session.scalars(select(Enrolment.pupil_id).where(Enrolment.class_id == planned.entry.class_id))
            codes = {p: rnd.choices(CODES, WEIGHTS)[0] for p in pupils}
            lesson = attendance_ops.save_lesson(session, planned, planned.teacher_id, topic="Temat", realised=True,
                                                codes=codes)
            lessons.append((planned, lesson.id))
        day += dt.timedelta(days=1)
    for planned, _lesson_id in rnd.sample(lessons, 15):  # corrections: saved again with other codes
        pupils = session.scalars(select(Enrolment.pupil_id).where(Enrolment.class_id == planned.entry.class_id))
        attendance_ops.save_lesson(session, planned, planned.teacher_id, topic="Temat poprawiony", realised=True,
                                   codes={p: rnd.choices(CODES, WEIGHTS)[0] for p in pupils})
    return [lesson_id for _planned, lesson_id in lessons]


def _check_everything(session: Session, year: SchoolYear, today: dt.date, rnd: random.Random) -> None:
    assert summary.differences(session) == []
    class_ids = list(session.scalars(select(ClassUnit.id)))
    first_day = year.starts_on - dt.timedelta(days=5)
    for _ in range(40):
        first = first_day + dt.timedelta(days=rnd.randrange(130))
        last = first + dt.timedelta(days=rnd.randrange(-3, 110))
        assert summary.code_counts(session, class_ids, first, last) == summary.record_counts(
            session, class_ids, first, last), (first, last)
    for first, last in ((year.starts_on, year.ends_on), (year.starts_on, today),
                        (dt.date(year.starts_on.year, 10, 1), dt.date(year.starts_on.year, 10, 31))):
        assert summary.code_counts(session, class_ids, first, last) == summary.record_counts(
            session, class_ids, first, last)


def _figures(session: Session, year: SchoolYear, today: dt.date, month: dt.date) -> tuple[object, ...]:
    """Everything the class pages of 1a and 2b and the school overview show, as plain values."""
    glances = []
    for unit in session.scalars(select(ClassUnit).order_by(ClassUnit.level)):
        glance = queries.class_glance(session, unit, today, month, 50)
        glances.append((glance.month_total, glance.year_total, glance.overall, [
            (r.pupil.id, r.month, r.year, r.month_days, r.compulsory_flag, r.averages, r.overall, r.flags)
            for r in glance.rows]))
    overview = school.school_overview(session, year, today, month)
    classes = [dataclasses.replace(c, class_unit=c.class_unit.id) for c in overview.classes]
    teachers = [(t.teacher.id, t.lessons, t.oldest) for t in overview.teachers]
    return glances, classes, teachers


def test_fast_path_equals_the_records(app: Flask, school: OverviewSeed, seed: Seed,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(20261129)
    db: Database = app.extensions["zszo_db"]
    with db.transaction() as session:
        lesson_ids = _generate(session, seed, school, rnd)
        year = session.get(SchoolYear, seed.year_id)
        assert session.scalar(select(func.count()).select_from(summary.AttendanceMonthCount)) > 50
        _check_everything(session, year, school.view_day, rnd)
        unit = session.get(ClassUnit, seed.class_ids["1a"])
        waiting = [a.id for a, _lesson, _entry in to_excuse(session, unit.id)]
        assert attendance_ops.excuse(session, unit.tutor_id, unit.id, rnd.sample(waiting, 10)) == 10
        _check_everything(session, year, school.view_day, rnd)
        # By hand, as the sqlite3 shell would: a record deleted, a lesson moved into the next month.
        session.execute(text("DELETE FROM attendance WHERE id = (SELECT min(id) FROM attendance)"))
        session.execute(text("UPDATE lesson SET lesson_date = date(lesson_date, '+1 month') WHERE id = :id"),
                        {"id": lesson_ids[3]})
        _check_everything(session, year, school.view_day, rnd)
        fast = [_figures(session, year, day, month) for day, month in (
            (school.view_day, school.days[0]), (dt.date(year.starts_on.year, 11, 14), school.days[0]),
            (dt.date(year.starts_on.year, 12, 31), dt.date(year.starts_on.year, 11, 1)))]
        monkeypatch.setattr(summary, "code_counts", summary.record_counts)
        straightforward = [_figures(session, year, day, month) for day, month in (
            (school.view_day, school.days[0]), (dt.date(year.starts_on.year, 11, 14), school.days[0]),
            (dt.date(year.starts_on.year, 12, 31), dt.date(year.starts_on.year, 11, 1)))]
    assert fast == straightforward
    assert fast[2][0][0][1].counted > 100  # the year of 1a is really counted


def test_rebuild_recomputes_the_table_and_nothing_is_synced(app: Flask, school: OverviewSeed) -> None:
    db: Database = app.extensions["zszo_db"]
    with db.transaction() as session:
        before = session.execute(text("SELECT * FROM attendance_month_count ORDER BY 1, 2, 3, 4")).all()
        # Oct, 1a: 19 records counted + Ewa released once (tests/overview/test_views.py): 20 records in all.
        assert sum(row.lessons for row in before) == 20 == session.scalar(select(func.count(Attendance.id)))
        session.execute(text("UPDATE attendance_month_count SET lessons = lessons + 5"))
        session.execute(text("INSERT INTO attendance_month_count VALUES ('x', '2020-01-01', 'y', 'absent', 3)"))
        assert len(summary.differences(session)) == len(before) + 1
        assert summary.rebuild(session) == len(before)
        assert session.execute(text("SELECT * FROM attendance_month_count ORDER BY 1, 2, 3, 4")).all() == before
        assert summary.differences(session) == []
        assert session.scalar(select(func.count()).select_from(OutboxChange).where(
            OutboxChange.entity == summary.TABLE)) == 0
        assert session.scalar(select(func.count()).select_from(Lesson)) == 5


def test_rebuild_command(app: Flask, school: OverviewSeed, tmp_path: Path) -> None:
    settings = app.config["ZSZO_SETTINGS"]
    node_toml = tmp_path / "node.toml"
    node_toml.write_text(render_toml(config.OPTIONS, {"paths.data_dir": str(settings["paths.data_dir"]),
                                                      "web.require_totp": False}), encoding="utf-8")
    db: Database = app.extensions["zszo_db"]
    with db.transaction() as session:
        rows = session.scalar(select(func.count()).select_from(summary.AttendanceMonthCount))
        # Adam's October absences in 1a are the only "absent" row (tests/overview/test_views.py).
        session.execute(text("UPDATE attendance_month_count SET lessons = lessons + 1 WHERE code = 'absent'"))
    result = CliRunner().invoke(main, ["node", "-c", str(node_toml), "rebuild-summaries"])
    assert result.exit_code == 0, result.output
    assert f"attendance_month_count: {rows} rows; 1 differed from the records before the rebuild" in result.output
    with db.read_session() as session:
        assert summary.differences(session) == []
