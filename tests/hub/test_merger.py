"""The warehouse merger: what reaches DuckDB from a synced node, and what does not.

Counts match the node, no names or PESELs reach the analytical tables, pupil keys are the
HMAC of the identifier, updates and deletes follow, merging is idempotent and crash-safe, a
rebuild from the inbox gives the same tables whatever the merge cycles were, and bad changes
are rejected one by one (with field and code) without wedging the queue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, update

from hub.warehouse.merger import Warehouse
from node_agent.register import operations as register
from node_agent.register.models import ClassUnit, Enrolment, Guardian, Pupil
from node_agent.school.models import School, SchoolYear
from protocol import pesel
from protocol.entities import ENTITIES
from protocol.fields import new_id
from tests.sync.helpers import (
    NAME_A,
    NAME_B,
    RSPO_A,
    RSPO_B,
    HubServer,
    Register,
    SchoolNode,
    Sender,
    change_line,
    fill_register,
    make_node,
    start_hub,
)

ENTITY_NAMES = list(ENTITIES)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubServer]:
    """A hub knowing schools A and B (merges are run by the tests, no merger thread)."""
    server = start_hub(tmp_path / "hub")
    server.add_institution(RSPO_A, NAME_A)
    server.add_institution(RSPO_B, NAME_B)
    yield server
    server.close()


@pytest.fixture
def node(hub: HubServer, tmp_path: Path) -> Iterator[SchoolNode]:
    """School A's node, enrolled at ``hub``."""
    school = make_node(tmp_path / "node-a", rspo=RSPO_A, name=NAME_A, hub_url=hub.url)
    school.enrol(hub.url, hub.issue_token(RSPO_A))
    yield school
    school.close()


@pytest.fixture
def node_b(hub: HubServer, tmp_path: Path) -> Iterator[SchoolNode]:
    """School B's node, enrolled at ``hub``."""
    school = make_node(tmp_path / "node-b", rspo=RSPO_B, name=NAME_B, hub_url=hub.url)
    school.enrol(hub.url, hub.issue_token(RSPO_B))
    yield school
    school.close()


@dataclass
class City:
    """Two schools synced and merged once, shared by the tests that only read the warehouse."""

    hub: HubServer
    a: SchoolNode
    b: SchoolNode
    reg_a: Register
    reg_b: Register


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    """School A (8 pupils with PESEL, 2 with a passport) and school B (5 + 1), synced and merged."""
    root = tmp_path_factory.mktemp("city")
    server = start_hub(root / "hub")
    server.add_institution(RSPO_A, NAME_A)
    server.add_institution(RSPO_B, NAME_B)
    a = make_node(root / "node-a", rspo=RSPO_A, name=NAME_A, hub_url=server.url)
    b = make_node(root / "node-b", rspo=RSPO_B, name=NAME_B, hub_url=server.url)
    try:
        a.enrol(server.url, server.issue_token(RSPO_A))
        b.enrol(server.url, server.issue_token(RSPO_B))
        reg_a = fill_register(a, pupils=8, doc_only=2)
        reg_b = fill_register(b, pupils=5, doc_only=1, serial_base=100)
        assert a.sync().ok and b.sync().ok
        assert server.merge().rejected == 0
        yield City(server, a, b, reg_a, reg_b)
    finally:
        a.close()
        b.close()
        server.close()


def sync_and_merge(node: SchoolNode, hub: HubServer) -> Any:
    """Push the node's outbox and merge everything pending; return the merge report."""
    report = node.sync()
    assert report.ok, report.error
    return hub.merge()


def warehouse_counts(hub: HubServer, rspo: str | None = None) -> dict[str, int]:
    """Rows per entity table (of one school if ``rspo`` is given)."""
    cur = hub.warehouse.cursor()
    where = "WHERE _rspo = ?" if rspo else ""
    return {name: cur.execute(f"SELECT count(*) FROM {name} {where}", [rspo] if rspo else []).fetchone()[0]
            for name in ENTITY_NAMES}


def snapshot(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """Every entity table and the rejections, fully ordered (timestamps of the merge itself left out)."""
    cur = warehouse.cursor()
    out = {name: cur.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() for name in ENTITY_NAMES}
    out["rejected_change"] = cur.execute("SELECT * EXCLUDE (rejected_at) FROM rejected_change ORDER BY ALL").fetchall()
    out["_merge_state"] = cur.execute("SELECT id, merged_through FROM _merge_state").fetchall()
    return out


def checksums(warehouse: Warehouse) -> dict[str, str]:
    """SHA-256 of every ordered table."""
    return {name: hashlib.sha256(repr(rows).encode()).hexdigest() for name, rows in snapshot(warehouse).items()}


def rejections(hub: HubServer) -> list[tuple]:
    """(node_id, entity, pk, field, code) of every rejected change."""
    return hub.warehouse.cursor().execute(
        "SELECT node_id, entity, pk, field, code FROM rejected_change ORDER BY inbox_id, seq").fetchall()


# -- what arrives ----------------------------------------------------------------------------------


def test_warehouse_holds_exactly_the_nodes_rows(city: City) -> None:
    assert warehouse_counts(city.hub, RSPO_A) == city.a.counts()
    assert warehouse_counts(city.hub, RSPO_B) == city.b.counts()
    assert city.a.counts()["pupil"] == 10 and city.a.counts()["subject"] == 25
    owners = city.hub.warehouse.cursor().execute("SELECT DISTINCT _rspo, _node_id FROM pupil ORDER BY 1").fetchall()
    assert owners == [(RSPO_A, city.a.state()["node_id"]), (RSPO_B, city.b.state()["node_id"])]
    assert rejections(city.hub) == []
    assert list(city.hub.warehouse.tmp_dir.iterdir()) == []  # no plain payload left on disk


def test_no_names_or_pesel_reach_the_warehouse(city: City) -> None:
    cur = city.hub.warehouse.cursor()
    columns = cur.execute("SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE data_type = 'VARCHAR' AND table_schema = 'main'").fetchall()
    assert ("pupil", "pupil_key") in columns and ("subject", "name") in columns
    values: set[str] = set()
    for table, column in columns:
        query = f'SELECT DISTINCT "{column}" FROM {table} WHERE "{column}" IS NOT NULL'
        values |= {v for (v,) in cur.execute(query).fetchall()}
    assert len(values) > 50
    names = city.reg_a.names | city.reg_b.names | {"Anna"} | {f"Nauczycielska-{i}" for i in (0, 1, 100, 101)}
    assert values & names == set()
    looks_like_pesel = [v for v in values if re.fullmatch(r"[0-9]{11}", v) and pesel.check_digit(v[:10]) == int(v[10])]
    assert looks_like_pesel == []
    pesels = [p["pesel"] for p in city.reg_a.pupils + city.reg_b.pupils if "pesel" in p]
    assert len(pesels) == 13
    assert [v for v in values if any(p in v for p in pesels)] == []
    pupil_columns = [c for _, c in cur.execute("SELECT table_name, column_name FROM information_schema.columns "
                                               "WHERE table_name = 'pupil' ORDER BY ordinal_position").fetchall()]
    assert pupil_columns == ["id", "birth_year", "sex", "pupil_key", "_node_id", "_rspo", "_inbox_id", "_seq", "_ts"]


def test_pupil_key_is_the_hmac_of_the_pesel_or_the_document(city: City) -> None:
    key = bytes.fromhex(city.hub.settings["paths.pseudonym_key"].read_text().strip())
    stored = dict(city.hub.warehouse.cursor().execute("SELECT CAST(id AS VARCHAR), pupil_key FROM pupil").fetchall())
    pupils = city.reg_a.pupils + city.reg_b.pupils
    for pupil in pupils:
        if "pesel" in pupil:
            identifier = f"pesel:{pupil['pesel']}"
        else:
            identifier = f"doc:passport:{pupil['document_number'].upper().replace(' ', '')}"
        assert stored[pupil["id"]] == hmac.new(key, identifier.encode(), hashlib.sha256).hexdigest()
    assert len(stored) == len(set(stored.values())) == len(pupils) == 16
    years = city.hub.warehouse.cursor().execute("SELECT DISTINCT birth_year FROM pupil").fetchall()
    assert years == [(2018,)]


def test_updates_and_deletes_follow(hub: HubServer, node: SchoolNode) -> None:
    reg = fill_register(node, pupils=4, doc_only=0)
    sync_and_merge(node, hub)
    gone, moved = reg.pupils[0]["id"], reg.pupils[1]["id"]
    with node.db.transaction() as session:
        session.execute(delete(Pupil).where(Pupil.id == gone))  # cascades to link and enrolment
        session.execute(update(ClassUnit).where(ClassUnit.id == reg.class_ids[0]).values(level=4, profile="sportowy"))
        enrolment = session.query(Enrolment).filter_by(pupil_id=moved).one()
        register.end_enrolment(session, enrolment, ends_on=dt.date(2027, 1, 31), leaving_reason="transfer_out")
        session.execute(delete(Guardian).where(Guardian.id == reg.guardians[2]["id"]))
    # A dashboard cursor in the middle of reading keeps a transaction open: the merge must still
    # succeed (its final CHECKPOINT cannot run then, and must not turn a committed merge into an error).
    reader = hub.warehouse.cursor()
    reader.execute("SELECT * FROM subject")
    assert reader.fetchone() is not None
    report = sync_and_merge(node, hub)
    reader.close()
    assert report.rejected == 0
    assert warehouse_counts(hub) == node.counts()
    cur = hub.warehouse.cursor()
    assert cur.execute("SELECT count(*) FROM pupil WHERE id = ?", [gone]).fetchone() == (0,)
    assert cur.execute("SELECT count(*) FROM enrolment WHERE pupil_id = ?", [gone]).fetchone() == (0,)
    assert cur.execute("SELECT level, profile FROM class_unit WHERE id = ?",
                       [reg.class_ids[0]]).fetchone() == (4, "sportowy")
    assert cur.execute("SELECT ends_on, leaving_reason FROM enrolment WHERE pupil_id = ?",
                       [moved]).fetchone() == (dt.date(2027, 1, 31), "transfer_out")


# -- idempotence, crashes, rebuilds ----------------------------------------------------------------


def test_merging_twice_changes_nothing(hub: HubServer, node: SchoolNode) -> None:
    fill_register(node, pupils=4, doc_only=1)
    sync_and_merge(node, hub)
    before = checksums(hub.warehouse)
    assert hub.merge().batches == 0
    assert checksums(hub.warehouse) == before
    # Even re-applying every batch from the start lands on the same rows.
    entity_tables = {k: v for k, v in snapshot(hub.warehouse).items() if k in ENTITIES}
    hub.warehouse.cursor().execute("UPDATE _merge_state SET merged_through = 0")
    assert hub.merge().batches == len(hub.inbox())
    assert {k: v for k, v in snapshot(hub.warehouse).items() if k in ENTITIES} == entity_tables


def test_crash_in_the_middle_of_a_merge_leaves_nothing_half_done(hub: HubServer, node: SchoolNode,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fill_register(node, pupils=3, doc_only=0)
    sync_and_merge(node, hub)
    before = snapshot(hub.warehouse)
    with node.db.transaction() as session:  # changes to the 1st, 2nd and later entities of the merge order
        session.execute(update(School).values(name="Szkoła Podstawowa nr 1 w Radomiu"))
        session.add(SchoolYear(label="2027/2028", starts_on=dt.date(2027, 9, 1), ends_on=dt.date(2028, 6, 23)))
    fill_register(node, pupils=2, doc_only=0, serial_base=50)
    assert node.sync().ok
    calls: list[str] = []
    original = Warehouse._apply_entity

    def crashing(self: Warehouse, cur: Any, work: Path, name: str) -> tuple[int, int]:
        calls.append(name)
        if len(calls) == 3:
            raise RuntimeError("power cut")
        return original(self, cur, work, name)

    monkeypatch.setattr(Warehouse, "_apply_entity", crashing)
    with pytest.raises(RuntimeError, match="power cut"):
        hub.merge()
    assert calls == ["school", "school_year", "staff_member"]
    assert snapshot(hub.warehouse) == before
    temp = hub.warehouse.cursor().execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()
    assert temp == (0,)
    monkeypatch.undo()
    report = hub.merge()
    assert report.batches == 1 and report.rejected == 0
    assert warehouse_counts(hub) == node.counts()
    name = hub.warehouse.cursor().execute("SELECT name FROM school").fetchone()
    assert name == ("Szkoła Podstawowa nr 1 w Radomiu",)


def test_rebuild_from_the_inbox_gives_identical_tables(hub: HubServer, node: SchoolNode) -> None:
    """Merged after every sync (small cycles) versus rebuilt in one cycle: the same tables, the
    same rejections. Includes pupils deleted after their enrolments were created (in an earlier
    batch, and in the same one), and a rejected row."""
    reg = fill_register(node, pupils=4, doc_only=1)
    sync_and_merge(node, hub)
    with node.db.transaction() as session:
        session.execute(delete(Pupil).where(Pupil.id == reg.pupils[0]["id"]))
        pupil = register.save_pupil(session, {"pesel": pesel.generate(dt.date(2017, 3, 3), "F", 9),
                                              "first_name": "Ola", "last_name": "Nowa", "birth_date": "2017-03-03",
                                              "sex": "F"})
        register.assign_class(session, pupil, session.get(ClassUnit, reg.class_ids[1]),
                              starts_on=dt.date(2026, 10, 1), admission_reason="transfer_in")
    sync_and_merge(node, hub)
    # Created and deleted between two syncs: arrives in one batch, upserts first.
    with node.db.transaction() as session:
        brief = register.save_pupil(session, {"pesel": pesel.generate(dt.date(2017, 4, 4), "M", 9),
                                              "first_name": "Kuba", "last_name": "Krótki", "birth_date": "2017-04-04",
                                              "sex": "M"})
        register.assign_class(session, brief, session.get(ClassUnit, reg.class_ids[0]), starts_on=dt.date(2026, 10, 1))
    with node.db.transaction() as session:
        session.execute(delete(Pupil).where(Pupil.id == brief.id))
    with node.raw() as conn:  # and something the hub must reject
        conn.execute("INSERT INTO subject (id, code, name) VALUES (?, 'x', ' Zła nazwa')", (new_id(),))
    sync_and_merge(node, hub)
    live = snapshot(hub.warehouse)
    assert [r[3:] for r in rejections(hub)] == [("name", "whitespace")]
    assert warehouse_counts(hub, RSPO_A) == node.counts() | {"subject": 25}

    path = hub.warehouse.path
    hub.warehouse.close()
    for leftover in path.parent.glob(path.name + "*"):
        leftover.unlink()
    rebuilt = Warehouse(path, hub.warehouse.key)
    hub.runtime.warehouse = rebuilt
    report = rebuilt.merge_pending(hub.db)
    assert report.batches == len(hub.inbox()) and report.merged_through == hub.inbox()[-1][0]
    assert snapshot(rebuilt) == live


# -- per-change rejection --------------------------------------------------------------------------


def _raw_pupil(conn: Any, **values: Any) -> str:
    record = {"id": new_id(), "first_name": "Ewa", "last_name": "Surowa", "birth_date": "2018-02-02", "sex": "F",
              "pesel": pesel.generate(dt.date(2018, 2, 2), "F", values.pop("serial", 1))}
    record.update(values)
    conn.execute(f"INSERT INTO pupil ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                 list(record.values()))
    return record["id"]


def test_bad_changes_are_rejected_one_by_one(hub: HubServer, node: SchoolNode) -> None:
    reg: Register = fill_register(node, pupils=3, doc_only=0)
    sync_and_merge(node, hub)
    good = pesel.generate(dt.date(2018, 2, 2), "F", 3)
    conn = node.raw()
    try:
        conn.execute("PRAGMA foreign_keys = OFF")  # lets an enrolment point at a class that does not exist
        bad_checksum = _raw_pupil(conn, pesel=good[:10] + str((int(good[10]) + 1) % 10))
        too_long = _raw_pupil(conn, first_name="Ż" * 10_000, serial=4)
        blank_optional = _raw_pupil(conn, second_name="", birth_place="", register_number="", serial=5)
        orphan = new_id()
        conn.execute("INSERT INTO enrolment (id, pupil_id, class_id, starts_on, admission_reason) "
                     "VALUES (?, ?, ?, '2026-09-01', 'other')", (orphan, reg.pupils[0]["id"], new_id()))
        blank_end = new_id()
        conn.execute("INSERT INTO enrolment (id, pupil_id, class_id, starts_on, ends_on, admission_reason, "
                     "leaving_reason) VALUES (?, ?, ?, '2026-09-01', '', 'other', '')",
                     (blank_end, blank_optional, reg.class_ids[0]))
        bad_year = new_id()
        conn.execute("INSERT INTO school_year (id, label, starts_on, ends_on) "
                     "VALUES (?, '2025/2026', '2026-09-01', '2027-06-25')", (bad_year,))
        conn.commit()
    finally:
        conn.close()
    with node.db.transaction() as session:  # valid work in the same batch
        fine = register.save_pupil(session, {"pesel": pesel.generate(dt.date(2018, 6, 6), "M", 6),
                                             "first_name": "Jan", "last_name": "Dobry", "birth_date": "2018-06-06",
                                             "sex": "M"})
    report = sync_and_merge(node, hub)
    node_id = node.state()["node_id"]
    assert sorted(rejections(hub)) == sorted([
        (node_id, "pupil", bad_checksum, "pesel", "pesel_checksum"),
        (node_id, "pupil", too_long, "first_name", "too_long"),
        (node_id, "enrolment", orphan, "class_id", "unknown_reference"),
        (node_id, "school_year", bad_year, "label", "school_year_label"),
    ])
    assert report.rejected == 4
    counts = node.counts()
    expected = counts | {"pupil": counts["pupil"] - 2, "enrolment": counts["enrolment"] - 1,
                         "school_year": counts["school_year"] - 1}
    assert warehouse_counts(hub) == expected
    cur = hub.warehouse.cursor()
    assert cur.execute("SELECT count(*) FROM pupil WHERE id IN (?, ?)", [fine.id, blank_optional]).fetchone() == (2,)
    assert cur.execute("SELECT ends_on, leaving_reason FROM enrolment WHERE id = ?", [blank_end]).fetchone() == (
        None, None)
    # The queue is not wedged: later batches merge as usual.
    fill_register(node, pupils=1, doc_only=0, serial_base=70)
    report = sync_and_merge(node, hub)
    assert (report.batches, report.rejected) == (1, 0)
    assert warehouse_counts(hub)["pupil"] == expected["pupil"] + 1


def test_unknown_fields_are_rejected_by_name(hub: HubServer, node: SchoolNode) -> None:
    """Triggers never send unknown fields, so a batch is crafted with the node's own keys (new epoch)."""
    assert node.sync().ok
    state = node.state()
    sender = Sender(hub, state["node_id"], node.keys, RSPO_A, hub.public, epoch="crafted-epoch")
    base = {"pesel": None, "document_type": "passport", "document_number": "AB123", "first_name": "Ala",
            "second_name": None, "last_name": "Kot", "birth_date": "2018-01-01", "birth_place": None, "sex": "F",
            "street": None, "postal_code": None, "city": None, "register_number": None}
    ids = [new_id() for _ in range(3)]
    lines = [change_line(1, "pupil", ids[0], {"id": ids[0], **base, "nickname": "Ala"}),
             change_line(2, "pupil", ids[1], {"id": ids[1], **base, "document_number": "AB124", "nick|name": "A"}),
             change_line(3, "pupil", ids[2], {"id": ids[2], **base, "document_number": "AB125"})]
    response = hub.post_batch(sender.seal(lines, first_seq=1))
    assert response.status_code == 200, response.text
    report = hub.merge()
    assert [r[1:] for r in rejections(hub)] == [("pupil", ids[0], "nickname", "unknown_field"),
                                                ("pupil", ids[1], "nick|name", "unknown_field")]
    assert report.rejected == 2
    assert hub.warehouse.cursor().execute("SELECT CAST(id AS VARCHAR) FROM pupil").fetchall() == [(ids[2],)]


def test_another_node_cannot_write_a_row_it_does_not_own(hub: HubServer, node: SchoolNode,
                                                         node_b: SchoolNode) -> None:
    reg = fill_register(node, pupils=2, doc_only=0)
    sync_and_merge(node, hub)
    victim = reg.pupils[0]
    before = hub.warehouse.cursor().execute("SELECT * FROM pupil WHERE id = ?", [victim["id"]]).fetchall()
    with node_b.raw() as conn:
        _raw_pupil(conn, id=victim["id"], birth_date="2018-02-02", serial=40)
        conn.execute("DELETE FROM pupil WHERE id = ?", (victim["id"],))
    own = fill_register(node_b, pupils=1, doc_only=0, serial_base=200)
    sync_and_merge(node_b, hub)
    b_id = node_b.state()["node_id"]
    assert [r for r in rejections(hub) if r[0] == b_id] == [(b_id, "pupil", victim["id"], "id", "not_owner")] * 2
    cur = hub.warehouse.cursor()
    assert cur.execute("SELECT * FROM pupil WHERE id = ?", [victim["id"]]).fetchall() == before
    assert cur.execute("SELECT _node_id FROM pupil WHERE id = ?", [own.pupils[0]["id"]]).fetchone() == (b_id,)

