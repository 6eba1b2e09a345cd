"""Notes, homework and announcements travel like every other record of the school: captured in the
outbox in the writing transaction (deletions too), sent to a real hub and merged into the warehouse,
where a note's text and an announcement's body are dropped. Messages between staff never enter the
outbox: they stay at the school (docs/architecture.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select

from node_agent.grades.operations import Actor
from node_agent.journal import operations as ops
from node_agent.journal.models import BehaviourNote, Homework, JournalHistory
from node_agent.messages.models import Message, MessageRecipient
from node_agent.register.models import ClassUnit
from node_agent.school import operations as school_ops
from tests.grades.factories import assignment
from tests.sync.conftest import hub_factory, node_factory  # noqa: F401 - fixtures
from tests.sync.helpers import RSPO_A, YEAR_START, HubServer, SchoolNode, fill_register


def test_a_rolled_back_note_leaves_nothing_in_the_outbox(node_factory: Callable[..., SchoolNode]) -> None:  # noqa: F811
    node = node_factory("a")
    reg = fill_register(node, pupils=2, doc_only=0)
    before = len(node.outbox())
    with pytest.raises(RuntimeError), node.db.transaction() as session:
        ops.add_note(session, Actor("t", reg.staff_ids[0]), session.get(ClassUnit, reg.class_ids[0]),
                     pupil_id=reg.pupils[0]["id"], kind="neutral", category="other", text="Spóźnił się.",
                     noted_on=YEAR_START, audience="staff")
        assert [e for _s, e, *_ in node.outbox()][before:] == []  # other connection: not committed yet
        raise RuntimeError("the request failed after the write")
    assert len(node.outbox()) == before


def test_journal_records_are_captured_synced_and_merged(hub_factory: Callable[..., HubServer],  # noqa: F811
                                                        node_factory: Callable[..., SchoolNode]) -> None:  # noqa: F811
    hub = hub_factory(warehouse=True)
    node = node_factory("a", hub_url=hub.url)
    node.enrol(hub.url, hub.issue_token(RSPO_A))
    reg = fill_register(node, pupils=4, doc_only=0)
    teacher = Actor("nauczyciel", reg.staff_ids[0])
    with node.db.transaction() as session:
        class_a = session.get(ClassUnit, reg.class_ids[0])
        subject = school_ops.save_subject(session, {"code": "MAT", "name": "matematyka"})
        maths = assignment(session, reg.staff_ids[0], subject.id, reg.class_ids[0], YEAR_START)
        kept = ops.add_note(session, teacher, class_a, pupil_id=reg.pupils[0]["id"], kind="positive",
                            category="activity", text="Pomógł koledze.", noted_on=YEAR_START, audience="families")
        dropped = ops.add_note(session, teacher, class_a, pupil_id=reg.pupils[2]["id"], kind="negative",
                               category="conduct", text="Pomyłka.", noted_on=YEAR_START, audience="staff")
        ops.set_homework(session, teacher, maths, set_on=YEAR_START, due_on=YEAR_START + dt.timedelta(days=3),
                         description="Zadania 1–5, str. 42", audience="families")
        ops.add_announcement(session, teacher, title="Wycieczka", body="Zbiórka o 8:00 pod szkołą.",
                             valid_from=YEAR_START, valid_to=YEAR_START + dt.timedelta(days=2), scope="classes",
                             class_ids=[reg.class_ids[0]], audience="families")
        dropped_id = dropped.id
        message = Message(sender_id=reg.staff_ids[0], subject="Rada", body="Jutro o 15:00.")
        session.add(message)
        session.flush()
        session.add(MessageRecipient(message_id=message.id, recipient_kind="staff", recipient_id=reg.staff_ids[1]))
    with node.db.transaction() as session:
        ops.delete_note(session, teacher, session.get(BehaviourNote, dropped_id))

    journal = [(entity, op) for _seq, entity, op, _pk, _data in node.outbox()
               if entity in ("behaviour_note", "homework", "announcement", "announcement_class")]
    assert journal == [("behaviour_note", "upsert"), ("behaviour_note", "upsert"), ("homework", "upsert"),
                       ("announcement", "upsert"), ("announcement_class", "upsert"), ("behaviour_note", "delete")]
    assert not [e for _s, e, *_ in node.outbox() if e.startswith("message")]

    assert node.sync().ok
    assert hub.merge() is not None
    cur = hub.warehouse.cursor()
    assert cur.execute("SELECT CAST(id AS VARCHAR), kind, category, audience FROM behaviour_note").fetchall() == [
        (kept.id, "positive", "activity", "families")]
    assert cur.execute("SELECT description, due_on - set_on FROM homework").fetchall() == [("Zadania 1–5, str. 42", 3)]
    assert cur.execute("SELECT title, scope FROM announcement").fetchall() == [("Wycieczka", "classes")]
    assert cur.execute("SELECT count(*) FROM announcement_class").fetchone()[0] == 1
    columns = {(t, c) for t, c in cur.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_name IN ('behaviour_note', 'announcement')").fetchall()}
    assert ("behaviour_note", "text") not in columns and ("announcement", "body") not in columns
    assert ("behaviour_note", "kind") in columns and ("announcement", "title") in columns
    assert not cur.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'message%'"
                           ).fetchall()
    assert cur.execute("SELECT count(*) FROM rejected_change").fetchone()[0] == 0


def test_an_edit_reaches_the_hub_as_a_new_version_of_the_same_record(
        hub_factory: Callable[..., HubServer], node_factory: Callable[..., SchoolNode]) -> None:  # noqa: F811
    hub = hub_factory(warehouse=True)
    node = node_factory("a", hub_url=hub.url)
    node.enrol(hub.url, hub.issue_token(RSPO_A))
    reg = fill_register(node, pupils=2, doc_only=0)
    teacher, tutor = Actor("nauczyciel", reg.staff_ids[0]), Actor("wychowawca", reg.staff_ids[1])
    with node.db.transaction() as session:
        subject = school_ops.save_subject(session, {"code": "MAT", "name": "matematyka"})
        maths = assignment(session, reg.staff_ids[0], subject.id, reg.class_ids[0], YEAR_START)
        note_id = ops.add_note(session, teacher, session.get(ClassUnit, reg.class_ids[0]),
                               pupil_id=reg.pupils[0]["id"], kind="positive", category="activity",
                               text="Pomógł koledze.", noted_on=YEAR_START, audience="families").id
        homework_id = ops.set_homework(session, teacher, maths, set_on=YEAR_START,
                                       due_on=YEAR_START + dt.timedelta(days=3), description="Zadania 1–5",
                                       audience="families").id
    assert node.sync().ok and hub.merge() is not None
    with node.db.transaction() as session:
        ops.edit_note(session, tutor, session.get(BehaviourNote, note_id), kind="negative", category="conduct",
                      text="Przeszkadzał.", noted_on=YEAR_START + dt.timedelta(days=1), audience="staff")
        ops.edit_homework(session, teacher, session.get(Homework, homework_id), set_on=YEAR_START,
                          due_on=YEAR_START + dt.timedelta(days=7), description="Zadania 1–9", audience="families")
    edits = [(entity, op, pk) for _seq, entity, op, pk, _data in node.outbox()
             if entity in ("behaviour_note", "homework")]
    assert edits == [("behaviour_note", "upsert", note_id), ("homework", "upsert", homework_id)]  # sent ones trimmed
    with node.db.read_session() as session:
        assert session.scalars(select(JournalHistory.action).where(JournalHistory.record_id == note_id)
                               .order_by(JournalHistory.id)).all() == ["create", "update"]
    assert node.sync().ok and hub.merge() is not None
    cur = hub.warehouse.cursor()
    assert cur.execute("SELECT CAST(id AS VARCHAR), kind, category, noted_on - ?, audience FROM behaviour_note",
                       [YEAR_START]).fetchall() == [(note_id, "negative", "conduct", 1, "staff")]
    assert cur.execute("SELECT description, due_on - set_on FROM homework").fetchall() == [("Zadania 1–9", 7)]
    assert cur.execute("SELECT count(*) FROM rejected_change").fetchone()[0] == 0
