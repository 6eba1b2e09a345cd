"""Grades travel like every other record of the school: captured in the outbox in the writing
transaction (edits and deletions too), sent to a real hub and merged into the warehouse, where the
descriptive assessment's text is dropped."""

from __future__ import annotations

from collections.abc import Callable

from node_agent.grades import operations as ops
from node_agent.grades import settings as grade_settings
from node_agent.grades.models import Grade
from node_agent.register.models import ClassUnit
from node_agent.school import operations as school_ops
from node_agent.staff.models import TeachingAssignment
from tests.grades.factories import assignment
from tests.sync.conftest import hub_factory, node_factory  # noqa: F401 - fixtures
from tests.sync.helpers import RSPO_A, YEAR_START, HubServer, SchoolNode, fill_register


def test_grades_are_captured_synced_and_merged(hub_factory: Callable[..., HubServer],  # noqa: F811
                                               node_factory: Callable[..., SchoolNode]) -> None:  # noqa: F811
    hub = hub_factory(warehouse=True)
    node = node_factory("a", hub_url=hub.url)
    node.enrol(hub.url, hub.issue_token(RSPO_A))
    reg = fill_register(node, pupils=4, doc_only=0)
    teacher = ops.Actor("nauczyciel", reg.staff_ids[0])
    with node.db.transaction() as session:
        subject = school_ops.save_subject(session, {"code": "MAT", "name": "matematyka"})
        maths = assignment(session, reg.staff_ids[0], subject.id, reg.class_ids[0], YEAR_START)
        grade_settings.add_standard_categories(session)
        test_id = next(c.id for c in grade_settings.categories(session) if c.name == "sprawdzian")
        in_class = [p["id"] for p in reg.pupils[0::2]]
        added = ops.add_series(session, teacher, maths, category_id=test_id, given_on=YEAR_START, description="ułamki",
                               symbols={in_class[0]: "5+", in_class[1]: "np"}, labels={})
        ops.set_term_grades(session, teacher, maths, period="term", stage="proposed", values={in_class[0]: "5"},
                            labels={}, today=YEAR_START)
        ops.set_descriptive(session, teacher, session.get(ClassUnit, reg.class_ids[0]), period="term",
                            texts={in_class[0]: "Czyta płynnie."}, labels={}, today=YEAR_START)
    with node.db.transaction() as session:
        ops.update_grade(session, teacher, session.get(Grade, added[1].id), symbol="4", category_id=test_id,
                         given_on=YEAR_START, description=None)
        assert session.get(TeachingAssignment, maths.id) is not None

    outbox = [(entity, op, data and data.get("symbol")) for _seq, entity, op, _pk, data in node.outbox()
              if entity == "grade"]
    assert outbox == [("grade", "upsert", "5+"), ("grade", "upsert", "np"), ("grade", "upsert", "4")]

    assert node.sync().ok
    report = hub.merge()
    assert report is not None
    cur = hub.warehouse.cursor()
    assert sorted(cur.execute("SELECT symbol, description FROM grade").fetchall()) == [("4", None),
                                                                                       ("5+", "ułamki")]
    assert cur.execute("SELECT count(*) FROM grade_category").fetchone()[0] == 6
    assert cur.execute("SELECT period, stage, value FROM term_grade").fetchall() == [("term", "proposed", 5)]
    columns = {row[0] for row in cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'descriptive_assessment'").fetchall()}
    assert "text" not in columns and "period" in columns
    assert cur.execute("SELECT count(*) FROM rejected_change").fetchone()[0] == 0
