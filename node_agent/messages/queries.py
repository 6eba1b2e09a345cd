"""Reading messages between staff: a person's inbox and sent list, one message with its recipients'
read times, and the staff one can write to. A person sees only messages they sent or received,
and only their own copies (never what others removed or kept)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node_agent.auth.models import UserAccount
from node_agent.messages.models import Message, MessageRecipient
from node_agent.messages.operations import STAFF
from node_agent.staff.models import StaffMember


def staff_names(session: Session, ids: set[str] | None = None) -> dict[str, str]:
    """{staff member id: "First Last"} of ``ids`` (or of everyone)."""
    stmt = select(StaffMember.id, StaffMember.first_name, StaffMember.last_name)
    if ids is not None:
        stmt = stmt.where(StaffMember.id.in_(ids))
    return {i: f"{first} {last}" for i, first, last in session.execute(stmt).all()}


def recipient_choices(session: Session, sender_id: str) -> list[tuple[str, str]]:
    """(staff member id, "Last First") of everyone reachable by a message except the sender, by name."""
    rows = session.execute(select(StaffMember.id, StaffMember.last_name, StaffMember.first_name).distinct()
                           .join(UserAccount, UserAccount.staff_member_id == StaffMember.id)
                           .where(StaffMember.active.is_(True), UserAccount.active.is_(True),
                                  StaffMember.id != sender_id)
                           .order_by(StaffMember.last_name, StaffMember.first_name)).all()
    return [(i, f"{last} {first}") for i, last, first in rows]


@dataclass(frozen=True)
class InboxRow:
    """A received message in a list: who sent it, when, and when this person read it."""

    message: Message
    sender_name: str
    read_at: dt.datetime | None


def inbox(session: Session, staff_id: str) -> list[InboxRow]:
    """Messages ``staff_id`` received and did not remove, newest first."""
    rows = session.execute(select(Message, MessageRecipient.read_at)
                           .join(MessageRecipient, MessageRecipient.message_id == Message.id)
                           .where(MessageRecipient.recipient_kind == STAFF, MessageRecipient.recipient_id == staff_id,
                                  MessageRecipient.removed_at.is_(None))
                           .order_by(Message.sent_at.desc())).all()
    names = staff_names(session, {m.sender_id for m, _r in rows})
    return [InboxRow(m, names.get(m.sender_id, "–"), read_at) for m, read_at in rows]


def unread_count(session: Session, staff_id: str) -> int:
    """How many messages in ``staff_id``'s inbox are unread."""
    return session.scalar(select(func.count()).select_from(MessageRecipient).where(
        MessageRecipient.recipient_kind == STAFF, MessageRecipient.recipient_id == staff_id,
        MessageRecipient.removed_at.is_(None), MessageRecipient.read_at.is_(None))) or 0


@dataclass(frozen=True)
class Delivery:
    """One recipient of a message and when they read it."""

    name: str
    read_at: dt.datetime | None


def deliveries(session: Session, message: Message) -> list[Delivery]:
    """Every recipient of ``message`` with their read time, by name (removed copies included)."""
    copies = list(session.scalars(select(MessageRecipient).where(MessageRecipient.message_id == message.id)))
    names = staff_names(session, {c.recipient_id for c in copies if c.recipient_kind == STAFF})
    return sorted((Delivery(names.get(c.recipient_id, "–"), c.read_at) for c in copies), key=lambda d: d.name)


@dataclass(frozen=True)
class SentRow:
    """A sent message in a list: its recipients and how many have read it."""

    message: Message
    recipients: list[Delivery]

    @property
    def read_count(self) -> int:
        """Recipients who opened it."""
        return sum(1 for d in self.recipients if d.read_at is not None)


def sent(session: Session, staff_id: str) -> list[SentRow]:
    """Messages ``staff_id`` sent and did not remove from their list, newest first."""
    messages = list(session.scalars(select(Message).where(Message.sender_kind == STAFF, Message.sender_id == staff_id,
                                                          Message.sender_removed_at.is_(None))
                                    .order_by(Message.sent_at.desc())))
    copies = list(session.scalars(select(MessageRecipient).where(
        MessageRecipient.message_id.in_([m.id for m in messages])))) if messages else []
    names = staff_names(session, {c.recipient_id for c in copies})
    by_message: dict[str, list[Delivery]] = {m.id: [] for m in messages}
    for c in copies:
        by_message[c.message_id].append(Delivery(names.get(c.recipient_id, "–"), c.read_at))
    return [SentRow(m, sorted(by_message[m.id], key=lambda d: d.name)) for m in messages]


def can_open(session: Session, message: Message, staff_id: str) -> bool:
    """Whether ``staff_id`` sent or received ``message`` (and still holds their copy)."""
    if message.sender_kind == STAFF and message.sender_id == staff_id and message.sender_removed_at is None:
        return True
    return bool(session.scalar(select(MessageRecipient.id).where(
        MessageRecipient.message_id == message.id, MessageRecipient.recipient_kind == STAFF,
        MessageRecipient.recipient_id == staff_id, MessageRecipient.removed_at.is_(None))))
