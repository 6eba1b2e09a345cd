"""The lesson page and its save hold the SQLite write lock only for their own writes: reading,
checking and rendering happen before ``BEGIN IMMEDIATE``, the audit row of a read is written after
the page has rendered (and the page is not shown if it cannot be), and a failed save writes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from node_agent.attendance.models import Attendance, Lesson
from node_agent.audit import operations as audit_ops
from node_agent.audit.models import AuditEvent
from node_agent.db import Database
from tests.attendance.factories import Week
from tests.attendance.test_web_lessons import lesson_url
from tests.node.web_factories import Web
from tests.node.write_lock import write_transactions

AUDIT = ["SELECT audit_event", "INSERT audit_event"]


def audit_rows(db: Database) -> list[tuple[str, str, str]]:
    with db.read_session() as session:
        return [(e.username, e.action, e.entity) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]


def test_the_page_takes_the_lock_only_for_its_audit_row(as_user: Callable[[str], Web], week: Week,
                                                         db: Database) -> None:
    teacher = as_user("nauczyciel")
    before = len(audit_rows(db))
    with write_transactions(db) as writes:
        assert teacher.get(lesson_url(week)).status_code == 200
    assert writes == [AUDIT]
    assert audit_rows(db)[before:] == [("nauczyciel", "read", "lesson")]
    with db.read_session() as session:
        assert audit_ops.verify_chain(session) is None


def test_a_save_holds_the_lock_only_for_its_statements(as_user: Callable[[str], Web], week: Week,
                                                      db: Database) -> None:
    teacher = as_user("nauczyciel")
    url, absent = lesson_url(week), week.pupils_1a[2]
    token = teacher.token(url)
    with write_transactions(db) as writes:
        response = teacher.client.post(url, data={"csrf_token": token, "topic": "Ułamki", "realised": "y",
                                                  f"code-{absent}": "absent"})
    assert response.status_code == 302
    assert writes == [["SELECT lesson", "INSERT lesson", "INSERT attendance", *AUDIT]]
    with write_transactions(db) as writes:  # saved again: one code changes, the lesson row stays as it is
        response = teacher.client.post(url, data={"csrf_token": token, "topic": "Ułamki", "realised": "y",
                                                  f"code-{absent}": "late"})
    assert response.status_code == 302
    assert writes == [["SELECT lesson", "UPDATE lesson", "SELECT attendance", "UPDATE attendance", *AUDIT]]
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Lesson)) == 1
        codes = dict(session.execute(select(Attendance.pupil_id, Attendance.code)).all())
        assert codes == {p: ("late" if p == absent else "present") for p in week.pupils_1a}
        assert audit_ops.verify_chain(session) is None


def test_a_failed_save_takes_no_lock_and_writes_nothing(as_user: Callable[[str], Web], week: Week,
                                                       db: Database) -> None:
    teacher = as_user("nauczyciel")
    url = lesson_url(week)
    token = teacher.token(url)
    before = audit_rows(db)
    with write_transactions(db) as writes:
        response = teacher.client.post(url, data={"csrf_token": token, "topic": "", "realised": "y"})
    assert response.status_code == 422
    assert writes == []
    assert audit_rows(db) == before
    with db.read_session() as session:
        assert session.scalar(select(Lesson)) is None


def test_no_page_is_shown_when_its_audit_row_cannot_be_written(app: Flask, as_user: Callable[[str], Web],
                                                               week: Week, db: Database,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    teacher = as_user("nauczyciel")

    def broken(*_args: object, **_kw: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(audit_ops, "record_many", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = teacher.get(lesson_url(week))
    assert response.status_code == 500
    assert "Ułamki" not in response.get_data(as_text=True) and 'name="topic"' not in response.get_data(as_text=True)
