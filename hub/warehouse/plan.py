"""Which inbox batches a merge cycle takes, and how their payloads are made current.

Batches are merged in inbox order behind one watermark (``_merge_state.merged_through``). Two
schema situations change that (docs/protocol.md, "Versioning rules"):

* a batch from a node *ahead* of this hub (an entity or version this build does not know) is
  held: its id goes to the warehouse table ``_held`` in the same transaction that moves the
  watermark past it, and every later batch of that node is held behind it, so a node's changes
  are never merged out of order. When the hub has been upgraded and understands all of a node's
  held batches, the next cycle merges them first ("released"), before anything newer;
* a batch from a node *behind* this hub has its older records upcast (:mod:`protocol.upcast`)
  while its payload is written for DuckDB to read.

Released batches were acknowledged without the content checks the ingest runs on batches it
understands, so those checks run here; a batch failing them is rejected as a whole (recorded in
``rejected_change``), never half-merged.

Batches of a revoked node after its merge fence are quarantined, never merged
(:mod:`hub.sync.quarantine`): the watermark moves past them, and the OLTP store records them
before the warehouse transaction commits. A quarantined batch the operator released is not
fenced: past the watermark it is merged in its place; behind it (the usual case: the merger
went past it when it was quarantined) it is merged first in the next cycle, and its id goes to
the warehouse table ``_released`` in the same transaction, so it is merged once. This module
only reads the inbox; it never writes it.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import select

from hub.db import Database
from hub.sync import quarantine
from hub.sync.models import InboxBatch
from protocol import changes as changes_codec
from protocol import upcast
from protocol.entities import ENTITIES
from protocol.errors import ProtocolError

_COLUMNS = (InboxBatch.id, InboxBatch.node_id, InboxBatch.rspo, InboxBatch.payload_zlib, InboxBatch.first_seq,
            InboxBatch.last_seq, InboxBatch.header, InboxBatch.count)


@dataclass
class Plan:
    """One cycle's work: batches to merge (released first), batches to hold, the new watermark."""

    batches: list[Any] = field(default_factory=list)  # rows of _COLUMNS, in merge order
    hold: list[tuple[int, str]] = field(default_factory=list)  # (inbox id, node id) newly held
    release: list[int] = field(default_factory=list)  # held inbox ids leaving _held in this cycle
    quarantined: list[int] = field(default_factory=list)  # inbox ids of revoked nodes skipped for good
    released_quarantine: list[int] = field(default_factory=list)  # quarantined inbox ids released and merged now
    watermark: int = 0

    @property
    def empty(self) -> bool:
        """Nothing to merge, hold or release (the watermark stays)."""
        return not (self.batches or self.hold or self.release or self.quarantined)


def make_plan(cur: duckdb.DuckDBPyConnection, db: Database, *, after: int, max_changes: int) -> Plan:
    """Choose the next cycle's batches: released held ones first, then new ones up to ``max_changes``."""
    plan = Plan(watermark=after)
    fences = quarantine.fence_revoked(db, after)
    released = quarantine.released_inbox_ids(db)

    def fenced(row: Any) -> bool:
        return row.node_id in fences and row.id > fences[row.node_id] and row.id not in released

    held = cur.execute("SELECT inbox_id, node_id FROM _held ORDER BY inbox_id").fetchall()
    held_nodes = {node for _, node in held}
    with db.reading() as session:
        if released:
            merged = {i for (i,) in cur.execute("SELECT inbox_id FROM _released").fetchall()}
            held_ids = {i for i, _ in held}  # a held one is merged when the hub understands it (below)
            late = sorted(i for i in released if i <= after and i not in merged and i not in held_ids)
            if late:
                for row in session.execute(select(*_COLUMNS).where(InboxBatch.id.in_(late)).order_by(InboxBatch.id)):
                    if not upcast.ahead(_schema(row)):  # else it waits for the hub's upgrade
                        plan.batches.append(row)
                        plan.released_quarantine.append(row.id)
        if held:
            rows = session.execute(select(*_COLUMNS).where(InboxBatch.id.in_([i for i, _ in held]))
                                   .order_by(InboxBatch.id)).all()
            waiting = {node for row in rows if upcast.ahead(_schema(row)) and not fenced(row)
                       for node in (row.node_id,)}
            for row in rows:
                if fenced(row):
                    plan.quarantined.append(row.id)
                    plan.release.append(row.id)
                elif row.node_id not in waiting:
                    plan.batches.append(row)
                    plan.release.append(row.id)
                    if row.id in released:
                        plan.released_quarantine.append(row.id)
            held_nodes = waiting
        budget = sum(row.count for row in plan.batches)
        candidates = session.execute(select(InboxBatch.id, InboxBatch.count, InboxBatch.node_id, InboxBatch.header)
                                     .where(InboxBatch.id > after).order_by(InboxBatch.id).limit(10_000)).all()
        chosen = []
        for row in candidates:
            if (chosen or plan.batches) and budget + row.count > max_changes:
                break
            plan.watermark = row.id
            if fenced(row):
                plan.quarantined.append(row.id)
                continue
            if row.node_id in held_nodes or upcast.ahead(_schema(row)):
                plan.hold.append((row.id, row.node_id))
                held_nodes.add(row.node_id)
                continue
            chosen.append(row.id)
            if row.id in released:
                plan.released_quarantine.append(row.id)
            budget += row.count
        if chosen:
            plan.batches.extend(session.execute(select(*_COLUMNS).where(InboxBatch.id.in_(chosen))
                                                .order_by(InboxBatch.id)).all())
    plan.batches.sort(key=lambda row: row.id)  # released quarantined batches among held ones: inbox order
    quarantine.record_queued(db, plan.quarantined)  # before the warehouse commits the watermark past them
    return plan


def _schema(row: Any) -> dict[str, int]:
    return json.loads(row.header)["schema"]


def write_payload(row: Any, path: Path, released: bool) -> str | None:
    """Write the batch's changes for DuckDB, upcast where needed; return a rejection reason or None.

    A released batch first gets the checks the ingest skipped while it was held; if they fail,
    nothing of it is written and the reason (``code: detail``) is returned.
    """
    payload = zlib.decompress(row.payload_zlib)
    schema = _schema(row)
    if released:
        try:
            lines = changes_codec.check_lines(payload, first_seq=row.first_seq, last_seq=row.last_seq,
                                              count=row.count, schema=schema)
            for offset, (name, line) in enumerate(lines):
                if ENTITIES[name].owner != "school":
                    return f"scope: change {row.first_seq + offset}: {name} is owned by the hub"
                if name == "school" and json.loads(line)["data"].get("rspo") != row.rspo:
                    return f"scope: change {row.first_seq + offset}: data of another school"
        except ProtocolError as exc:
            return f"{exc.code}: {exc.detail}"
        except (ValueError, AttributeError, TypeError):
            return "payload_invalid: a school record is not an object"
    old = upcast.behind(schema)
    if old:
        payload = _upcast_payload(payload, set(old))
    path.write_bytes(payload)
    return None


def _upcast_payload(payload: bytes, old: set[str]) -> bytes:
    """Rewrite the lines of entities in ``old`` at the current version; keep other lines as sent.

    A line that is not valid JSON is kept as it is: the merger rejects it on its own, as it
    would in a batch of the current version.
    """
    out = []
    for line in payload.decode("utf-8").split("\n"):
        if not line:
            continue
        try:
            change = json.loads(line)
        except ValueError:
            out.append(line)
            continue
        name, version = change.get("entity"), change.get("v")
        if name in old and type(version) is int and version < ENTITIES[name].version:
            try:
                change["data"] = upcast.upcast(name, version, change["data"])
            except Exception:  # noqa: BLE001, S112 - an old record the upcast cannot read
                # Leave the line out: the merger notices the missing sequence number and records
                # the change as rejected, exactly like a line DuckDB cannot parse.
                continue
            change["v"] = ENTITIES[name].version
            line = json.dumps(change, ensure_ascii=False, separators=(",", ":"))
        out.append(line)
    return ("\n".join(out) + "\n").encode("utf-8")
