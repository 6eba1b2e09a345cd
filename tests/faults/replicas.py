"""Comparing replicas: a node's data, the hub's inbox and the warehouse, as the same plain rows.

Three views of one school's data that must agree once syncing has quiesced:

* :func:`node_view` — the node's tables, projected to what the warehouse keeps;
* :func:`inbox_view` — every change in the hub's inbox replayed in order (what the merger must
  produce, with each change counted exactly once);
* :func:`warehouse_view` — the warehouse tables.

And :func:`table_checksums` / :func:`node_checksums`: a row count and a hash of the sorted rows of
every table, to compare whole stores between a crashed run and a reference run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import zlib
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import select

from hub.sync.models import InboxBatch
from hub.warehouse import schema
from protocol.entities import ENTITIES, Entity
from protocol.fields import Field, FieldType, Privacy

SCHOOL_ENTITIES = [name for name, entity in ENTITIES.items() if entity.owner == "school"]
View = dict[str, dict[str, list[tuple]]]  # entity -> rspo -> sorted rows


def _norm(field: Field, value: Any) -> Any:
    """One value as the warehouse would hold it, in a type both sides share."""
    if value is None or value == "":
        return None
    if field.privacy is Privacy.YEAR:
        return value.year if isinstance(value, dt.date) else int(str(value)[:4])
    if field.type is FieldType.BOOL:
        return value in (True, 1, "1", "true")
    if field.type is FieldType.INT:
        return int(value)
    if field.type is FieldType.DATE:
        return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]
    if field.type is FieldType.UUID:
        return str(value).lower()
    return str(value)


def _row(entity: Entity, values: Iterable[Any]) -> tuple:
    return tuple(_norm(f, v) for f, v in zip(schema.kept_fields(entity), values, strict=True))


def node_view(path: Path, rspo: str, entities: Iterable[str] = SCHOOL_ENTITIES) -> View:
    """The node database's rows of ``entities``, projected to the warehouse's columns."""
    out: View = {}
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for name in entities:
            entity = ENTITIES[name]
            columns = ", ".join(f.name for f in schema.kept_fields(entity))
            rows = sorted(_row(entity, r) for r in con.execute(f"SELECT {columns} FROM {name}"))
            out[name] = {rspo: rows} if rows else {}
    finally:
        con.close()
    return out


def inbox_view(db: Any, entities: Iterable[str] = SCHOOL_ENTITIES) -> tuple[View, dict[tuple[str, str], list[int]]]:
    """Replay the inbox in order; return the resulting rows and, per (node, epoch), every sequence seen.

    The second value lets a test check that each acknowledged change is held exactly once.
    """
    wanted = set(entities)
    state: dict[tuple[str, str], tuple[str, dict | None]] = {}
    seqs: dict[tuple[str, str], list[int]] = defaultdict(list)
    with db.reading() as session:
        batches = session.execute(select(InboxBatch.node_id, InboxBatch.epoch, InboxBatch.rspo,
                                         InboxBatch.payload_zlib).order_by(InboxBatch.id)).all()
    for node_id, epoch, rspo, payload in batches:
        for line in zlib.decompress(payload).decode("utf-8").splitlines():
            change = json.loads(line)
            seqs[(node_id, epoch)].append(change["seq"])
            if change["entity"] in wanted:
                state[(change["entity"], change["pk"])] = (rspo, change["data"] if change["op"] == "upsert" else None)
    out: View = {name: defaultdict(list) for name in wanted}
    for (name, _pk), (rspo, data) in state.items():
        if data is not None:
            entity = ENTITIES[name]
            out[name][rspo].append(_row(entity, (data.get(f.name) for f in schema.kept_fields(entity))))
    return {name: {rspo: sorted(rows) for rspo, rows in by_school.items()} for name, by_school in out.items()}, seqs


def warehouse_view(cur: duckdb.DuckDBPyConnection, entities: Iterable[str] = SCHOOL_ENTITIES) -> View:
    """The warehouse's rows of ``entities`` per school."""
    out: View = {}
    for name in entities:
        entity = ENTITIES[name]
        columns = ", ".join(schema.column_name(f) for f in schema.kept_fields(entity))
        by_school: dict[str, list[tuple]] = defaultdict(list)
        for rspo, *values in cur.execute(f"SELECT _rspo, {columns} FROM {name}").fetchall():
            by_school[rspo].append(_row(entity, values))
        out[name] = {rspo: sorted(rows) for rspo, rows in by_school.items()}
    return out


def duplicate_ids(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Tables whose ``id`` is not unique, with the number of repeated ids (must be empty)."""
    out = {}
    for name in ENTITIES:
        dupes = cur.execute(f"SELECT count(*) FROM (SELECT id FROM {name} GROUP BY id HAVING count(*) > 1)").fetchone()
        if dupes and dupes[0]:
            out[name] = dupes[0]
    return out


def _digest(rows: Iterable[Any]) -> str:
    return hashlib.sha256("\n".join(sorted(repr(r) for r in rows)).encode()).hexdigest()


def table_checksums(con: duckdb.DuckDBPyConnection, *, exclude: dict[str, set[str]] | None = None) -> dict[str, Any]:
    """(rows, hash of sorted rows) of every warehouse table, and the merge position.

    ``exclude`` names columns to leave out per table (values that legitimately differ between two
    runs, like ids a hub assigns). ``rejected_at`` is a wall-clock time and always left out.
    """
    exclude = exclude or {}
    out: dict[str, Any] = {}
    for name in [*ENTITIES, "rejected_change", "_held", "_owner_request"]:
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' "
            "ORDER BY ordinal_position", [name]).fetchall()
            if c not in exclude.get(name, set()) and c != "rejected_at"]
        rows = con.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()
        out[name] = (len(rows), _digest(rows))
    out["_merge_state"] = con.execute("SELECT merged_through FROM _merge_state").fetchone()[0]
    return out


def node_checksums(path: Path, *, exclude: dict[str, set[str]] | None = None) -> dict[str, Any]:
    """(rows, hash) of every synced table of a node database, its outbox and its sync position.

    Also asserts SQLite's integrity check: a crash must never leave a damaged file.
    """
    exclude = exclude or {}
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        out: dict[str, Any] = {}
        for name in ENTITIES:
            columns = [r[1] for r in con.execute(f"PRAGMA table_info({name})") if r[1] not in exclude.get(name, set())]
            out[name] = (con.execute(f"SELECT count(*) FROM {name}").fetchone()[0],
                         _digest(con.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()))
        out["sync_outbox"] = con.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]
        out["downlink_message"] = sorted(con.execute("SELECT hub_seq, kind, outcome FROM downlink_message").fetchall())
        out["acked_through"], out["downlink_through"] = con.execute(
            "SELECT acked_through, downlink_through FROM sync_state").fetchone()
        return out
    finally:
        con.close()
