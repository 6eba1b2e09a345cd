"""Pending admissions received from the hub (local to the school, never synced).

A row is what the city's recruitment sent: the admitted pupil, the class they were admitted to and
the parent's contact details. The secretary enrols the pupil in the register — a register entry
with the next number, the class and the guardian, written by :mod:`node_agent.register.admission`
and synced like any admission — or notes why not; until then nothing here touches the register.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from node_agent.db import Base, utcnow

STATUSES = ("pending", "done")


class PendingAdmission(Base):
    """A pupil admitted in the city's recruitment, as the hub sent them."""

    __tablename__ = "pending_admission"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the hub's admission id (idempotent)
    campaign: Mapped[str] = mapped_column(String(200))
    school_year: Mapped[str] = mapped_column(String(9))
    level: Mapped[str] = mapped_column(String(20))
    class_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    second_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    pesel: Mapped[str | None] = mapped_column(String(11))
    document_type: Mapped[str | None] = mapped_column(String(30))
    document_number: Mapped[str | None] = mapped_column(String(30))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    street: Mapped[str | None] = mapped_column(String(150))
    postal_code: Mapped[str | None] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(100))
    guardian_first_name: Mapped[str | None] = mapped_column(String(100))
    guardian_last_name: Mapped[str | None] = mapped_column(String(100))
    guardian_phone: Mapped[str | None] = mapped_column(String(20))
    guardian_email: Mapped[str | None] = mapped_column(String(254))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    handled_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    # The register's pupil the admission was entered as (None: handled without an entry, see ``note``).
    pupil_id: Mapped[str | None] = mapped_column(String(36))

    @property
    def full_name(self) -> str:
        """First (and second) name and last name."""
        return " ".join(n for n in (self.first_name, self.second_name, self.last_name) if n)
