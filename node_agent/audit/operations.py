"""Recording audit events: who (user, role) did what (action) to which record, and why.

Never pass the record's data: only its entity name and id. Each row's hash covers the
previous row's hash, so the chain proves no row was removed or edited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from node_agent.audit.models import AuditEvent
from node_agent.db import utcnow
from protocol.fields import new_id

GENESIS = "0" * 64


def _digest(event: AuditEvent) -> str:
    parts = [event.prev_hash, event.occurred_at.isoformat(), str(event.user_id or ""), event.username, event.role,
             event.action, event.entity, event.record_id or "", event.purpose]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def record(session: Session, *, user_id: int | None, username: str, role: str, action: str, entity: str,
           record_id: str | None, purpose: str) -> None:
    """Append one audit event in the caller's write transaction (the write lock keeps the chain linear)."""
    record_many(session, [AuditRow(user_id=user_id, username=username, role=role, action=action, entity=entity,
                                   record_id=record_id, purpose=purpose)])


@dataclasses.dataclass(frozen=True)
class AuditRow:
    """An audit event not written yet (a page records it while reading; it is written after rendering)."""

    user_id: int | None
    username: str
    role: str
    action: str
    entity: str
    record_id: str | None
    purpose: str
    occurred_at: dt.datetime = dataclasses.field(default_factory=lambda: utcnow().replace(microsecond=0))


def record_many(session: Session, rows: Sequence[AuditRow]) -> None:
    """Append ``rows`` to the chain in the caller's write transaction: one read of the last hash and one
    multi-row insert, however many rows (a column of 30 grades is 30 events)."""
    if not rows:
        return
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)) or GENESIS
    values = []
    for row in rows:
        clean = {k: v.replace("\r", " ").replace("\n", " ")[:64] for k, v in
                 {"username": row.username, "role": row.role, "action": row.action, "entity": row.entity,
                  "purpose": row.purpose}.items()}
        event = AuditEvent(occurred_at=row.occurred_at, user_id=row.user_id, record_id=row.record_id,
                           prev_hash=prev, hash="", **clean)
        prev = event.hash = _digest(event)
        values.append({"id": new_id(), "occurred_at": event.occurred_at, "user_id": event.user_id,
                       "record_id": event.record_id, "prev_hash": event.prev_hash, "hash": event.hash, **clean})
    session.execute(insert(AuditEvent), values)


def verify_chain(session: Session) -> int | None:
    """Return the ``seq`` of the first event whose hash does not match, or None if the chain is intact."""
    prev = GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        if event.prev_hash != prev or event.hash != _digest(event):
            return event.seq
        prev = event.hash
    return None
