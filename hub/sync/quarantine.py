"""Quarantine: batches of a revoked node are kept, never merged, and shown to the operator.

Two kinds of batch end up here (docs/operations.md, "Revoking a stolen node"):

* **queued at revocation**: inbox batches the merger had not merged when it first saw the
  revocation. The merger fixes that moment as the node's ``merge_fence`` (the inbox id it had
  merged through) in the OLTP store, once; every later inbox batch of the node is recorded
  here and skipped. Because the fence is stored, a warehouse rebuilt from the inbox skips the
  same batches and keeps the ones merged before the revocation;
* **sent after revocation**: an envelope whose signature verifies with the revoked key. It is
  kept as received (up to ``sync.quarantine_max_batches`` per node, so a stolen key cannot fill
  the disk) and refused with ``revoked_sender``; nothing is acknowledged.

This module never deletes anything and never writes the inbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.orm import Session

from hub.db import Database, utcnow
from hub.fleet.models import Node
from hub.sync.models import InboxBatch, QuarantinedBatch
from protocol import envelope

QUEUED = "queued_at_revocation"
SENT_AFTER = "sent_after_revocation"
_QUARANTINE = QuarantinedBatch.__table__


def fence_revoked(db: Database, merged_through: int) -> dict[str, int]:
    """The merge fence of every revoked node, fixing it at ``merged_through`` where not yet set.

    Called by the merger at the start of a cycle, when everything up to ``merged_through`` is
    merged and nothing after it is.
    """
    with db.reading() as session:  # every cycle: read only, write only when a revocation is new
        fences = dict(session.execute(select(Node.id, Node.merge_fence).where(Node.status == "revoked")).all())
    if None not in fences.values():
        return fences
    with db.transaction() as session:
        session.execute(update(Node).where(Node.status == "revoked", Node.merge_fence.is_(None))
                        .values(merge_fence=merged_through))
        return dict(session.execute(select(Node.id, Node.merge_fence).where(Node.status == "revoked")).all())


def record_queued(db: Database, inbox_ids: Iterable[int]) -> int:
    """Record inbox batches skipped for a revoked node (idempotent); return how many were new."""
    wanted = sorted(set(inbox_ids))
    if not wanted:
        return 0
    with db.transaction() as session:
        known = set(session.scalars(select(QuarantinedBatch.inbox_id).where(QuarantinedBatch.inbox_id.in_(wanted))))
        rows = session.execute(select(InboxBatch.id, InboxBatch.node_id, InboxBatch.batch_id, InboxBatch.epoch,
                                      InboxBatch.first_seq, InboxBatch.last_seq, InboxBatch.count,
                                      InboxBatch.received_at)
                               .where(InboxBatch.id.in_([i for i in wanted if i not in known]))).all()
        for row in rows:
            session.add(QuarantinedBatch(node_id=row.node_id, inbox_id=row.id, batch_id=row.batch_id,
                                         epoch=row.epoch, first_seq=row.first_seq, last_seq=row.last_seq,
                                         count=row.count, received_at=row.received_at, reason=QUEUED))
    return len(rows)


def keep_envelope(conn: Connection, node_id: str, header: dict[str, Any], data: bytes, limit: int) -> bool:
    """Keep an authentic envelope of a revoked node (once per batch id, at most ``limit`` per node).

    Returns whether it is held (now or from an earlier attempt). A node retrying sends the same
    changes under a new batch id: same sequence range and payload hash means the same batch.
    """
    same_range = conn.execute(select(_QUARANTINE.c.batch_id, _QUARANTINE.c.envelope).where(
        _QUARANTINE.c.node_id == node_id, _QUARANTINE.c.inbox_id.is_(None), _QUARANTINE.c.epoch == header["epoch"],
        _QUARANTINE.c.first_seq == header["first_seq"], _QUARANTINE.c.last_seq == header["last_seq"])).all()
    for batch_id, data_held in same_range:
        if batch_id == header["id"] or envelope.parse(data_held).header["payload_sha256"] == header["payload_sha256"]:
            return True
    held = conn.execute(select(func.count()).select_from(_QUARANTINE).where(
        _QUARANTINE.c.node_id == node_id, _QUARANTINE.c.inbox_id.is_(None))).scalar_one()
    if held >= limit:
        return False
    now = utcnow()
    conn.execute(_QUARANTINE.insert().values(
        node_id=node_id, inbox_id=None, batch_id=header["id"], epoch=header["epoch"],
        first_seq=header["first_seq"], last_seq=header["last_seq"], count=header["count"], received_at=now,
        quarantined_at=now, reason=SENT_AFTER, envelope=data))
    return True


def batches(session: Session, node_id: str | None = None) -> list[QuarantinedBatch]:
    """Quarantined batches (of one node, or all), oldest first."""
    query = select(QuarantinedBatch).order_by(QuarantinedBatch.received_at, QuarantinedBatch.id)
    if node_id is not None:
        query = query.where(QuarantinedBatch.node_id == node_id)
    return list(session.scalars(query))


def summary(batch: QuarantinedBatch) -> dict[str, Any]:
    """A quarantined batch as plain values (for the CLI's JSON output and tests)."""
    return {"node_id": batch.node_id, "inbox_id": batch.inbox_id, "batch_id": batch.batch_id, "epoch": batch.epoch,
            "first_seq": batch.first_seq, "last_seq": batch.last_seq, "count": batch.count,
            "received_at": _iso(batch.received_at), "reason": batch.reason,
            "envelope_bytes": len(batch.envelope) if batch.envelope is not None else None}


def _iso(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
