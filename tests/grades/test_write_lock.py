"""A column of grades is checked without the write lock and written under it with one multi-row
insert for the grades, one for their history and one for the audit rows, however many pupils."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from node_agent.audit import operations as audit_ops
from node_agent.audit.models import AuditEvent
from node_agent.grades.models import Grade, GradeHistory
from tests.grades.factories import GradesSeed
from tests.grades.test_web_grades import column
from tests.node.web_factories import Web
from tests.node.write_lock import write_transactions


def post_column(app: Flask, teacher: Web, grades: GradesSeed, symbols: list[str]) -> tuple[int, list[list[str]]]:
    """Send a column of maths grades; return the status and the statements of each write transaction."""
    path = f"/grades/{grades.maths}/series"
    token = teacher.token(path)
    with write_transactions(app.extensions["zszo_db"]) as writes:
        response = teacher.client.post(path, data={"csrf_token": token, **column(grades, symbols)})
    return response.status_code, writes


def test_a_column_holds_the_lock_only_for_its_inserts(app: Flask, as_user: Callable[[str], Web],
                                                      grades: GradesSeed) -> None:
    db = app.extensions["zszo_db"]
    status, writes = post_column(app, as_user("nauczyciel"), grades, ["5+", "4", "np", ""])
    assert status == 302
    assert writes == [["INSERT grade", "INSERT grade_history", "SELECT audit_event", "INSERT audit_event"]]
    with db.read_session() as session:
        saved = {g.id: g for g in session.scalars(select(Grade))}
        assert sorted(g.symbol for g in saved.values()) == ["4", "5+", "np"]
        assert len({g.series_id for g in saved.values()}) == 1
        history = {h.record_id: h for h in session.scalars(select(GradeHistory))}
        assert set(history) == set(saved)
        for grade_id, h in history.items():
            after = json.loads(h.after)
            assert (h.action, h.before, h.username) == ("create", None, "nauczyciel")
            assert (after["symbol"], after["given_on"]) == (saved[grade_id].symbol,
                                                             saved[grade_id].given_on.isoformat())
        audited = [e.record_id for e in session.scalars(select(AuditEvent).where(AuditEvent.entity == "grade"))]
        assert sorted(audited) == sorted(saved)
        assert audit_ops.verify_chain(session) is None


def test_a_column_with_a_bad_symbol_takes_no_lock(app: Flask, as_user: Callable[[str], Web],
                                                 grades: GradesSeed) -> None:
    assert post_column(app, as_user("nauczyciel"), grades, ["5", "7", "4", ""]) == (422, [])
