"""Sync bookkeeping tables of the node.

``sync_outbox`` is written only by the capture triggers; rows leave it only after the hub's
signed ack covers them. ``sync_state`` is a single row holding the node's identity at the hub.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node_agent.db import Base, utcnow


class OutboxChange(Base):
    """One captured change waiting for the hub's acknowledgement."""

    __tablename__ = "sync_outbox"
    __table_args__ = {"sqlite_autoincrement": True}  # seq is never reused, even after trimming

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    v: Mapped[int] = mapped_column(Integer)
    pk: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(10))
    ts: Mapped[int] = mapped_column(Integer)
    data: Mapped[str | None] = mapped_column(Text)


class SyncState(Base):
    """The node's identity at the hub and its sync progress (exactly one row, id = 1)."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[str | None] = mapped_column(String(64))
    epoch: Mapped[str] = mapped_column(String(36))
    hub_url: Mapped[str | None] = mapped_column(String(500))
    hub_id: Mapped[str | None] = mapped_column(String(64))
    hub_keys: Mapped[str | None] = mapped_column(Text)  # JSON of protocol.keys.PublicKeys.to_dict()
    # The city's root key (base64 raw Ed25519) pinned at enrolment, and the newest trust document
    # accepted under it: its version only rises (protocol/trust.py).
    root_key: Mapped[str | None] = mapped_column(String(64))
    trust_version: Mapped[int | None] = mapped_column(Integer)
    trust_sha256: Mapped[str | None] = mapped_column(String(64))
    acked_through: Mapped[int] = mapped_column(Integer, default=0)
    downlink_through: Mapped[int] = mapped_column(Integer, default=0)
    enrolled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SyncRun(Base):
    """A log line per sync run, shown to the school's admin."""

    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    trigger: Mapped[str] = mapped_column(String(20))
    sent_changes: Mapped[int] = mapped_column(Integer, default=0)
    sent_batches: Mapped[int] = mapped_column(Integer, default=0)
    received_messages: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(20), default="running")
    error: Mapped[str | None] = mapped_column(Text)
    notices: Mapped[str | None] = mapped_column(String(200))  # comma-separated codes (messages.NOTICE_MESSAGES)


class DownlinkMessage(Base):
    """A message pulled from the hub and applied here (kept for audit and idempotence)."""

    __tablename__ = "downlink_message"

    hub_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    body: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))
