"""Change requests received from the hub (not synced: the decision shows up as this school's own write)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node_agent.db import Base, utcnow

STATUSES = ("pending", "accepted", "rejected")


class ChangeRequest(Base):
    """A proposed version of one of our records, from a school that does not own it."""

    __tablename__ = "change_request"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the hub's "<inbox id>:<seq>"
    from_rspo: Mapped[str] = mapped_column(String(10))
    from_name: Mapped[str] = mapped_column(String(300))
    entity: Mapped[str] = mapped_column(String(40))
    pk: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(10))
    data: Mapped[str | None] = mapped_column(Text)  # the proposed record, JSON (None for a delete)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
