"""Requests forwarded to an owner node (one row per non-owner change; the key makes forwarding idempotent)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, utcnow


class ForwardedRequest(Base):
    """A non-owner's change the merger refused, and what the hub did with it."""

    __tablename__ = "forwarded_request"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "<inbox id>:<seq>"
    entity: Mapped[str] = mapped_column(String(40))
    pk: Mapped[str] = mapped_column(String(64))
    from_node: Mapped[str] = mapped_column(String(64))
    owner_node: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # "forwarded" | "owner_inactive"
    forwarded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
