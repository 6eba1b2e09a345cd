"""The hub's OLTP bookkeeping of transfers: where each one stands, and which directory each node has.

Rows here make the routing exactly-once: a message is queued in the same transaction that moves a
route to its next state, so re-running the router (after a crash, or a warehouse rebuild) sends
nothing twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, utcnow

ROUTE_STATES = ("offered", "undeliverable", "withdrawn", "accepted", "rejected", "not_completed")


class TransferRoute(Base):
    """One transfer between two city schools, as routed by the hub."""

    __tablename__ = "transfer_route"

    transfer_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the sending school's pupil_transfer
    pupil_id: Mapped[str] = mapped_column(String(36))
    from_node: Mapped[str] = mapped_column(String(64), index=True)
    from_rspo: Mapped[str] = mapped_column(String(10))
    to_rspo: Mapped[str] = mapped_column(String(10))
    to_node: Mapped[str | None] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class DirectorySent(Base):
    """The version (digest) of the city's institution list last queued for a node."""

    __tablename__ = "directory_sent"

    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
