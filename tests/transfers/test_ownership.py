"""Ownership moves are decided by the inbox alone: rebuilding the warehouse, in cycles of any size, gives
the same owners, the same rows and the same refusals — including when the sending school's stale write,
the acceptance and the receiving school's writes all fall into one merge cycle."""

from __future__ import annotations

import hashlib

from hub.warehouse.merger import Warehouse
from protocol.entities import ENTITIES
from tests.transfers.conftest import City

TABLES = [*ENTITIES, "_record_owner", "_ownership_move", "_owner_request"]


def _checksums(cur) -> dict[str, tuple[int, str]]:  # type: ignore[no-untyped-def]
    out = {}
    for name in [*TABLES, "rejected_change"]:
        sql = "SELECT * EXCLUDE (rejected_at) FROM rejected_change" if name == "rejected_change" else \
            f"SELECT * FROM {name}"
        rows = cur.execute(sql).fetchall()
        out[name] = (len(rows), hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest())
    return out


def test_rebuilding_in_cycles_of_any_size_makes_the_same_moves(city: City, tmp_path):
    moving, returning = city.reg_a.pupils[0], city.reg_a.pupils[1]
    city.send(moving["id"])
    city.settle(1)
    with city.a.raw() as con:  # reaches the hub before B's acceptance: still A's to change
        con.execute("UPDATE pupil SET birth_place = 'Radom' WHERE id = ?", (moving["id"],))
    assert city.a.sync().ok
    city.accept(city.offer().id)
    assert city.b.sync().ok
    city.hub.merge()
    with city.a.raw() as con:  # reaches the hub after it: refused, a request to B
        con.execute("UPDATE pupil SET second_name = 'Stara' WHERE id = ?", (moving["id"],))
        con.execute("UPDATE pupil SET second_name = 'Nowa' WHERE id = ?", (returning["id"],))
    city.settle()
    before = _checksums(city.hub.warehouse.cursor())
    assert before["_record_owner"][0] == 3 and before["_ownership_move"][0] == 3  # pupil, guardian, link
    assert city.warehouse("SELECT entity, pk FROM rejected_change") == [("pupil", moving["id"])]

    for size in (1, 10**7):  # one batch per cycle; everything in one cycle
        rebuilt = Warehouse(tmp_path / f"rebuilt-{size}.duckdb", city.hub.warehouse.key)
        try:
            rebuilt.merge_pending(city.hub.db, max_changes=size)
            assert _checksums(rebuilt.cursor()) == before, f"max_changes={size}"
        finally:
            rebuilt.close()
