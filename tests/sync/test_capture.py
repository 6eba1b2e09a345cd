"""Change capture on the node: every write path lands in ``sync_outbox`` in the same transaction.

The ORM, bulk UPDATE/DELETE statements, sqlite-utils and raw sqlite3 all go through the
triggers; rolled-back work leaves neither a row nor a hole in the sequence; cascades and
REPLACE conflicts are captured as deletes; a synced row's id cannot change; start-up verifies
triggers and pragmas.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
import sqlite_utils
from sqlalchemy import create_engine, delete, update
from sqlalchemy.exc import IntegrityError

from node_agent.db import current_revision, head_revision, prepare
from node_agent.register import operations as register
from node_agent.register.models import Enrolment, Guardian, Pupil, PupilGuardian
from node_agent.school.models import Subject
from node_agent.staff.models import StaffMember
from node_agent.sync import capture
from protocol import pesel
from protocol.entities import ENTITIES
from protocol.fields import new_id
from tests.sync.helpers import SchoolNode, fill_register
from zszo import sqlite as zsqlite

SUBJECT_A, SUBJECT_B, SUBJECT_C = (f"00000000-0000-4000-8000-00000000000{i}" for i in (1, 2, 3))


def new_rows(node: SchoolNode, after: int) -> list[tuple]:
    """Outbox rows after sequence number ``after``."""
    return [row for row in node.outbox() if row[0] > after]


def test_orm_write_is_captured_with_wire_types(node_db: SchoolNode) -> None:
    """Booleans travel as JSON true/false, dates as ISO text, fields in registry order."""
    before = node_db.last_seq()
    reg = fill_register(node_db, pupils=1, doc_only=0)
    rows = new_rows(node_db, before)
    assert [r[0] for r in rows] == list(range(before + 1, before + 1 + len(rows)))  # gap-free
    by_entity: dict[str, list[dict]] = {}
    for _, entity, op, pk, data in rows:
        assert op == "upsert" and data["id"] == pk
        assert list(data) == list(ENTITIES[entity].field_names)
        by_entity.setdefault(entity, []).append(data)
    assert sorted(by_entity) == ["class_unit", "enrolment", "guardian", "pupil", "pupil_guardian",
                                 "school_year", "staff_member"]
    assert by_entity["school_year"] == [{"id": reg.year_id, "label": "2026/2027", "starts_on": "2026-09-01",
                                         "ends_on": "2027-06-25"}]
    assert [s["active"] for s in by_entity["staff_member"]] == [True, True]
    link = by_entity["pupil_guardian"][0]
    assert link["legal_custody"] is True and link["may_receive_info"] is False
    pupil = reg.pupils[0]
    assert by_entity["pupil"] == [{
        "id": pupil["id"], "pesel": pupil["pesel"], "document_type": None, "document_number": None,
        "first_name": "Zofia", "second_name": None, "last_name": "Wiśniewska", "birth_date": "2018-01-01",
        "birth_place": None, "sex": "F", "street": None, "postal_code": "26-600", "city": "Radom",
        "register_number": None,
    }]
    assert by_entity["enrolment"][0]["starts_on"] == "2026-09-01"
    assert by_entity["enrolment"][0]["ends_on"] is None
    assert by_entity["class_unit"][0]["level"] == 3  # an integer, not text
    # The raw column holds JSON literals, not SQLite's 0/1.
    with node_db.raw() as conn:
        raw = conn.execute("SELECT data FROM sync_outbox WHERE entity = 'pupil_guardian'").fetchone()[0]
    assert '"legal_custody":true' in raw and '"may_receive_info":false' in raw


def test_every_synced_row_has_a_change_record(node_db: SchoolNode) -> None:
    """No synced row without a change: the latest captured op of every row is its upsert."""
    fill_register(node_db, pupils=4, doc_only=1)
    latest: dict[tuple[str, str], tuple[str, dict]] = {}
    for _, entity, op, pk, data in node_db.outbox():
        latest[(entity, pk)] = (op, data)
    with node_db.raw() as conn:
        for name, entity in ENTITIES.items():
            columns = ", ".join(entity.field_names)
            for row in conn.execute(f"SELECT {columns} FROM {name}"):
                op, data = latest[(name, row[0])]
                assert op == "upsert"
                assert data["id"] == row[0]


def test_bulk_update_statement_is_captured(node_db: SchoolNode) -> None:
    reg = fill_register(node_db, pupils=3, doc_only=0)
    before = node_db.last_seq()
    with node_db.db.transaction() as session:
        session.execute(update(Pupil).where(Pupil.city == "Radom").values(city="Kraków", street="ul. Długa 1"))
    rows = new_rows(node_db, before)
    assert [(r[1], r[2]) for r in rows] == [("pupil", "upsert")] * 3
    assert sorted(r[3] for r in rows) == sorted(p["id"] for p in reg.pupils)
    for _, _, _, pk, data in rows:
        original = next(p for p in reg.pupils if p["id"] == pk)
        assert data["city"] == "Kraków" and data["street"] == "ul. Długa 1"
        assert data["pesel"] == original["pesel"] and data["last_name"] == original["last_name"]


def test_bulk_delete_statement_is_captured_with_cascades(node_db: SchoolNode) -> None:
    """Deleting guardians in bulk also deletes their links (ON DELETE CASCADE): both captured."""
    reg = fill_register(node_db, pupils=2, doc_only=0)
    with node_db.db.read_session() as session:
        links = {g.id: [link.id for link in g.pupil_links] for g in session.query(Guardian)}
    before = node_db.last_seq()
    with node_db.db.transaction() as session:
        session.execute(delete(Guardian))
    rows = new_rows(node_db, before)
    assert all(r[2] == "delete" and r[4] is None for r in rows)
    assert sorted((r[1], r[3]) for r in rows) == sorted(
        [("guardian", g["id"]) for g in reg.guardians]
        + [("pupil_guardian", link) for ids in links.values() for link in ids])
    assert node_db.count("pupil_guardian") == 0


def test_pupil_delete_cascades_to_links_and_enrolments(node_db: SchoolNode) -> None:
    reg = fill_register(node_db, pupils=2, doc_only=0)
    victim = reg.pupils[0]["id"]
    with node_db.db.read_session() as session:
        link_ids = [link.id for link in session.query(PupilGuardian).filter_by(pupil_id=victim)]
        enrolment_ids = [e.id for e in session.query(Enrolment).filter_by(pupil_id=victim)]
    assert len(link_ids) == 1 and len(enrolment_ids) == 1
    before = node_db.last_seq()
    with node_db.db.transaction() as session:
        session.execute(delete(Pupil).where(Pupil.id == victim))
    rows = new_rows(node_db, before)
    assert sorted((r[1], r[2], r[3]) for r in rows) == sorted([
        ("pupil", "delete", victim), ("pupil_guardian", "delete", link_ids[0]),
        ("enrolment", "delete", enrolment_ids[0])])
    assert node_db.count("guardian") == 2  # the guardian record itself stays


def test_sqlite_utils_insert_upsert_and_replace_are_captured(node_db: SchoolNode) -> None:
    before = node_db.last_seq()
    conn = node_db.raw()
    try:
        table = sqlite_utils.Database(conn)["subject"]
        table.insert({"id": SUBJECT_A, "code": "mat", "name": "Matematyka"})
        table.upsert({"id": SUBJECT_A, "code": "mat", "name": "Matematyka rozszerzona"}, pk="id")
        table.insert_all([{"id": SUBJECT_B, "code": "pol", "name": "Język polski"},
                          {"id": SUBJECT_C, "code": "his", "name": "Historia"}])
        # A REPLACE that evicts another row through the UNIQUE(code) constraint deletes that row.
        table.insert({"id": new_id(), "code": "his", "name": "Historia i teraźniejszość"}, replace=True)
        conn.commit()
    finally:
        conn.close()
    rows = new_rows(node_db, before)
    summary = [(r[2], r[3], r[4]["name"] if r[4] else None) for r in rows]
    assert summary[:5] == [
        ("upsert", SUBJECT_A, "Matematyka"),
        ("upsert", SUBJECT_A, "Matematyka rozszerzona"),
        ("upsert", SUBJECT_B, "Język polski"),
        ("upsert", SUBJECT_C, "Historia"),
        ("delete", SUBJECT_C, None),
    ]
    assert summary[5][0] == "upsert" and summary[5][2] == "Historia i teraźniejszość"
    assert len(rows) == 6


def test_raw_sqlite3_executemany_and_insert_or_replace_are_captured(node_db: SchoolNode) -> None:
    """Raw sqlite3, as a tool or a script would write: booleans still travel as true/false, and a
    REPLACE conflict's eviction is captured as a delete (recursive triggers are on)."""
    before = node_db.last_seq()
    staff = [(new_id(), "Ewa", "Kowalska", "teacher", 1), (new_id(), "Jan", "Nowak", "librarian", 0)]
    conn = node_db.raw()
    try:
        conn.executemany("INSERT INTO staff_member (id, first_name, last_name, position, active) "
                         "VALUES (?, ?, ?, ?, ?)", staff)
        conn.execute("INSERT INTO subject (id, code, name) VALUES (?, 'fiz', 'Fizyka')", (SUBJECT_A,))
        conn.execute("INSERT OR REPLACE INTO subject (id, code, name) VALUES (?, 'fiz', 'Fizyka i astronomia')",
                     (SUBJECT_B,))
        conn.commit()
    finally:
        conn.close()
    rows = new_rows(node_db, before)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("staff_member", "upsert", staff[0][0]), ("staff_member", "upsert", staff[1][0]),
        ("subject", "upsert", SUBJECT_A), ("subject", "delete", SUBJECT_A), ("subject", "upsert", SUBJECT_B)]
    assert rows[0][4] == {"id": staff[0][0], "first_name": "Ewa", "last_name": "Kowalska", "position": "teacher",
                          "email": None, "phone": None, "active": True, "promotion_grade": None}
    assert rows[1][4]["active"] is False


def test_rolled_back_transaction_leaves_no_row_and_no_gap(node_db: SchoolNode) -> None:
    before = node_db.last_seq()
    outbox_before = node_db.outbox()
    data = {"pesel": pesel.generate(dt.date(2018, 5, 5), "M", 7), "first_name": "Jan", "last_name": "Kot",
            "birth_date": "2018-05-05", "sex": "M"}
    with pytest.raises(RuntimeError, match="changed my mind"):
        with node_db.db.transaction() as session:
            register.save_pupil(session, data)
            assert session.query(Pupil).count() == 1
            raise RuntimeError("changed my mind")
    assert node_db.outbox() == outbox_before and node_db.count("pupil") == 0
    # Raw sqlite3 rollback, too.
    conn = node_db.raw()
    try:
        conn.execute("INSERT INTO subject (id, code, name) VALUES (?, 'x', 'X')", (SUBJECT_A,))
        conn.rollback()
    finally:
        conn.close()
    assert node_db.outbox() == outbox_before and node_db.last_seq() == before
    with node_db.db.transaction() as session:
        pupil = register.save_pupil(session, data)
    assert [(r[0], r[3]) for r in new_rows(node_db, before)] == [(before + 1, pupil.id)]


def test_failed_statement_inside_a_committed_transaction_leaves_no_gap(node_db: SchoolNode) -> None:
    """A multi-row INSERT failing on its third row is undone as a whole, sequence included."""
    before = node_db.last_seq()
    conn = node_db.raw()
    try:
        conn.execute("INSERT INTO subject (id, code, name) VALUES (?, 'bio', 'Biologia')", (SUBJECT_A,))
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed: subject.code"):
            conn.execute("INSERT INTO subject (id, code, name) VALUES (?, 'chem', 'Chemia'), (?, 'geo', 'Geografia'), "
                         "(?, 'bio', 'Biologia again')", (SUBJECT_B, SUBJECT_C, new_id()))
        conn.execute("INSERT INTO subject (id, code, name) VALUES (?, 'geo', 'Geografia')", (SUBJECT_C,))
        conn.commit()
    finally:
        conn.close()
    assert [(r[0], r[3]) for r in new_rows(node_db, before)] == [(before + 1, SUBJECT_A), (before + 2, SUBJECT_C)]


def test_changing_a_synced_id_aborts(node_db: SchoolNode) -> None:
    with node_db.db.transaction() as session:
        session.add(Subject(id=SUBJECT_A, code="muz", name="Muzyka"))
    outbox_before = node_db.outbox()
    with pytest.raises(IntegrityError, match="the id of a synced record cannot change"):
        with node_db.db.transaction() as session:
            session.execute(update(Subject).where(Subject.id == SUBJECT_A).values(id=SUBJECT_B))
    conn = node_db.raw()
    try:
        with pytest.raises(sqlite3.IntegrityError, match="the id of a synced record cannot change"):
            conn.execute("UPDATE subject SET id = ? WHERE id = ?", (SUBJECT_B, SUBJECT_A))
        conn.rollback()
        # Updating other columns (and setting the id to itself) is fine.
        conn.execute("UPDATE subject SET id = id, name = 'Muzyka i plastyka' WHERE id = ?", (SUBJECT_A,))
        conn.commit()
    finally:
        conn.close()
    rows = node_db.outbox()
    assert rows[:-1] == outbox_before
    assert rows[-1][1:4] == ("subject", "upsert", SUBJECT_A) and rows[-1][4]["name"] == "Muzyka i plastyka"
    with node_db.db.read_session() as session:
        assert [s.id for s in session.query(Subject)] == [SUBJECT_A]


def test_capture_verify_detects_missing_stale_and_extra_triggers(node_db: SchoolNode) -> None:
    with node_db.db.engine.connect() as conn:
        capture.verify(conn)  # fine after prepare()
    conn = node_db.raw()
    try:
        conn.execute("DROP TRIGGER zszo_capture_pupil_delete")
        conn.execute("DROP TRIGGER zszo_capture_subject_update")
        conn.execute("CREATE TRIGGER zszo_capture_subject_update AFTER UPDATE ON subject BEGIN SELECT 1; END")
        conn.execute("CREATE TRIGGER zszo_capture_spare AFTER INSERT ON subject BEGIN SELECT 1; END")
        conn.commit()
    finally:
        conn.close()
    with node_db.db.engine.connect() as conn, pytest.raises(RuntimeError) as caught:
        capture.verify(conn)
    assert str(caught.value) == ("capture triggers out of date: missing ['zszo_capture_pupil_delete'], "
                                 "stale ['zszo_capture_subject_update'], extra ['zszo_capture_spare']")
    # The next start reinstalls exactly the registry's triggers.
    assert prepare(node_db.db, node_db.settings["paths.backups"]) == "up to date"
    with node_db.db.engine.connect() as conn:
        capture.verify(conn)
    before = node_db.last_seq()
    with node_db.db.transaction() as session:
        session.execute(update(StaffMember).values(active=False))  # no rows: nothing captured
        session.add(Subject(id=SUBJECT_B, code="tech", name="Technika"))
    assert [(r[1], r[3]) for r in new_rows(node_db, before)] == [("subject", SUBJECT_B)]


def test_prepare_sets_and_verifies_pragmas(node_factory) -> None:  # type: ignore[no-untyped-def]
    node = node_factory("fresh")
    found = zsqlite.verify(node.db.engine)
    assert found == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 15000,
                     "recursive_triggers": 1, "quick_check": "ok"}
    assert current_revision(node.db.engine) == head_revision(node.db.engine)
    # A second start migrates nothing and takes no backup.
    assert prepare(node.db, node.settings["paths.backups"]) == "up to date"
    backups = node.settings["paths.backups"]
    assert not backups.exists() or list(backups.iterdir()) == []
    # A connection without ZSZO's settings is refused with the reasons.
    plain = create_engine(f"sqlite:///{node.settings['paths.database']}", connect_args={"timeout": 0})
    try:
        with pytest.raises(zsqlite.StorageError) as caught:
            zsqlite.verify(plain)
    finally:
        plain.dispose()
    assert "foreign keys are off" in str(caught.value)
    assert "busy_timeout is 0 ms, expected at least 5000" in str(caught.value)
    assert "recursive triggers are off" in str(caught.value)


def test_first_prepare_reports_the_migration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from node_agent.db import Database

    db = Database(tmp_path / "n.sqlite")
    try:
        head = head_revision(db.engine)
        assert prepare(db, tmp_path / "backups") == f"migrated empty -> {head}"
        assert prepare(db, tmp_path / "backups") == "up to date"
        with db.engine.connect() as conn:
            capture.verify(conn)
            names = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")}
        assert {f"zszo_capture_{e}_{k}" for e in ENTITIES for k in ("insert", "update", "delete", "keep_pk")} <= names
    finally:
        db.dispose()


def test_json_of_outbox_is_parseable_by_the_hub_codec(node_db: SchoolNode) -> None:
    """The payload lines SQLite builds are what protocol.changes.decode accepts."""
    from node_agent.sync.client import _read_batch
    from protocol.changes import decode, encode_lines

    fill_register(node_db, pupils=2, doc_only=1)
    lines = _read_batch(node_db.db, 0, 1000)
    payload = encode_lines(line for _, line in lines)
    changes = list(decode(payload, first_seq=1, last_seq=len(lines), count=len(lines)))
    assert [c.seq for c in changes] == list(range(1, len(lines) + 1))
    assert [json.loads(line)["data"] for _, line in lines] == [c.data for c in changes]
    assert all(ENTITIES[c.entity].validate(c.data) == [] for c in changes)
