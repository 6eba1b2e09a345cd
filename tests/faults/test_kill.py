"""kill -9 at the worst moments of a sync, with real `zszo` processes on 127.0.0.1.

One enrolled school and its hub are built once; every run starts from identical copies of both.
The reference run syncs and merges without a crash. Each other run arms one failpoint
(``ZSZO_FAILPOINTS``, zszo/failpoints.py) so that the node, the hub or its merger sends itself
SIGKILL at that exact point, restarts the dead process, syncs again and lets the merger catch up.
Afterwards both stores must equal the reference run's, table by table (row counts and a hash of
the sorted rows): the warehouse, and the school's own database (its data, an empty outbox, the
downlink messages it applied once, its acknowledged positions). Both SQLite files pass
``integrity_check``, and no half-done merge leaves files behind.
"""

from __future__ import annotations

import signal
import sqlite3

import pytest

from tests.faults.sites import Site, build_site, copy_site
from tests.integration.harness import wait_until

pytestmark = pytest.mark.integration
POINTS = ("node.after_send_before_ack", "hub.after_inbox_commit_before_reply", "merger.mid_transaction",
          pytest.param("node.after_pull_before_apply", marks=pytest.mark.slow))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The school and its hub, built once."""
    return build_site(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="module")
def reference(template: Site, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    """The stores after a run without a crash."""
    site = copy_site(template, tmp_path_factory.mktemp("reference"))
    site.start_hub()
    try:
        site.finish()
    finally:
        site.stop_hub()
    warehouse, node = site.stores()
    with sqlite3.connect(site.node_dir / "node.sqlite") as con:  # the school's data is all there
        for table in ("pupil", "enrolment", "guardian"):
            count = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert warehouse[table][0] == node[table][0] == count == 14
    return warehouse, node


@pytest.mark.parametrize("point", POINTS)
def test_kill_9_at_a_failpoint_then_restart_equals_a_run_without_the_crash(template, reference, tmp_path, point):
    site = copy_site(template, tmp_path)
    try:
        if point.startswith("node."):
            site.start_hub()
            result = site.sync(point)
            assert result.returncode == -signal.SIGKILL, result.stderr  # the node died at the point
        else:
            hub = site.start_hub(point)
            result = site.sync()
            if point == "hub.after_inbox_commit_before_reply":
                assert result.returncode == 1 and "[offline]" in result.stderr  # died before answering
            wait_until(lambda: hub.process is not None and hub.process.poll() is not None,
                       what="the hub to be killed")
            assert hub.process is not None and hub.process.returncode == -signal.SIGKILL
            site.start_hub()  # restarted without the failpoint
        site.finish()
    finally:
        site.stop_hub()
    assert site.stores() == reference
    leftovers = list((site.hub_dir / "tmp").glob("merge-*"))
    assert leftovers == [], "a killed merge left its work files behind"
