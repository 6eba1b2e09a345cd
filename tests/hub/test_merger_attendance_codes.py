"""A school's own attendance codes in the warehouse: an ``attendance_code`` row and attendance rows of
version 2 carrying ``school_code_id`` are merged as sent, a version 1 row from a node on the previous
release is upcast beside them (no school code), and the analytical model counts every row under its
standard kind (school business as present, a release not counted), never under the school's mark."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from node_agent.attendance import operations as ops
from node_agent.school import operations as school_ops
from node_agent.timetable import operations as tt_ops
from node_agent.timetable.queries import planned_lesson
from protocol.changes import Change
from protocol.entities import schema_set
from protocol.fields import new_id
from tests.sync.conftest import hub_factory, node_factory  # noqa: F401 - fixtures
from tests.sync.helpers import RSPO_A, YEAR_START, HubServer, SchoolNode, Sender, fill_register

MONDAY = YEAR_START + dt.timedelta(days=(7 - YEAR_START.weekday()) % 7 + 28)  # a Monday in October


def test_school_codes_merge_and_count_under_their_standard_kind(
        hub_factory: Callable[..., HubServer], node_factory: Callable[..., SchoolNode]) -> None:  # noqa: F811
    hub = hub_factory(warehouse=True)
    node = node_factory("a", hub_url=hub.url)
    node.enrol(hub.url, hub.issue_token(RSPO_A))
    reg = fill_register(node, pupils=6, doc_only=0)
    class_a = [p["id"] for i, p in enumerate(reg.pupils) if i % 2 == 0]
    class_b = [p["id"] for i, p in enumerate(reg.pupils) if i % 2 == 1]
    with node.db.transaction() as session:
        subject = school_ops.save_subject(session, {"code": "MAT", "name": "matematyka"})
        tt_ops.save_bell_time(session, {"number": 1, "starts_at": "08:00", "ends_at": "08:45"})
        entries = [tt_ops.add_entry(session, {"class_id": class_id, "weekday": 1, "lesson_number": 1,
                                              "subject_id": subject.id, "staff_member_id": teacher, "room": "12",
                                              "valid_from": YEAR_START})
                   for class_id, teacher in zip(reg.class_ids[:2], reg.staff_ids[:2], strict=True)]
        trip = ops.save_attendance_code(session, {"mark": "wyc", "name": "Wycieczka szkolna",
                                                  "kind": "school_reason", "active": True})
        released = ops.save_attendance_code(session, {"mark": "zwr", "name": "Zwolniony na prośbę rodzica",
                                                      "kind": "released", "active": True})
        lesson = ops.save_lesson(session, planned_lesson(session, entries[0].id, MONDAY), reg.staff_ids[0],
                                 topic="Ułamki zwykłe", realised=True,
                                 codes={class_a[0]: trip.id, class_a[1]: released.id, class_a[2]: "absent"})
        trip_id, released_id, lesson_a = trip.id, released.id, lesson.id
    assert node.sync().ok
    assert hub.merge().rejected == 0

    # A node still on the previous release logs class B's lesson: attendance version 1 (no school codes).
    previous = Sender(hub, node.state()["node_id"], node.keys, RSPO_A, hub.public, epoch="previous-release")
    lesson_b, late = new_id(), new_id()
    lines = [
        Change(seq=1, entity="lesson", v=1, pk=lesson_b, op="upsert", ts=1_790_000_000_001,
               data={"id": lesson_b, "timetable_entry_id": entries[1].id, "lesson_date": MONDAY.isoformat(),
                     "staff_member_id": reg.staff_ids[1], "topic": "Potęgi", "realised": True}).to_json(),
        Change(seq=2, entity="attendance", v=1, pk=late, op="upsert", ts=1_790_000_000_002,
               data={"id": late, "lesson_id": lesson_b, "pupil_id": class_b[0], "code": "late",
                     "excused_by": None}).to_json(),
    ]
    response = hub.post_batch(previous.seal(lines, first_seq=1, schema={**schema_set(), "attendance": 1}))
    assert response.status_code == 200 and response.json()["ack"]["status"] == "accepted"
    report = hub.merge()
    assert (report.applied, report.rejected) == (2, 0)
    hub.warehouse.refresh_model(hub.db)  # the hub's setting spaces refreshes out; the dashboards' next one, now

    cur = hub.warehouse.cursor()
    assert cur.execute("SELECT CAST(id AS VARCHAR), mark, name, kind, active FROM attendance_code ORDER BY mark"
                       ).fetchall() == [(trip_id, "wyc", "Wycieczka szkolna", "school_reason", True),
                                        (released_id, "zwr", "Zwolniony na prośbę rodzica", "released", True)]
    stored = cur.execute("SELECT CAST(pupil_id AS VARCHAR), CAST(lesson_id AS VARCHAR), code, "
                         "CAST(school_code_id AS VARCHAR) FROM attendance").fetchall()
    assert sorted(stored) == sorted([(class_a[0], lesson_a, "school_reason", trip_id),
                                     (class_a[1], lesson_a, "released", released_id),
                                     (class_a[2], lesson_a, "absent", None),
                                     (class_b[0], lesson_b, "late", None)])  # v1, upcast: no school code
    # every row with a school code carries that code's standard kind
    assert cur.execute("SELECT count(*) FROM attendance a JOIN attendance_code c ON c.id = a.school_code_id "
                       "WHERE a.code <> c.kind").fetchone() == (0,)

    facts = {pupil: (code, present, counted) for pupil, code, present, counted in cur.execute(
        "SELECT CAST(a.pupil_id AS VARCHAR), f.code, f.present, f.counted FROM fact_attendance f "
        "JOIN attendance a ON a.id = f.attendance_id").fetchall()}
    assert facts == {class_a[0]: ("school_reason", True, True),  # a school trip counts as present
                     class_a[1]: ("released", False, False),  # a release is not counted at all
                     class_a[2]: ("absent", False, True),
                     class_b[0]: ("late", True, True)}
    months = cur.execute("SELECT CAST(class_id AS VARCHAR), month, counted, present, absent, unexcused, late, "
                         "released FROM agg_attendance_class_month ORDER BY level, letter").fetchall()
    october = MONDAY.replace(day=1)
    assert months == [(reg.class_ids[0], october, 2, 1, 1, 1, 0, 1),
                      (reg.class_ids[1], october, 1, 1, 0, 0, 1, 0)]
