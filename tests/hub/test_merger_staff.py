"""The warehouse accepts the staff entities: promotion grade, qualifications (document number dropped),
employment with its FTE fraction, subjects; an FTE above one post is rejected by the merger's SQL rule."""

from __future__ import annotations

from node_agent.school import operations as school_ops
from node_agent.staff import operations as staff_ops
from protocol.fields import new_id
from tests.hub.test_merger import hub, node, rejections, sync_and_merge, warehouse_counts  # noqa: F401 - fixtures


def test_staff_entities_reach_the_warehouse(hub, node) -> None:  # noqa: F811 - pytest fixtures
    with node.db.transaction() as session:
        member = staff_ops.save_staff_member(session, {"first_name": "Halina", "last_name": "Wrona",
                                                       "position": "teacher", "promotion_grade": "chartered"})
        staff_ops.save_qualification(session, member, {"kind": "masters", "field_of_study": "fizyka",
                                                       "document_number": "123/2001"})
        job = staff_ops.save_employment(session, member, {"basis": "appointment", "starts_on": "2001-09-01",
                                                          "fte_numerator": 13, "fte_denominator": 18,
                                                          "teaching_hours_norm": 18})
        subject = school_ops.save_subject(session, {"code": "FIZ", "name": "fizyka"})
        staff_ops.set_subjects(session, member, [subject.id])
        member_id, job_id = member.id, job.id
    conn = node.raw()
    try:  # a tool writing past the node's checks: one employment of 20/18
        bad = new_id()
        conn.execute("INSERT INTO staff_employment (id, staff_member_id, basis, starts_on, fte_numerator, "
                     "fte_denominator) VALUES (?, ?, 'employment_contract', '2020-09-01', 20, 18)", (bad, member_id))
        conn.commit()
    finally:
        conn.close()
    report = sync_and_merge(node, hub)
    assert report.rejected == 1
    assert [r[1:] for r in rejections(hub)] == [("staff_employment", bad, "fte_numerator", "fte_above_one")]
    counts = warehouse_counts(hub)
    assert (counts["staff_qualification"], counts["staff_employment"], counts["staff_subject"]) == (1, 1, 1)
    cur = hub.warehouse.cursor()
    assert cur.execute("SELECT promotion_grade FROM staff_member WHERE id = ?", [member_id]).fetchone() == (
        "chartered",)
    assert cur.execute("SELECT basis, fte_numerator, fte_denominator, teaching_hours_norm FROM staff_employment "
                       "WHERE id = ?", [job_id]).fetchone() == ("appointment", 13, 18, 18)
    columns = {c for c, in cur.execute("SELECT column_name FROM information_schema.columns "
                                       "WHERE table_name = 'staff_qualification'").fetchall()}
    assert "document_number" not in columns and "field_of_study" in columns
