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

After investigating, the operator resolves each batch (``zszo hub quarantine release|discard``):

* **released**: a batch queued at revocation that turns out to be the school's genuine work is
  merged after all — only once the school has a trusted node again (an active node of the same
  institution enrolled after the revocation), so releasing is never a way round a revocation.
  The merger takes released batches at its next cycle (hub/warehouse/plan.py); the warehouse
  records which it merged in the same transaction, and a rebuilt warehouse merges them in
  inbox order. A batch sent after the revocation was signed by a key already revoked: it can
  only be discarded;
* **discarded**: never merged.

Either way the record stays, with who decided, when and why, and a security event is logged.
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
from hub.sync.models import InboxBatch, QuarantinedBatch, SecurityEvent
from protocol import envelope

QUEUED = "queued_at_revocation"
SENT_AFTER = "sent_after_revocation"
RELEASED, DISCARDED = "released", "discarded"
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
    held = conn.execute(select(func.count()).select_from(_QUARANTINE).where(  # discarded ones no longer count
        _QUARANTINE.c.node_id == node_id, _QUARANTINE.c.inbox_id.is_(None), _QUARANTINE.c.resolution.is_(None))
    ).scalar_one()
    if held >= limit:
        return False
    now = utcnow()
    conn.execute(_QUARANTINE.insert().values(
        node_id=node_id, inbox_id=None, batch_id=header["id"], epoch=header["epoch"],
        first_seq=header["first_seq"], last_seq=header["last_seq"], count=header["count"], received_at=now,
        quarantined_at=now, reason=SENT_AFTER, envelope=data))
    return True


def batches(session: Session, node_id: str | None = None, *, pending_only: bool = False) -> list[QuarantinedBatch]:
    """Quarantined batches (of one node, or all), oldest first."""
    query = select(QuarantinedBatch).order_by(QuarantinedBatch.received_at, QuarantinedBatch.id)
    if node_id is not None:
        query = query.where(QuarantinedBatch.node_id == node_id)
    if pending_only:
        query = query.where(QuarantinedBatch.resolution.is_(None))
    return list(session.scalars(query))


def released_inbox_ids(db: Database) -> set[int]:
    """Inbox ids of quarantined batches the operator released (the merger merges them)."""
    with db.reading() as session:
        return set(session.scalars(select(QuarantinedBatch.inbox_id).where(
            QuarantinedBatch.resolution == RELEASED, QuarantinedBatch.inbox_id.is_not(None))))


class QuarantineError(ValueError):
    """A release or discard the hub refuses; the message says why (shown by the CLI)."""


def trusted_successor(session: Session, node: Node) -> Node | None:
    """The node the school is trusted through again: this one if active, else one enrolled after its revocation."""
    if node.status == "active":
        return node
    return session.scalar(select(Node).where(Node.rspo == node.rspo, Node.status == "active",
                                             Node.enrolled_at >= node.revoked_at).order_by(Node.enrolled_at))


def resolve(session: Session, *, decision: str, by: str, note: str, batch_ids: Iterable[int] = (),
            node_id: str | None = None) -> list[QuarantinedBatch]:
    """Release or discard quarantined batches (by record id, or every pending one of ``node_id``).

    All or nothing: if any named batch cannot take the decision, nothing changes. With
    ``node_id``, releasing takes the node's pending queued batches and leaves the ones sent after
    the revocation pending (they can only be discarded).
    """
    if decision not in (RELEASED, DISCARDED):
        raise QuarantineError(f"unknown decision {decision!r}: release or discard")
    note, by = note.strip(), by.strip()
    if not note:
        raise QuarantineError("give the reason for the decision (--reason): it is kept as the audit record")
    wanted = sorted(set(batch_ids))
    if node_id is not None:
        if session.get(Node, node_id) is None:
            raise QuarantineError(f"no node {node_id!r}")
        rows = batches(session, node_id, pending_only=True)
        if decision == RELEASED:
            rows = [row for row in rows if row.reason == QUEUED]
        if not rows:
            raise QuarantineError(f"node {node_id} has no quarantined batch pending that could be "
                                  f"{'released' if decision == RELEASED else 'discarded'}")
    else:
        if not wanted:
            raise QuarantineError("name the quarantined batches (their # numbers from the list) or --node")
        rows = list(session.scalars(select(QuarantinedBatch).where(QuarantinedBatch.id.in_(wanted))
                                    .order_by(QuarantinedBatch.id)))
        missing = sorted(set(wanted) - {row.id for row in rows})
        if missing:
            raise QuarantineError(f"no quarantined batch #{missing[0]}")
    for row in rows:
        if row.resolution is not None:
            raise QuarantineError(f"quarantined batch #{row.id} was already {row.resolution} "
                                  f"({_iso(row.resolved_at)} by {row.resolved_by})")
        if decision == RELEASED:
            if row.reason != QUEUED:
                raise QuarantineError(f"quarantined batch #{row.id} was sent after the revocation, signed by a key "
                                      "already revoked: it can only be discarded")
            node = session.get(Node, row.node_id)
            if trusted_successor(session, node) is None:
                raise QuarantineError(f"quarantined batch #{row.id}: institution {node.rspo} has no trusted node "
                                      "again; enrol its new server first (zszo hub enrolment-token), then release")
    now = utcnow()
    for row in rows:
        row.resolution, row.resolved_at, row.resolved_by, row.resolution_note = decision, now, by[:64], note[:2000]
        session.add(SecurityEvent(node_id=row.node_id, code=f"quarantine_{decision}", remote_addr=None,
                                  detail=f"#{row.id} seq {row.first_seq}-{row.last_seq} ({row.count} changes) "
                                         f"by {by}: {note}"[:2000]))
    session.flush()
    return rows


def summary(batch: QuarantinedBatch) -> dict[str, Any]:
    """A quarantined batch as plain values (for the CLI's JSON output and tests)."""
    return {"id": batch.id, "node_id": batch.node_id, "inbox_id": batch.inbox_id, "batch_id": batch.batch_id,
            "epoch": batch.epoch,
            "first_seq": batch.first_seq, "last_seq": batch.last_seq, "count": batch.count,
            "received_at": _iso(batch.received_at), "reason": batch.reason,
            "envelope_bytes": len(batch.envelope) if batch.envelope is not None else None,
            "resolution": batch.resolution, "resolved_at": _iso(batch.resolved_at), "resolved_by": batch.resolved_by,
            "resolution_note": batch.resolution_note}


def _iso(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None
