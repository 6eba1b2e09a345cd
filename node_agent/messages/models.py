"""Messages between staff. Local to the school and never synced (no entity in the protocol): staff
correspondence is private and has no reader at the hub; node backups (``VACUUM INTO``) keep it.

Each recipient has their own copy (:class:`MessageRecipient`) with its own read time and its own
"removed" mark, and the sender's copy is the message row's ``sender_removed_at``: anyone may
remove their own copy, never another person's. Recipients are ``(recipient_kind, recipient_id)``:
``staff`` and a staff member's id today; guardians, when the hub portal brings them, become
another kind without a change of tables.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node_agent.db import Base, utcnow
from protocol.fields import new_id

RECIPIENT_KINDS = ("staff",)


class Message(Base):
    """One message as sent: its sender, subject, text and time, and the message it replies to."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_sender", "sender_kind", "sender_id", "sent_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    sender_kind: Mapped[str] = mapped_column(String(10), default="staff")
    sender_id: Mapped[str] = mapped_column(String(36))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reply_to_id: Mapped[str | None] = mapped_column(ForeignKey("message.id"))
    sender_removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class MessageRecipient(Base):
    """One recipient's copy of a message: when they read it and whether they removed it."""

    __tablename__ = "message_recipient"
    __table_args__ = (
        UniqueConstraint("message_id", "recipient_kind", "recipient_id", name="message_recipient_once"),
        Index("ix_message_recipient_inbox", "recipient_kind", "recipient_id", "removed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("message.id"), index=True)
    recipient_kind: Mapped[str] = mapped_column(String(10))
    recipient_id: Mapped[str] = mapped_column(String(36))
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
