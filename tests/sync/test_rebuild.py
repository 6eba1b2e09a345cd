"""The DuckDB warehouse lost: `zszo hub rebuild-warehouse` rebuilds it from the inbox, equal to before.

Real processes' files: a hub data directory with its SQLite inbox and DuckDB file, filled by two
schools' real syncs; the rebuild runs as the `zszo` command an operator would type.
"""

from __future__ import annotations

import hashlib
import os

import duckdb

from protocol.entities import ENTITIES
from tests.integration.harness import run
from tests.sync.helpers import NAME_B, RSPO_A, RSPO_B, HubServer, fill_register


def _checksums(con) -> dict[str, tuple[int, str]]:  # type: ignore[no-untyped-def]
    """Per table: row count and a hash of all rows in a stable order, and the merge position."""
    out = {}
    for name in [*ENTITIES, "rejected_change", "_held", "_owner_request"]:
        rows = con.execute(f"SELECT * EXCLUDE (rejected_at) FROM {name}" if name == "rejected_change"
                           else f"SELECT * FROM {name}").fetchall()
        digest = hashlib.sha256("\n".join(sorted(repr(r) for r in rows)).encode()).hexdigest()
        out[name] = (len(rows), digest)
    out["_merge_state"] = (con.execute("SELECT merged_through FROM _merge_state").fetchone()[0], "")
    return out


def test_a_deleted_warehouse_is_rebuilt_equal_from_the_inbox(hub_factory, node_factory):
    hub: HubServer = hub_factory(warehouse=True)
    nodes = []
    for directory, rspo, name, base in (("a", RSPO_A, None, 0), ("b", RSPO_B, NAME_B, 100)):
        kwargs = {"rspo": rspo, "hub_url": hub.url} | ({"name": name} if name else {})
        node = node_factory(directory, **kwargs)
        node.enrol(hub.url, hub.issue_token(rspo))
        fill_register(node, pupils=5, doc_only=1, serial_base=base)
        assert node.sync().ok
        nodes.append(node)
    hub.merge()
    path = hub.settings["paths.warehouse"]
    before = _checksums(hub.warehouse.cursor())
    for table in ("pupil", "enrolment", "guardian"):  # the warehouse held the schools' data
        assert before[table][0] == sum(n.count(table) for n in nodes) > 0
    hub.runtime.warehouse.close()
    hub.runtime.warehouse = None
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "ZSZO_HUB_CONFIG"}
    env["ZSZO_HUB_PATHS_DATA_DIR"] = str(hub.settings["paths.data_dir"])
    result = run(["hub", "rebuild-warehouse"], env=env)
    assert result.stdout.startswith("rebuilt from ")
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert _checksums(con) == before
    finally:
        con.close()
