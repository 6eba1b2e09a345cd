"""End to end with real processes: one hub and two school nodes on 127.0.0.1.

After the nodes sync, the DuckDB warehouse holds exactly the nodes' rows, per entity and per
school; a second sync sends nothing new; a change on a node arrives after the next sync.
"""

from __future__ import annotations

import duckdb
import pytest
from sqlalchemy import text

from node_agent.db import Database
from protocol.entities import ENTITIES
from tests.integration.factories import fill_school
from tests.integration.harness import PASSWORD, Service, free_port, get_json, run, services, wait_until

pytestmark = pytest.mark.integration

SCHOOLS = {"a": ("100101", "Szkoła Podstawowa nr 1 im. Marii Skłodowskiej-Curie", 12),
           "b": ("100202", "Szkoła Podstawowa nr 2 im. Jana Kochanowskiego", 17)}


def _node_counts(db_path) -> dict[str, int]:
    db = Database(db_path)
    try:
        with db.read_session() as session:
            return {name: session.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() for name in ENTITIES}
    finally:
        db.dispose()


def _warehouse_counts(path) -> dict[tuple[str, str], int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for name in ENTITIES:
            for rspo, count in con.execute(f"SELECT _rspo, count(*) FROM {name} GROUP BY _rspo").fetchall():
                out[(name, rspo)] = count
        return out
    finally:
        con.close()


def test_two_nodes_sync_into_warehouse(tmp_path):
    hub_dir = tmp_path / "hub"
    hub_cfg = hub_dir / "hub.toml"
    hub_port = free_port()
    run(["hub", "-c", str(hub_cfg), "init", "--data-dir", str(hub_dir), "--port", str(hub_port),
         "--admin-password", PASSWORD])
    tokens = {}
    for key, (rspo, name, _) in SCHOOLS.items():
        run(["hub", "-c", str(hub_cfg), "institution", "--rspo", rspo, "--name", name, "--kind", "primary"])
        tokens[key] = run(["hub", "-c", str(hub_cfg), "enrolment-token", "--rspo", rspo]).stdout.strip()
    hub = Service("hub", ["hub", "-c", str(hub_cfg), "serve"], hub_port, tmp_path / "hub.log")
    with services(hub):
        hub.start()
        node_dbs = {}
        for i, (key, (rspo, name, pupils)) in enumerate(SCHOOLS.items()):
            node_dir = tmp_path / key
            cfg = node_dir / "node.toml"
            out = run(["node", "-c", str(cfg), "init", "--data-dir", str(node_dir), "--rspo", rspo, "--name", name,
                       "--kind", "primary", "--admin-password", PASSWORD, "--hub-url", hub.url,
                       "--token", tokens[key]]).stdout
            assert "Enrolled as node" in out
            node_dbs[key] = node_dir / "node.sqlite"
            fill_school(node_dbs[key], pupils=pupils, seed=i, serial_base=100 * i)
            sync = run(["node", "-c", str(cfg), "sync"]).stdout
            assert "sent" in sync and "0 changes waiting" in sync

        def merged() -> bool:
            health = get_json(hub.url + "/healthz")
            return health["inbox_through"] > 0 and health["merged_through"] == health["inbox_through"]

        wait_until(merged, what="the merger to catch up")
        # A second sync has nothing to send.
        for key in SCHOOLS:
            again = run(["node", "-c", str(tmp_path / key / "node.toml"), "sync"]).stdout
            assert again.startswith("sent 0 changes")
    expected = {}
    for key, (rspo, _, _) in SCHOOLS.items():
        for name, count in _node_counts(node_dbs[key]).items():
            if count:
                expected[(name, rspo)] = count
    assert _warehouse_counts(hub_dir / "warehouse.duckdb") == expected
    assert expected[("pupil", SCHOOLS["b"][0])] == 17
    assert expected[("subject", SCHOOLS["a"][0])] == 25  # the city dictionary arrived by downlink and went back up
