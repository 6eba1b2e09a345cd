"""Transfer tables of the node.

Synced: ``pupil_transfer`` (this school's record of a pupil moving out or in) and
``transfer_decision`` (this school's answer to another city school's transfer). Local, never
synced: offers received from the hub (``incoming_transfer``, with the record package the sending
school's data makes up) and the city's institution list (``city_institution``, a downlink
dictionary the secretary picks the receiving school from).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from node_agent.db import Base, utcnow
from node_agent.register.models import Pupil
from protocol.fields import new_id

OFFER_STATUSES = ("pending", "accepted", "rejected", "withdrawn")


class PupilTransfer(Base):
    """A pupil moving to another school (out) or coming from one (in)."""

    __tablename__ = "pupil_transfer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupil.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    in_city: Mapped[bool] = mapped_column(Boolean)
    transfer_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), index=True)
    other_rspo: Mapped[str | None] = mapped_column(String(10))
    other_name: Mapped[str] = mapped_column(String(300))
    other_street: Mapped[str | None] = mapped_column(String(150))
    other_postal_code: Mapped[str | None] = mapped_column(String(6))
    other_city: Mapped[str | None] = mapped_column(String(100))
    origin_id: Mapped[str | None] = mapped_column(String(36))
    handover: Mapped[str | None] = mapped_column(String(2000))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome_reason: Mapped[str | None] = mapped_column(String(500))

    pupil: Mapped[Pupil] = relationship()


class TransferDecision(Base):
    """This school's acceptance or rejection of another city school's transfer."""

    __tablename__ = "transfer_decision"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    transfer_id: Mapped[str] = mapped_column(String(36), index=True)  # the sending school's pupil_transfer
    accepted: Mapped[bool] = mapped_column(Boolean)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(500))


class IncomingTransfer(Base):
    """A transfer offered to this school by another city school, as the hub delivered it."""

    __tablename__ = "incoming_transfer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the sending school's transfer id
    from_rspo: Mapped[str] = mapped_column(String(10))
    from_name: Mapped[str] = mapped_column(String(300))
    pupil_id: Mapped[str] = mapped_column(String(36), index=True)
    pupil_name: Mapped[str] = mapped_column(String(300))
    transfer_on: Mapped[dt.date] = mapped_column(Date)
    package: Mapped[str] = mapped_column(Text)  # JSON: the records that travelled with the pupil
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    hub_seq: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))


class CityInstitution(Base):
    """A school or institution of the city, from the hub's directory (downlink ``city_institutions``)."""

    __tablename__ = "city_institution"

    rspo: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    district: Mapped[str | None] = mapped_column(String(100))
    connected: Mapped[bool] = mapped_column(Boolean, default=False)  # has an active node: transfers can go there
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
