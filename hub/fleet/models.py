"""Institutions the city runs, one-time enrolment tokens, and enrolled nodes with their keys."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow

INSTITUTION_KINDS = ("preschool", "primary", "secondary", "special", "centre")


class Institution(Base):
    """A school or other institution of the city, known to the hub before its node enrols."""

    __tablename__ = "institution"

    rspo: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    district: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class EnrolmentToken(Base):
    """A one-time token letting one node of one institution register its keys.

    Only the SHA-256 of the token is stored; the token itself is shown once to the admin.
    """

    __tablename__ = "enrolment_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    rspo: Mapped[str] = mapped_column(ForeignKey("institution.rspo"), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    node_id: Mapped[str | None] = mapped_column(String(36))


class Node(Base):
    """An enrolled school node and its public keys."""

    __tablename__ = "node"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rspo: Mapped[str] = mapped_column(ForeignKey("institution.rspo"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kid: Mapped[str] = mapped_column(String(16), unique=True)
    sign_key: Mapped[str] = mapped_column(String(64))  # base64 raw Ed25519 public key
    kex_key: Mapped[str] = mapped_column(String(64))   # base64 raw X25519 public key
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | revoked
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    # Inbox id through which this node's batches had been merged when the merger first saw the
    # revocation: later inbox batches of the node are quarantined, earlier ones stay merged. Set
    # once by the merger (hub/warehouse/plan.py), so a rebuilt warehouse makes the same choice.
    merge_fence: Mapped[int | None] = mapped_column(Integer)
    key_rotated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    institution: Mapped[Institution] = relationship()


class RetiredNodeKey(Base):
    """A node key replaced by a rotation: never accepted again, kept to recognise and explain it.

    Its batches received before the rotation stay verifiable from this record.
    """

    __tablename__ = "retired_node_key"

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    node_id: Mapped[str] = mapped_column(ForeignKey("node.id"), index=True)
    sign_key: Mapped[str] = mapped_column(String(64))
    kex_key: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    replaced_by: Mapped[str] = mapped_column(String(16))
    retired_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
