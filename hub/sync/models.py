"""The append-only inbox, per-node sync state, downlink queue and security events.

The inbox is the hub's source of truth for school data: the DuckDB warehouse is derived from
it and can be rebuilt from it at any time. Rows are never updated or deleted (triggers from the
migration abort such statements).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, utcnow


class HubIdentity(Base):
    """The hub's own id and current key id (one row)."""

    __tablename__ = "hub_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hub_id: Mapped[str] = mapped_column(String(36))
    kid: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class HubKeyRecord(Base):
    """A hub key pair replaced by ``zszo hub rotate-key``: still accepted until ``valid_until``.

    The current key is the one named by :class:`HubIdentity`; the private halves live in key
    files (hub/fleet/keyring.py), never in the database.
    """

    __tablename__ = "hub_key"

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    sign_key: Mapped[str] = mapped_column(String(64))
    kex_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    retired_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    valid_until: Mapped[dt.datetime] = mapped_column(DateTime)


class TrustDocumentRecord(Base):
    """A trust document signed by the city's root key (protocol/trust.py); the newest is served to nodes."""

    __tablename__ = "trust_document"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[bytes] = mapped_column(LargeBinary)
    root_fingerprint: Mapped[str] = mapped_column(String(64))
    current_kid: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class InboxBatch(Base):
    """One accepted uplink batch: verified header, signature, and the compressed plain payload.

    ``header`` + ``signature`` + ``ciphertext_sha256`` prove what the school sent (the
    signature covers the header and the ciphertext's hash; the header covers the payload's hash).
    """

    __tablename__ = "inbox_batch"
    __table_args__ = (
        UniqueConstraint("node_id", "batch_id", name="node_batch"),
        UniqueConstraint("node_id", "epoch", "first_seq", name="node_epoch_first"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[str] = mapped_column(ForeignKey("node.id"), index=True)
    rspo: Mapped[str] = mapped_column(String(10))
    epoch: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str] = mapped_column(String(64))
    first_seq: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    header: Mapped[str] = mapped_column(Text)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext_sha256: Mapped[bytes] = mapped_column(LargeBinary)
    payload_zlib: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class NodeSyncState(Base):
    """Sync progress of one node in one database epoch."""

    __tablename__ = "node_sync_state"

    node_id: Mapped[str] = mapped_column(ForeignKey("node.id"), primary_key=True)
    epoch: Mapped[str] = mapped_column(String(64), primary_key=True)
    acked_through: Mapped[int] = mapped_column(Integer, default=0)
    batches: Mapped[int] = mapped_column(Integer, default=0)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_batch_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class NodeContact(Base):
    """What the hub last heard from a node, whatever the outcome (for the status dashboard)."""

    __tablename__ = "node_contact"

    node_id: Mapped[str] = mapped_column(ForeignKey("node.id"), primary_key=True)
    last_contact_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reported_backlog: Mapped[int | None] = mapped_column(Integer)
    current_epoch: Mapped[str | None] = mapped_column(String(64))
    # What the node said about itself in its last signed downlink pull (capabilities, clock).
    software: Mapped[str | None] = mapped_column(String(40))
    reported_schema: Mapped[str | None] = mapped_column(Text)  # JSON {entity: version}
    clock_skew_seconds: Mapped[int | None] = mapped_column(Integer)  # node clock minus hub clock


class DownlinkEntry(Base):
    """A message for one node, numbered gap-free per node (broadcasts are fanned out)."""

    __tablename__ = "downlink_entry"

    node_id: Mapped[str] = mapped_column(ForeignKey("node.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SecurityEvent(Base):
    """Something an administrator must look at: forged or conflicting batches, revoked senders."""

    __tablename__ = "security_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    node_id: Mapped[str | None] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class QuarantinedBatch(Base):
    """A batch of a revoked node kept aside: never merged, shown to the operator.

    Either an inbox batch the merger had not merged when the revocation took effect
    (``inbox_id`` set; the payload stays in the inbox), or an authentic envelope that arrived
    after the revocation (``envelope`` holds it exactly as received, signature included).
    """

    __tablename__ = "quarantined_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[str] = mapped_column(ForeignKey("node.id"), index=True)
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_batch.id"), unique=True)
    batch_id: Mapped[str] = mapped_column(String(64))
    epoch: Mapped[str] = mapped_column(String(64))
    first_seq: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    quarantined_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(40))  # "queued_at_revocation" | "sent_after_revocation"
    envelope: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The operator's decision after investigating (hub/sync/quarantine.py): None while pending,
    # "released" (merged: only queued batches, once the school has a trusted node again) or
    # "discarded" (never merged). The row itself is never deleted: it is the audit record.
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution_note: Mapped[str | None] = mapped_column(Text)
