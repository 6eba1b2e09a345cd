"""Hub user accounts and login attempts (for throttling)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, utcnow

# admin: the fleet and accounts; analyst: dashboards (no personal data); officer: compulsory-schooling
# control, the only role that sees children's names and PESEL (every such view is audited); school: a school's
# recruitment staff, tied to one institution (hub.recruitment.models.SchoolRecruiter), who verify applications
# whose first choice is that school.
ROLES = ("admin", "analyst", "officer", "school")


class HubUser(Base):
    """A city office user (see :data:`ROLES`)."""

    __tablename__ = "hub_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class HubLoginAttempt(Base):
    """One login attempt at the hub."""

    __tablename__ = "hub_login_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    success: Mapped[bool] = mapped_column(Boolean)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
