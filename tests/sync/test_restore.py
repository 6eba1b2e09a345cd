"""A school server restored from an old backup: it notices that the hub holds more of its epoch
than its database has, stops without trimming anything, and after `zszo node new-epoch` sends its
queue as a new stream — no sequence number reused, every change made after the restore delivered."""

from __future__ import annotations

import os

from sqlalchemy import select

from node_agent.school import operations as school_ops
from node_agent.school.models import Subject
from tests.integration.harness import run
from tests.sync.helpers import HubServer, SchoolNode, make_node
from zszo import sqlite as zsqlite


def _add(node: SchoolNode, code: str) -> None:
    with node.db.transaction() as session:
        school_ops.save_subject(session, {"code": code, "name": f"Przedmiot {code}"})


def test_a_restored_node_starts_a_new_epoch_and_loses_nothing(hub_factory, tmp_path):
    hub: HubServer = hub_factory(warehouse=True)
    school = make_node(tmp_path / "szkola", hub_url=hub.url, rspo="100101")
    school.enrol(hub.url, hub.issue_token("100101"))
    _add(school, "przed-kopia")
    assert school.sync().ok
    backup = tmp_path / "kopia.sqlite"
    zsqlite.backup(school.db.engine, backup)  # the nightly backup
    for code in ("po-kopii-1", "po-kopii-2"):
        _add(school, code)
    assert school.sync().ok
    old_epoch, acked_before = school.state()["epoch"], school.state()["acked_through"]
    school.close()

    # The disk dies; IT restores last night's backup, and the school works on.
    database = school.settings["paths.database"]
    for suffix in ("", "-wal", "-shm"):
        (database.parent / (database.name + suffix)).unlink(missing_ok=True)
    _restore(backup, database)
    restored = make_node_from(school)
    _add(restored, "po-odtworzeniu")
    assert restored.state()["acked_through"] < acked_before

    report = restored.sync()
    assert (report.ok, report.error_code) == (False, "epoch_rewound")
    queued = restored.outbox()
    assert [c[1] for c in queued][-1] == "subject"  # nothing trimmed
    restored.close()

    env = {k: v for k, v in os.environ.items() if k != "ZSZO_NODE_CONFIG"}
    env["ZSZO_NODE_PATHS_DATA_DIR"] = str(school.settings["paths.data_dir"])
    assert run(["node", "new-epoch", "--yes"], env=env).stdout.startswith(f"epoch {old_epoch} -> ")
    restored = make_node_from(school)
    assert restored.sync().ok and restored.outbox() == []
    hub.merge()
    codes = {c for (c,) in hub.warehouse.cursor().execute(
        "SELECT code FROM subject WHERE _rspo = '100101'").fetchall()}
    assert {"przed-kopia", "po-kopii-1", "po-kopii-2", "po-odtworzeniu"} <= codes
    with restored.db.read_session() as session:
        assert "po-odtworzeniu" in set(session.scalars(select(Subject.code)))
    epochs = sorted(epoch for _n, epoch, *_ in hub.sync_states() if _n == restored.state()["node_id"])
    assert len(epochs) == 2 and old_epoch in epochs
    restored.close()


def _restore(backup, database) -> None:  # type: ignore[no-untyped-def]
    """Copy the backup file into place (the node is stopped, so a plain copy is what IT does)."""
    database.write_bytes(backup.read_bytes())


def make_node_from(old: SchoolNode) -> SchoolNode:
    """The node's data directory opened again (a new process)."""
    from node_agent.db import Database

    return SchoolNode(old.settings, Database(old.settings["paths.database"]))
