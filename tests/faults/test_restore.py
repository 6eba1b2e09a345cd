"""A school server restored from an old backup (``VACUUM INTO`` copy) must never lose or overwrite changes.

After the restore its database numbers new changes with sequence numbers the hub already holds
from before the restore, with other content. Whatever the sizes involved, the node must stop
(``epoch_rewound``, nothing trimmed) rather than take the hub's acknowledgement of the *old*
changes for its *new* ones; after ``zszo node new-epoch`` everything arrives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

import node_agent.sync.client as client_module
from hub.fleet import operations as fleet
from hub.sync.models import InboxBatch, NodeSyncState, SecurityEvent
from node_agent.school import operations as school_ops
from node_agent.school.models import Subject
from node_agent.sync import identity
from tests.faults.network import HUB_URL, InProcessHub, Network, reopen
from tests.sync.helpers import NAME_A, RSPO_A, SchoolNode, make_node, subject_lines
from zszo import sqlite as zsqlite


@pytest.fixture
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    hub = InProcessHub(tmp_path / "hub")
    monkeypatch.setattr(client_module, "client_for", Network(hub).client_for)
    with hub.db.transaction() as session:
        fleet.add_institution(session, rspo=RSPO_A, name=NAME_A, kind="primary")
        token = fleet.issue_token(session, rspo=RSPO_A, created_by="test", hours=1)
    node = make_node(tmp_path / "node", rspo=RSPO_A, name=NAME_A, hub_url=HUB_URL)
    node.enrol(HUB_URL, token)
    yield hub, node
    node.close()
    hub.crash()


def _add(node: SchoolNode, *codes: str) -> None:
    with node.db.transaction() as session:
        for code in codes:
            school_ops.save_subject(session, {"code": code, "name": f"Przedmiot {code}"})


def _restore(node: SchoolNode, backup: Path) -> SchoolNode:
    """IT restores last night's backup over the (stopped) node's database."""
    node.close()
    database: Path = node.settings["paths.database"]
    for suffix in ("", "-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    database.write_bytes(backup.read_bytes())
    return reopen(node)


def _warehouse_codes(hub: InProcessHub) -> set[str]:
    hub.merge()
    return {c for (c,) in hub.warehouse.cursor().execute(
        "SELECT code FROM subject WHERE _rspo = ?", [RSPO_A]).fetchall()}


@pytest.mark.parametrize("written_after_restore", [1, 2, 5])
def test_a_restored_school_stops_before_trimming_changes_the_hub_never_got(school, tmp_path, written_after_restore):
    hub, node = school
    _add(node, "przed-kopia")
    assert node.sync().ok
    backup = zsqlite.backup(node.db.engine, tmp_path / "kopia.sqlite")
    _add(node, "po-kopii-1", "po-kopii-2")  # synced, then lost with the disk
    assert node.sync().ok

    node = _restore(node, backup)
    new_codes = [f"po-odtworzeniu-{i}" for i in range(written_after_restore)]
    _add(node, *new_codes)
    queued = node.outbox()
    report = node.sync()
    assert (report.ok, report.error_code) == (False, "epoch_rewound")
    assert node.outbox() == queued  # nothing trimmed
    assert not set(new_codes) & _warehouse_codes(hub)  # and nothing taken for what the hub held

    with node.db.transaction() as session:  # what `zszo node new-epoch` does
        identity.new_epoch(session)
    assert node.sync().ok and node.outbox() == []
    assert {"przed-kopia", "po-kopii-1", "po-kopii-2", *new_codes} <= _warehouse_codes(hub)
    with node.db.read_session() as session:
        assert set(new_codes) <= set(session.scalars(select(Subject.code)))
    school[1].db = node.db  # closed by the fixture


def test_the_hub_refuses_other_changes_under_sequence_numbers_it_holds(tmp_path):
    hub = InProcessHub(tmp_path / "hub")
    try:
        sender = hub.enrol_sender(RSPO_A, NAME_A)
        held = subject_lines(1, 4)
        assert hub.post_batch(sender.seal(held, first_seq=1)).status_code == 200
        before = _stored(hub)
        resent = hub.post_batch(sender.seal([*held[:2], *subject_lines(3, 3, name="Nowa treść")], first_seq=1))
        assert resent.status_code == 409
        assert resent.get_json() == {"error": "batch_conflict", "detail": (
            f"change 3 of epoch {sender.epoch} was received before with other content: the node's database "
            "was restored from a backup and must start a new epoch")}
        assert _stored(hub) == before
        with hub.db.reading() as session:
            events = session.execute(select(SecurityEvent.node_id, SecurityEvent.code)).all()
        assert events == [(sender.node_id, "batch_conflict")]  # an administrator sees it
        again = hub.post_batch(sender.seal([*held, *subject_lines(5, 1)], first_seq=1))  # a genuine resend
        assert again.status_code == 200 and again.get_json()["ack"]["status"] == "duplicate"
    finally:
        hub.crash()


def _stored(hub: InProcessHub) -> tuple[list, list]:
    with hub.db.reading() as session:
        return (session.execute(select(InboxBatch.id, InboxBatch.first_seq, InboxBatch.last_seq)).all(),
                session.execute(select(NodeSyncState.epoch, NodeSyncState.acked_through)).all())
