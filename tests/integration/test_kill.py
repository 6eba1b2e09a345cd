"""kill -9 at the three worst moments of a sync, with real `zszo` processes on 127.0.0.1.

Each scenario runs twice from identical copies of one school's database: once with the process
killed by SIGKILL at a named failpoint (``ZSZO_FAILPOINTS``, zszo/failpoints.py) and restarted, and
once without a crash. The warehouses must end up identical, table by table (checksums of every
data column), and equal to the school's own counts: nothing acknowledged lost, nothing doubled.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from protocol.entities import ENTITIES
from tests.integration.harness import PASSWORD, Service, free_port, get_json, run, services, wait_until
from tests.sync.helpers import NAME_A, RSPO_A, fill_register, make_node

pytestmark = pytest.mark.integration


@dataclass
class Site:
    """One hub (data dir, config, service) and one school node's data directory."""

    root: Path
    hub_config: Path
    hub: Service
    node_dir: Path

    def hub_env(self, failpoints: str = "") -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("ZSZO_HUB_CONFIG", "ZSZO_FAILPOINTS")}
        env["ZSZO_HUB_MERGE_INTERVAL_SECONDS"] = "1"
        if failpoints:
            env["ZSZO_FAILPOINTS"] = failpoints
        return env

    def start_hub(self, failpoints: str = "") -> None:
        self.hub = Service("hub", ["hub", "-c", str(self.hub_config), "serve"], self.hub.port,
                           self.root / "hub.log", env=self.hub_env(failpoints))
        self.hub.start()

    def node_sync(self, failpoints: str = ""):  # type: ignore[no-untyped-def]
        env = {k: v for k, v in os.environ.items() if k not in ("ZSZO_NODE_CONFIG", "ZSZO_FAILPOINTS")}
        env |= {"ZSZO_NODE_PATHS_DATA_DIR": str(self.node_dir), "ZSZO_NODE_SYNC_RETRIES": "0",
                "ZSZO_NODE_SYNC_HUB_URL": self.hub.url}
        if failpoints:
            env["ZSZO_FAILPOINTS"] = failpoints
        return run(["node", "sync"], env=env, check=False)

    def merged(self) -> bool:
        health = get_json(self.hub.url + "/healthz")
        return health["inbox_through"] > 0 and health["merged_through"] == health["inbox_through"]


def _site(root: Path, template: Path, pseudonym_key: Path | None) -> Site:
    """A hub with the school's institution, and a copy of the school's database enrolled there."""
    root.mkdir()
    hub_dir, port = root / "hub", free_port()
    config = hub_dir / "hub.toml"
    run(["hub", "-c", str(config), "init", "--data-dir", str(hub_dir), "--port", str(port),
         "--admin-password", PASSWORD])
    if pseudonym_key is not None:  # both runs must pseudonymise pupils alike to compare them
        target = hub_dir / "secrets" / "pseudonym.key"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(pseudonym_key, target)
    run(["hub", "-c", str(config), "institution", "--rspo", RSPO_A, "--name", NAME_A, "--kind", "primary"])
    token = run(["hub", "-c", str(config), "enrolment-token", "--rspo", RSPO_A]).stdout.strip()
    node_dir = root / "node"
    shutil.copytree(template, node_dir)
    site = Site(root, config, Service("hub", [], port, root / "hub.log"), node_dir)
    site.start_hub()
    env = {k: v for k, v in os.environ.items() if k != "ZSZO_NODE_CONFIG"}
    env["ZSZO_NODE_PATHS_DATA_DIR"] = str(node_dir)
    run(["node", "enrol", "--hub-url", site.hub.url, "--token", token], env=env)
    return site


def _checksums(site: Site) -> dict[str, tuple[int, str]]:
    """Rows and a hash of every data column (ids assigned by each hub, like ``_node_id``, left out)."""
    path = site.root / "hub" / "warehouse.duckdb"
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for name in ENTITIES:
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [name]).fetchall() if (not c.startswith("_") or c in ("_rspo", "_seq"))
                # The city's subjects are created on each copy when the downlink arrives: new ids per run.
                and not (name == "subject" and c == "id")]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()
            out[name] = (len(rows), hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest())
        return out
    finally:
        con.close()


@pytest.fixture
def school(tmp_path: Path) -> Path:
    """A school's data directory with a filled register, not enrolled anywhere yet."""
    node = make_node(tmp_path / "template", rspo=RSPO_A, name=NAME_A)
    fill_register(node, pupils=12, doc_only=2)
    node.close()
    return tmp_path / "template"


def _finish(site: Site) -> None:
    result = site.node_sync()
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("0 changes waiting")
    wait_until(site.merged, what="the merger to catch up")


@pytest.mark.parametrize("point", ["node.after_send_before_ack", "hub.after_inbox_commit_before_reply",
                                   "merger.mid_transaction"])
def test_kill_9_at_a_failpoint_then_restart_equals_a_run_without_the_crash(tmp_path, school, point):
    reference = _site(tmp_path / "reference", school, None)
    with services(reference.hub):
        _finish(reference)
        reference.hub.stop()
        expected = _checksums(reference)
    crashed = _site(tmp_path / "crashed", school, reference.root / "hub" / "secrets" / "pseudonym.key")
    try:
        if point == "node.after_send_before_ack":
            result = crashed.node_sync(point)
            assert result.returncode == -signal.SIGKILL  # the hub stored the batch; the node never saw the ack
        else:
            crashed.hub.stop()
            crashed.start_hub(point)
            result = crashed.node_sync()
            if point == "hub.after_inbox_commit_before_reply":
                assert result.returncode == 1 and "[offline]" in result.stderr  # the hub died before answering
            wait_until(lambda: crashed.hub.process.poll() is not None, what="the hub to be killed")
            assert crashed.hub.process.returncode == -signal.SIGKILL
            crashed.start_hub()  # restarted without the failpoint
        _finish(crashed)
    finally:
        crashed.hub.stop()
    assert _checksums(crashed) == expected
    with sqlite3.connect(school / "node.sqlite") as con:  # the school's own data, never touched by the runs
        for table in ("pupil", "enrolment", "guardian"):
            assert expected[table][0] == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
