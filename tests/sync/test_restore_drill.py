"""Restore drill: a school server dies with its disk and keys; IT restores last night's backup on a
new machine with the documented commands (docs/operations.md, "A stolen or dead school server").

The old key is revoked, the new machine gets the backup (`zszo node restore`, which starts a new
epoch), enrols with new keys and a new one-time token (`zszo node enrol`) and
syncs (`zszo node sync`). Everything the hub acknowledged before the loss is still in the
warehouse, the work done on the new machine arrives, and no (node, epoch, sequence number) the
hub holds is ever used again.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from node_agent import config as node_config
from node_agent.db import Database
from node_agent.school import operations as school_ops
from tests.integration.harness import run
from tests.sync.helpers import RSPO_A, HubServer, SchoolNode, make_node


def _add(node: SchoolNode, *codes: str) -> None:
    with node.db.transaction() as session:
        for code in codes:
            school_ops.save_subject(session, {"code": code, "name": f"Przedmiot {code}"})


def _cli(data_dir: Path) -> dict[str, str]:
    """Environment of a `zszo node` command on the machine whose data directory is ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZSZO_")}
    env.update(ZSZO_NODE_PATHS_DATA_DIR=str(data_dir), ZSZO_NODE_SYNC_RETRIES="0")
    return env


def _open(data_dir: Path) -> SchoolNode:
    settings = node_config.load(overrides={"paths.data_dir": data_dir})
    return SchoolNode(settings, Database(settings["paths.database"]))


def _warehouse_codes(hub: HubServer) -> set[str]:
    hub.merge()
    return {c for (c,) in hub.warehouse.cursor().execute(
        "SELECT code FROM subject WHERE _rspo = ?", [RSPO_A]).fetchall()}


def test_a_dead_server_is_restored_on_a_new_machine_and_nothing_acknowledged_is_lost(hub_factory, tmp_path):
    hub: HubServer = hub_factory(warehouse=True)
    old_dir, new_dir, off_site = tmp_path / "old-machine", tmp_path / "new-machine", tmp_path / "off-site"
    school = make_node(old_dir, rspo=RSPO_A, hub_url=hub.url)
    school.enrol(hub.url, hub.issue_token(RSPO_A))
    _add(school, "przed-kopia")
    assert school.sync().ok

    # The nightly backup, copied off the server.
    backup = off_site / "node-nightly.sqlite"
    run(["node", "backup", "--to", str(backup)], env=_cli(old_dir))
    _add(school, "po-kopii-1", "po-kopii-2")  # acknowledged by the hub, then lost with the disk
    assert school.sync().ok
    old = school.state()
    old_fingerprint = school.keys.public.fingerprint
    acknowledged = _warehouse_codes(hub)
    assert {"przed-kopia", "po-kopii-1", "po-kopii-2"} <= acknowledged
    inbox_before = hub.inbox()
    school.close()

    # The server is dead: its disk (database and keys) is gone. IT revokes its key at the hub...
    shutil.rmtree(old_dir)
    hub.revoke(old["node_id"])
    # ...and on the new machine restores the backup, starts a new epoch and enrols with new keys.
    restored = run(["node", "restore", "--yes", str(backup)], env=_cli(new_dir)).stdout.splitlines()
    assert restored[-2].endswith(f"to {new_dir / 'node.sqlite'}")
    assert restored[-1].startswith(f"epoch {old['epoch']} -> ")  # restoring starts a new epoch by itself
    enrolled = run(["node", "enrol", "--hub-url", hub.url, "--token", hub.issue_token(RSPO_A)], env=_cli(new_dir))
    new_node_id = re.search(r"Enrolled as node (\S+)\.", enrolled.stdout).group(1)
    assert new_node_id != old["node_id"]
    assert old_fingerprint not in enrolled.stdout  # a new key pair, made on the new machine

    machine = _open(new_dir)
    assert machine.keys.public.fingerprint != old_fingerprint
    assert machine.state()["acked_through"] < old["acked_through"]  # the backup is older than the hub's view
    _add(machine, "po-odtworzeniu")
    machine.close()
    synced = run(["node", "sync"], env=_cli(new_dir))
    assert synced.stdout.startswith("sent ") and ", 0 changes waiting" in synced.stdout

    machine = _open(new_dir)
    try:
        new = machine.state()
        assert machine.outbox() == []
        assert new["node_id"] == new_node_id and new["epoch"] != old["epoch"]
    finally:
        machine.close()
    # Nothing acknowledged is lost; the new machine's work arrived.
    assert acknowledged | {"po-odtworzeniu"} <= _warehouse_codes(hub)
    # The hub's earlier batches are untouched, and every later one is the new node's, in its new epoch.
    inbox = hub.inbox()
    assert inbox[:len(inbox_before)] == inbox_before
    later = inbox[len(inbox_before):]
    assert later and {(row[1], row[3]) for row in later} == {(new_node_id, new["epoch"])}
    # No (node, epoch, sequence number) is used twice anywhere in the inbox.
    numbers = [(row[1], row[3], seq) for row in inbox for seq in range(row[5], row[6] + 1)]
    assert len(numbers) == len(set(numbers))
    states = {(node_id, epoch): acked for node_id, epoch, acked, _b, _c in hub.sync_states()}
    assert states[(old["node_id"], old["epoch"])] == old["acked_through"]
    assert states[(new_node_id, new["epoch"])] == new["acked_through"]
