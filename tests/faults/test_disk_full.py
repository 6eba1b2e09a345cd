"""Disk full on the hub, its merger and a school server: a clear error, no acknowledgement, nothing
half-written, and everything resumes once space returns.

The full disk is a per-process file size limit (``prlimit --fsize``, see :func:`tests.faults.sites.limited`):
a write past it fails with EFBIG, which SQLite and DuckDB report as they report ENOSPC. Each test
starts from copies of one enrolled school and its hub (real `zszo` processes on 127.0.0.1).
"""

from __future__ import annotations

import json
import secrets
import shutil
import sqlite3
import uuid
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
import requests

from protocol.fields import new_id
from protocol.keys import KeyPair, PublicKeys
from tests.faults.sites import Site, build_site, copy_site, set_fsize
from tests.integration.harness import get_json, wait_until
from tests.sync.helpers import Sender, change_line

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("prlimit") is None, reason="needs prlimit (util-linux)")]
FULL = 16 * 1024  # bytes a file may grow to while the disk is "full"
NEARLY_FULL = 64 * 1024  # the hub can open its databases, but no merge fits
HUB_FULL_PL = "Serwer miejski nie może teraz zapisać danych. Wysyłanie zostanie automatycznie ponowione."
NODE_FULL_PL = "Ten serwer nie może zapisywać na dysku"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A school with 43 pupils, enrolled at its hub."""
    return build_site(tmp_path_factory.mktemp("template"), pupils=40, doc_only=3)


@pytest.fixture
def site(template: Site, tmp_path: Path):  # type: ignore[no-untyped-def]
    site = copy_site(template, tmp_path)
    yield site
    site.stop_hub()


def _node_state(site: Site) -> tuple[int, int, int]:
    """(outbox rows, acknowledged sequence, first queued sequence); the file must be intact."""
    with sqlite3.connect(site.node_dir / "node.sqlite") as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        queued, first = con.execute("SELECT count(*), coalesce(min(seq), 0) FROM sync_outbox").fetchone()
        return queued, con.execute("SELECT acked_through FROM sync_state").fetchone()[0], first


def _hub_state(site: Site) -> tuple[list, list]:
    """The inbox and the per-node sync state; the file must be intact."""
    with sqlite3.connect(f"file:{site.hub_dir / 'hub.sqlite'}?mode=ro", uri=True) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return (con.execute("SELECT id, node_id, epoch, first_seq, last_seq FROM inbox_batch").fetchall(),
                con.execute("SELECT node_id, epoch, acked_through FROM node_sync_state").fetchall())


def _large_envelope(site: Site) -> bytes:
    """A ~0.9 MB batch from the school's keys in a stream of its own (too big for waitress' memory buffer).

    Random subject names do not compress, so the envelope stays large.
    """
    with sqlite3.connect(site.node_dir / "node.sqlite") as con:
        node_id, hub_id, hub_keys = con.execute("SELECT node_id, hub_id, hub_keys FROM sync_state").fetchone()
    keys = KeyPair.from_json((site.node_dir / "node-keys.json").read_text())
    hub = SimpleNamespace(runtime=SimpleNamespace(keys=SimpleNamespace(hub_id=hub_id)))
    sender = Sender(hub, node_id, keys, "100101", PublicKeys.from_dict(json.loads(hub_keys)),  # type: ignore[arg-type]
                    epoch=str(uuid.uuid4()))
    lines = []
    for i in range(6000):
        pk = new_id()
        lines.append(change_line(i + 1, "subject", pk, {"id": pk, "code": f"d{i}", "name": secrets.token_urlsafe(96)}))
    return sender.seal(lines, first_seq=1)


def _merged(site: Site) -> bool:
    assert site.hub is not None
    health = get_json(site.hub.url + "/healthz")
    return health["inbox_through"] > 0 and health["merged_through"] == health["inbox_through"]


def test_a_full_disk_at_the_hub_answers_503_with_retry_after_and_acknowledges_nothing(site):
    hub = site.start_hub()
    envelope = _large_envelope(site)
    assert len(envelope) > 600_000
    node_before, hub_before = _node_state(site), _hub_state(site)
    set_fsize(hub.process.pid, FULL)
    # Large (buffered by the web server) and small batches alike get the API's answer, never a reset.
    response = requests.post(hub.url + "/api/v1/batches", data=envelope, timeout=60,
                             headers={"Content-Type": "application/octet-stream"})
    assert (response.status_code, response.headers.get("Retry-After")) == (503, "30")
    assert response.json()["error"] == "storage_unavailable" and "ack" not in response.json()
    result = site.sync()
    assert result.returncode == 1
    assert HUB_FULL_PL in result.stderr and "[storage_unavailable]" in result.stderr
    assert _node_state(site) == node_before  # nothing acknowledged, nothing trimmed
    assert _hub_state(site) == hub_before  # nothing half-stored
    assert get_json(hub.url + "/healthz")["ok"]  # the hub lives on

    set_fsize(hub.process.pid, None)  # space is back
    site.finish()
    assert _node_state(site)[0] == 0
    response = requests.post(hub.url + "/api/v1/batches", data=envelope, timeout=60,
                             headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 200 and response.json()["ack"]["acked_through"] == 6000


def test_a_full_disk_at_the_school_fails_clearly_and_loses_nothing(site):
    site.start_hub()
    before = _node_state(site)
    assert before[0] > 0
    result = site.sync(fsize=FULL)
    assert result.returncode == 1
    assert NODE_FULL_PL in result.stderr and "[node_storage]" in result.stderr
    assert "Traceback" not in result.stderr
    assert _node_state(site) == before
    site.finish()  # space is back
    assert _node_state(site)[0] == 0


def test_the_merger_on_a_full_disk_merges_nothing_and_catches_up_when_space_returns(site):
    hub = site.start_hub(ZSZO_HUB_MERGE_ENABLED="false")  # the batches arrive while nobody merges
    result = site.sync()
    assert result.returncode == 0, result.stderr
    response = requests.post(hub.url + "/api/v1/batches", data=_large_envelope(site), timeout=60,
                             headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 200  # more than fits on the nearly full disk
    site.stop_hub()
    inbox = len(_hub_state(site)[0])
    assert inbox > 0

    # The warehouse exists (schema written) before the disk fills: the merge, not the set-up, hits the limit.
    created = site.hub_command("check")
    assert created.returncode == 0, created.stderr
    result = site.hub_command("merge", fsize=NEARLY_FULL)
    assert result.returncode == 1
    assert "merge failed; nothing was merged" in result.stderr and "Traceback" not in result.stderr
    warehouse = site.hub_dir / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT merged_through FROM _merge_state").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM pupil").fetchone()[0] == 0
    finally:
        con.close()

    # The serving hub's merger thread on the same full disk: it fails, says so, and carries on.
    hub = site.start_hub(fsize=NEARLY_FULL)
    health = wait_until(lambda: (h := get_json(hub.url + "/healthz"))["merger_error"] and h, what="a merge error")
    assert health["ok"] and health["merged_through"] == 0
    set_fsize(hub.process.pid, None)
    # The cycle that merges the inbox clears the error when it ends (after routing transfers and requests).
    wait_until(lambda: _merged(site) and get_json(hub.url + "/healthz")["merger_error"] is None,
               what="the merger to catch up and report no error")
    site.stop_hub()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        with sqlite3.connect(site.node_dir / "node.sqlite") as node:
            for table in ("pupil", "enrolment", "guardian"):
                assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == \
                    node.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 43
        assert con.execute("SELECT count(*) FROM rejected_change").fetchone()[0] == 0
    finally:
        con.close()
