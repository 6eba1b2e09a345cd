"""Behaviour notes, homework and announcements, each synced as the entity of the same name in
:mod:`protocol.entities_journal` (captured by the outbox triggers like every synced table).

:class:`JournalHistory` is local to the school and never synced, like the gradebook's history: every
addition, edit and deletion of a note or homework with the record before and after, who made it and
when (the hub keeps the current version of each record only)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node_agent.db import Base
from node_agent.history import ChangeHistory
from protocol.fields import new_id


class BehaviourNote(Base):
    """A note (uwaga) about a pupil: positive, negative or neutral, with a category and its author."""

    __tablename__ = "behaviour_note"
    __table_args__ = (Index("ix_behaviour_note_class_date", "class_id", "noted_on"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupil.id"), index=True)
    class_id: Mapped[str] = mapped_column(ForeignKey("class_unit.id"))
    kind: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    noted_on: Mapped[dt.date] = mapped_column(Date)
    author_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"))
    audience: Mapped[str] = mapped_column(String(10))


class Homework(Base):
    """Homework set in a teaching assignment (a class or group and a subject)."""

    __tablename__ = "homework"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("teaching_assignment.id"), index=True)
    set_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    description: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"))
    audience: Mapped[str] = mapped_column(String(10))


class Announcement(Base):
    """A notice for the whole school or for chosen classes (:class:`AnnouncementClass`), shown between two dates."""

    __tablename__ = "announcement"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date, index=True)
    scope: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"))
    audience: Mapped[str] = mapped_column(String(10))


class AnnouncementClass(Base):
    """One class an announcement of scope ``classes`` is meant for."""

    __tablename__ = "announcement_class"
    __table_args__ = (UniqueConstraint("announcement_id", "class_id", name="announcement_class_once"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    announcement_id: Mapped[str] = mapped_column(ForeignKey("announcement.id"), index=True)
    class_id: Mapped[str] = mapped_column(ForeignKey("class_unit.id"), index=True)


class JournalHistory(ChangeHistory, Base):
    """One change to a behaviour note or homework: what it was, what it became, who changed it and when."""

    __tablename__ = "journal_history"
    __table_args__ = (Index("ix_journal_history_record", "entity", "record_id"),)
