"""Ownership moves in the warehouse: a pupil's records change owner when the receiving school accepts.

Every warehouse row belongs to one node (``_node_id``): the node that first wrote it. A transfer
between two city schools moves some rows to another node. The move is decided by the inbox alone
— the sending school's ``pupil_transfer`` (out, pending, naming the receiving school and listing
in ``handover`` what it gives away) followed by the receiving school's ``transfer_decision``
(accepted) — so rebuilding the warehouse from the inbox makes exactly the same moves.

Within a merge cycle a move takes effect at the decision's position: the sending school's
changes to a moved row before it still apply, its changes after it are refused as ``not_owner``
(and become requests to the new owner, :mod:`hub.ownership.forward`), and the receiving school's
writes after it apply. References follow the same history: a row may be referenced by its
current owner and by every node that owned it before (the sending school keeps referencing the
pupil in its history records: class memberships, and later grades and attendance).

Tables (documented in docs/architecture.md, "Ownership and transfers"):

* ``_ownership_move`` — append-only log: (entity, pk, from_node, to_node, to_rspo, transfer_id,
  decision_id, inbox_id, seq), one row per moved record per move, in merge order;
* ``_record_owner`` — the current owner of every row that ever moved: (entity, pk, owner_node,
  owner_rspo, version, transfer_id, since_inbox_id, since_seq); ``version`` counts the moves.
  A row absent here is owned by the node that created it (its ``_node_id``).

This module runs inside the merger's DuckDB transaction and never touches the OLTP store.
"""

from __future__ import annotations

from typing import Any

from hub.warehouse import checks
from protocol.entities import ENTITIES
from protocol.entities_secretariat import HANDOVER_ENTITIES, handover_items

DDL = (
    """CREATE TABLE IF NOT EXISTS _ownership_move (
        entity VARCHAR, pk VARCHAR, from_node VARCHAR, to_node VARCHAR, to_rspo VARCHAR, transfer_id VARCHAR,
        decision_id VARCHAR, inbox_id BIGINT, seq BIGINT)""",
    """CREATE TABLE IF NOT EXISTS _record_owner (
        entity VARCHAR, pk VARCHAR, owner_node VARCHAR, owner_rspo VARCHAR, version INTEGER, transfer_id VARCHAR,
        since_inbox_id BIGINT, since_seq BIGINT)""",
)
TEMP_TABLES = ("_moves", "_movers")
_FIELDS = ("pupil_id", "direction", "in_city", "status", "other_rspo", "handover")


def install(con: Any) -> None:
    """Create the ownership tables (idempotent)."""
    for sql in DDL:
        con.execute(sql)


def _decisions(cur: Any) -> list[tuple]:
    """Valid acceptances in this cycle: (pos, inbox_id, seq, node_id, rspo, decision id, transfer id)."""
    entity = ENTITIES["transfer_decision"]
    index = {name: entity.field_names.index(name) + 1 for name in entity.field_names}
    rows = cur.execute(f"""
        WITH q AS MATERIALIZED (
            SELECT s.*, {checks.parsed(entity, "s.data")} FROM _stage s
            WHERE s.entity = 'transfer_decision' AND s.op = 'upsert')
        SELECT pos, inbox_id, seq, node_id, rspo, pk, _x[{index['transfer_id']}], _x[{index['accepted']}]
        FROM q WHERE {checks.COLUMN_ERROR_EXPRESSIONS['transfer_decision']} IS NULL AND _x[{index['id']}] = pk
        ORDER BY pos
    """).fetchall()
    return [row[:7] for row in rows if row[7] in ("true", "1")]


def _transfer_versions(cur: Any, ids: list[str]) -> dict[str, list[tuple]]:
    """Versions of the named transfers: the warehouse row (pos 0) and this cycle's valid upserts and deletes.

    Each version is (pos, writer node, op, {field: text}); an in-cycle version only counts when its
    writer owns the transfer (the owner's version is the only one the merger would apply).
    """
    entity = ENTITIES["pupil_transfer"]
    index = {name: entity.field_names.index(name) + 1 for name in _FIELDS}
    out: dict[str, list[tuple]] = {}
    for row in cur.execute(
            "SELECT CAST(id AS VARCHAR), _node_id, pupil_id, direction, in_city, status, other_rspo, handover "
            "FROM pupil_transfer WHERE list_contains(?, CAST(id AS VARCHAR))", [ids]).fetchall():
        values = dict(zip(_FIELDS, row[2:], strict=True))
        values["pupil_id"] = str(values["pupil_id"])
        values["in_city"] = "true" if values["in_city"] else "false"
        out.setdefault(row[0], []).append((0, row[1], "upsert", values))
    owners = {pk: versions[0][1] for pk, versions in out.items()}
    fields = ", ".join(f"_x[{index[name]}]" for name in _FIELDS)
    for row in cur.execute(f"""
            WITH q AS MATERIALIZED (
                SELECT s.*, {checks.parsed(entity, "s.data")} FROM _stage s
                WHERE s.entity = 'pupil_transfer' AND list_contains(?, s.pk))
            SELECT pos, node_id, op, pk, {fields},
                   CASE WHEN op = 'upsert' THEN {checks.COLUMN_ERROR_EXPRESSIONS['pupil_transfer']} END
            FROM q ORDER BY pos""", [ids]).fetchall():
        pos, node, op, pk, *values, error = row
        owner = owners.setdefault(pk, node)
        if error is None and node == owner:
            out.setdefault(pk, []).append((pos, node, op, dict(zip(_FIELDS, values, strict=True))))
    return out


def _owner_before(cur: Any, entity: str, pk: str, pos: int, moved: dict[tuple[str, str], str]) -> str | None:
    """The owner of a row just before position ``pos`` of this cycle (earlier moves of the cycle first)."""
    if (entity, pk) in moved:
        return moved[(entity, pk)]
    row = cur.execute(f"SELECT _node_id FROM {entity} WHERE id = TRY_CAST(? AS UUID)", [pk]).fetchone()
    if row is not None:
        return row[0]
    row = cur.execute("SELECT node_id FROM _stage WHERE entity = ? AND pk = ? AND pos < ? ORDER BY pos LIMIT 1",
                      [entity, pk, pos]).fetchone()
    return row[0] if row is not None else None


def plan_moves(cur: Any) -> int:
    """Build ``_moves`` (this cycle's moves, at their decisions' positions) and ``_movers``; return the moves."""
    cur.execute("CREATE OR REPLACE TEMP TABLE _moves (entity VARCHAR, pk VARCHAR, from_node VARCHAR, "
                "to_node VARCHAR, to_rspo VARCHAR, transfer_id VARCHAR, decision_id VARCHAR, pos BIGINT, "
                "inbox_id BIGINT, seq BIGINT)")
    decisions = _decisions(cur)
    moves: list[tuple] = []
    if decisions:
        versions = _transfer_versions(cur, sorted({d[6] for d in decisions}))
        moved: dict[tuple[str, str], str] = {}
        for pos, inbox_id, seq, node, rspo, decision_id, transfer_id in decisions:
            earlier = [v for v in versions.get(transfer_id, []) if v[0] < pos]
            if not earlier:
                continue
            _, sender, op, values = earlier[-1]
            if op != "upsert" or sender == node or values["direction"] != "out" or values["in_city"] not in (
                    "true", "1") or values["status"] != "pending" or values["other_rspo"] != rspo:
                continue
            items = [(e, pk) for e, pk in handover_items(values["handover"]) if e in HANDOVER_ENTITIES]
            if ("pupil", values["pupil_id"]) not in items or \
                    _owner_before(cur, "pupil", values["pupil_id"], pos, moved) != sender:
                continue  # the pupil itself cannot move: nothing moves
            for entity, pk in items:
                if _owner_before(cur, entity, pk, pos, moved) == sender:
                    moved[(entity, pk)] = node
                    moves.append((entity, pk, sender, node, rspo, transfer_id, decision_id, pos, inbox_id, seq))
    if moves:
        cur.executemany("INSERT INTO _moves VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", moves)
    # Who may reference a moved row: every node it moved from or to (earlier cycles at position 0).
    cur.execute("""
        CREATE OR REPLACE TEMP TABLE _movers AS
        SELECT entity, pk, node_id, min(pos) AS pos FROM (
            SELECT entity, pk, from_node AS node_id, 0 AS pos FROM _ownership_move
            UNION ALL SELECT entity, pk, to_node, 0 FROM _ownership_move
            UNION ALL SELECT entity, pk, from_node, pos FROM _moves
            UNION ALL SELECT entity, pk, to_node, pos FROM _moves
        ) GROUP BY entity, pk, node_id
    """)
    return len(moves)


def owner_join(cur: Any, name: str) -> tuple[str, str]:
    """(JOIN clause on ``_v s``, SQL of the owner a move of this cycle gave the row before the change, or NULL)."""
    if cur.execute("SELECT count(*) FROM _moves WHERE entity = ?", [name]).fetchone()[0] == 0:
        return "", "NULL"
    return (f"""LEFT JOIN (SELECT v.pos, arg_max(m.to_node, m.pos) AS owner FROM _v v
                JOIN _moves m ON m.entity = '{name}' AND m.pk = v.pk AND m.pos < v.pos GROUP BY v.pos) mv
                ON mv.pos = s.pos""", "mv.owner")


def movers_join(cur: Any, parent: str) -> tuple[str, str]:
    """(JOIN clause on the reference check's ``c``, SQL true when ``c``'s node owned or owns the parent row)."""
    if cur.execute("SELECT count(*) FROM _movers WHERE entity = ?", [parent]).fetchone()[0] == 0:
        return "", "false"
    return (f"LEFT JOIN _movers mo ON mo.entity = '{parent}' AND mo.pk = c.ref AND mo.node_id = c.node_id "
            "AND mo.pos < c.pos", "mo.pk IS NOT NULL")


def apply_moves(cur: Any) -> int:
    """After the cycle's rows are written: set the moved rows' owner, log the moves, update ``_record_owner``."""
    moves = cur.execute("SELECT entity, pk, from_node, to_node, to_rspo, transfer_id, decision_id, pos, inbox_id, "
                        "seq FROM _moves ORDER BY pos, entity, pk").fetchall()
    if not moves:
        return 0
    cur.executemany("INSERT INTO _ownership_move VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(e, pk, f, t, r, tr, d, i, s) for e, pk, f, t, r, tr, d, _, i, s in moves])
    last: dict[tuple[str, str], tuple] = {}
    for move in moves:
        last[(move[0], move[1])] = move
    for (entity, pk), (_, _, _, to_node, to_rspo, transfer_id, _, _, inbox_id, seq) in last.items():
        cur.execute(f"UPDATE {entity} SET _node_id = ?, _rspo = ? WHERE id = TRY_CAST(? AS UUID)",
                    [to_node, to_rspo, pk])
        count = cur.execute("SELECT count(*) FROM _ownership_move WHERE entity = ? AND pk = ?",
                            [entity, pk]).fetchone()[0]
        cur.execute("DELETE FROM _record_owner WHERE entity = ? AND pk = ?", [entity, pk])
        cur.execute("INSERT INTO _record_owner VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [entity, pk, to_node, to_rspo, count, transfer_id, inbox_id, seq])
    return len(moves)
