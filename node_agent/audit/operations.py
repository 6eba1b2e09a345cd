"""Recording audit events: who (user, role) did what (action) to which record, and why.

Never pass the record's data: only its entity name and id. Each row's hash covers the
previous row's hash, so the chain proves no row was removed or edited.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.audit.models import AuditEvent
from node_agent.db import utcnow

GENESIS = "0" * 64


def _digest(event: AuditEvent) -> str:
    parts = [event.prev_hash, event.occurred_at.isoformat(), str(event.user_id or ""), event.username, event.role,
             event.action, event.entity, event.record_id or "", event.purpose]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def record(session: Session, *, user_id: int | None, username: str, role: str, action: str, entity: str,
           record_id: str | None, purpose: str) -> AuditEvent:
    """Append an audit event in the caller's transaction (the write lock keeps the chain linear)."""
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)) or GENESIS
    clean = {k: v.replace("\r", " ").replace("\n", " ")[:64] for k, v in
             {"username": username, "role": role, "action": action, "entity": entity, "purpose": purpose}.items()}
    event = AuditEvent(occurred_at=utcnow().replace(microsecond=0), user_id=user_id, record_id=record_id,
                       prev_hash=prev, hash="", **clean)
    event.hash = _digest(event)
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session) -> int | None:
    """Return the ``seq`` of the first event whose hash does not match, or None if the chain is intact."""
    prev = GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        if event.prev_hash != prev or event.hash != _digest(event):
            return event.seq
        prev = event.hash
    return None
