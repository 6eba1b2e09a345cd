"""The audit log table: who did what to which record, never the data itself.

Triggers installed by the migration make the table append-only (UPDATE and DELETE abort), and
each row carries the hash of the previous one, so a removed or altered row breaks the chain.
Every event is also synced to the hub (entity ``audit_event``, keyed by the UUID ``id``; ``seq``
orders the chain), so a school cannot quietly lose its own log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from node_agent.db import Base, utcnow
from protocol.fields import new_id


class AuditEvent(Base):
    """One audited action."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)  # the order of the hash chain
    id: Mapped[str | None] = mapped_column(String(36), index=True, unique=True, default=new_id)  # synced identity
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(36), index=True)
    purpose: Mapped[str] = mapped_column(String(60))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
