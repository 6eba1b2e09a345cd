"""Timetable, lesson log and attendance travel to the hub like every other school record: captured
on the node, sent in a signed batch, validated and merged into the warehouse (topics kept, no
names), with a bad record rejected on its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from node_agent.attendance import operations as ops
from node_agent.attendance.models import Attendance
from node_agent.school import operations as school_ops
from node_agent.timetable import operations as tt_ops
from node_agent.timetable.queries import planned_lesson
from tests.sync.helpers import RSPO_A, YEAR_START, HubServer, SchoolNode, fill_register


def test_lessons_and_attendance_reach_the_warehouse(hub_factory: Callable[..., HubServer],
                                                    node_factory: Callable[..., SchoolNode]) -> None:
    hub = hub_factory(warehouse=True)
    node = node_factory("a", hub_url=hub.url)
    node.enrol(hub.url, hub.issue_token(RSPO_A))
    reg = fill_register(node, pupils=4, doc_only=0)
    monday = YEAR_START + dt.timedelta(days=(7 - YEAR_START.weekday()) % 7 + 28)  # a Monday in October
    with node.db.transaction() as session:
        subject = school_ops.save_subject(session, {"code": "MAT", "name": "matematyka"})
        tt_ops.save_bell_time(session, {"number": 1, "starts_at": "08:00", "ends_at": "08:45"})
        entry = tt_ops.add_entry(session, {"class_id": reg.class_ids[0], "weekday": 1, "lesson_number": 1,
                                           "subject_id": subject.id, "staff_member_id": reg.staff_ids[0],
                                           "room": "12", "valid_from": YEAR_START})
        tt_ops.save_day_off(session, {"day": monday + dt.timedelta(days=1), "reason": "Dzień wolny dyrektora"})
        tt_ops.save_substitution(session, {"timetable_entry_id": entry.id, "lesson_date": monday + dt.timedelta(7),
                                           "staff_member_id": reg.staff_ids[1]})
        pupils_a = [p["id"] for i, p in enumerate(reg.pupils) if i % 2 == 0]
        lesson = ops.save_lesson(session, planned_lesson(session, entry.id, monday), reg.staff_ids[0],
                                 topic="Ułamki zwykłe", realised=True, codes={pupils_a[0]: "absent"})
        absent = session.scalars(select(Attendance.id).where(Attendance.code == "absent")).all()
        ops.excuse(session, reg.staff_ids[0], reg.class_ids[0], absent)
        lesson_id, entry_id = lesson.id, entry.id
    assert node.sync().ok
    report = hub.merge()
    assert report.rejected == 0
    cur = hub.warehouse.cursor()
    assert cur.execute("SELECT number, starts_at, ends_at FROM bell_time").fetchall() == [(1, "08:00", "08:45")]
    assert cur.execute("SELECT CAST(id AS VARCHAR), weekday, room FROM timetable_entry").fetchall() == [
        (entry_id, 1, "12")]
    assert cur.execute("SELECT CAST(id AS VARCHAR), topic, realised FROM lesson").fetchall() == [
        (lesson_id, "Ułamki zwykłe", True)]
    rows = cur.execute("SELECT CAST(pupil_id AS VARCHAR), code, CAST(excused_by AS VARCHAR) FROM attendance "
                       "ORDER BY code").fetchall()
    assert sorted(rows) == sorted([(pupils_a[0], "excused", reg.staff_ids[0]), (pupils_a[1], "present", None)])
    assert cur.execute("SELECT count(*) FROM day_off").fetchone() == (1,)
    assert cur.execute("SELECT count(*) FROM substitution").fetchone() == (1,)
