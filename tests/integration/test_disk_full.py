"""Disk full on the hub and on a school server: a clear error, no acknowledgement, nothing
half-written, and the sync completes once space returns.

The full disk is simulated with a per-process file size limit (``prlimit --fsize``): every write
that would grow a file beyond it fails with EFBIG, which SQLite reports as an I/O error — the
same path as ENOSPC. Python ignores SIGXFSZ, so the process lives on and must handle it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.integration.harness import PASSWORD, ZSZO, Service, free_port, get_json, run, wait_until
from tests.sync.helpers import NAME_A, RSPO_A, fill_register, make_node

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("prlimit") is None, reason="needs prlimit (util-linux)")]
LIMIT = 16 * 1024  # bytes any file may grow to while the "disk is full"


def _outbox(node_dir: Path) -> int:
    with sqlite3.connect(node_dir / "node.sqlite") as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return con.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]


@pytest.fixture
def site(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A hub data directory with the school's institution, and the school's enrolled node."""
    hub_dir, port = tmp_path / "hub", free_port()
    config = hub_dir / "hub.toml"
    run(["hub", "-c", str(config), "init", "--data-dir", str(hub_dir), "--port", str(port),
         "--admin-password", PASSWORD])
    run(["hub", "-c", str(config), "institution", "--rspo", RSPO_A, "--name", NAME_A, "--kind", "primary"])
    token = run(["hub", "-c", str(config), "enrolment-token", "--rspo", RSPO_A]).stdout.strip()
    node = make_node(tmp_path / "node", rspo=RSPO_A, name=NAME_A)
    fill_register(node, pupils=40, doc_only=3)
    node.close()
    env = {k: v for k, v in os.environ.items() if k not in ("ZSZO_HUB_CONFIG", "ZSZO_NODE_CONFIG")}
    env["ZSZO_HUB_MERGE_INTERVAL_SECONDS"] = "1"
    hub = Service("hub", ["hub", "-c", str(config), "serve"], port, tmp_path / "hub.log", env=env)
    hub.start()
    node_env = {**env, "ZSZO_NODE_PATHS_DATA_DIR": str(tmp_path / "node"), "ZSZO_NODE_SYNC_RETRIES": "0",
                "ZSZO_NODE_SYNC_HUB_URL": hub.url}
    run(["node", "enrol", "--hub-url", hub.url, "--token", token], env=node_env)
    try:
        yield {"hub": hub, "config": config, "env": env, "node_env": node_env, "node_dir": tmp_path / "node",
               "root": tmp_path}
    finally:
        hub.stop()


def _limited(args: list[str]) -> list[str]:
    return ["prlimit", f"--fsize={LIMIT}", "--", *ZSZO, *args]


def test_a_full_disk_at_the_hub_acknowledges_nothing_and_the_sync_resumes(site):
    hub: Service = site["hub"]
    # The running hub's disk fills up: no file of the process may grow any more.
    subprocess.run(["prlimit", "--pid", str(hub.process.pid), f"--fsize={LIMIT}:unlimited"], check=True)
    before = _outbox(site["node_dir"])
    result = run(["node", "sync"], env=site["node_env"], check=False)
    assert result.returncode == 1
    assert "Serwer miejski nie może teraz zapisać danych" in result.stderr
    assert "[storage_unavailable]" in result.stderr
    assert _outbox(site["node_dir"]) == before  # nothing acknowledged, nothing trimmed
    assert get_json(hub.url + "/healthz")["inbox_through"] == 0  # and nothing half-stored
    # Space is back (the soft limit only was lowered, so it can be raised again without privileges).
    subprocess.run(["prlimit", "--pid", str(hub.process.pid), "--fsize=unlimited:unlimited"], check=True)
    result = run(["node", "sync"], env=site["node_env"])
    assert result.stdout.rstrip().endswith("0 changes waiting") and _outbox(site["node_dir"]) == 0
    wait_until(lambda: (h := get_json(hub.url + "/healthz"))["merged_through"] == h["inbox_through"] > 0,
               what="the merge")


def test_a_full_disk_at_the_school_fails_clearly_and_loses_nothing(site):
    before = _outbox(site["node_dir"])
    result = subprocess.run(_limited(["node", "sync"]), capture_output=True, text=True, env=site["node_env"],
                            timeout=120)
    assert result.returncode == 1
    assert "Ten serwer nie może zapisywać na dysku" in result.stderr and "[node_storage]" in result.stderr
    assert _outbox(site["node_dir"]) == before
    result = run(["node", "sync"], env=site["node_env"])  # space is back
    assert result.stdout.rstrip().endswith("0 changes waiting") and _outbox(site["node_dir"]) == 0
