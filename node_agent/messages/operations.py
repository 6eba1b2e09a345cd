"""Every write to messages between staff: sending (to one or more staff members, or as a reply),
recording the time a recipient first read their copy, and removing one's own copy.

Sending checks everything first (recipients exist and are active staff with an account, subject
and text present and not too long) and raises :class:`~node_agent.records.ValidationFailed` with
every problem before writing anything. Nobody can change or remove another person's copy: every
function here takes the acting staff member and touches only that person's rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.auth.models import UserAccount
from node_agent.db import utcnow
from node_agent.messages.models import Message, MessageRecipient
from node_agent.records import ValidationFailed
from node_agent.staff.models import StaffMember
from protocol.fields import FieldError
from protocol.i18n import N_

SUBJECT_MAX = 200
BODY_MAX = 10000
STAFF = "staff"


def reachable_staff_ids(session: Session) -> set[str]:
    """Staff members who can receive messages: active and with an active account on this node."""
    return set(session.scalars(select(StaffMember.id).join(UserAccount, UserAccount.staff_member_id == StaffMember.id)
                               .where(StaffMember.active.is_(True), UserAccount.active.is_(True))))


def send(session: Session, sender_id: str, *, recipient_ids: Iterable[str], subject: str | None, body: str | None,
         reply_to: Message | None = None) -> Message:
    """Send a message from staff member ``sender_id`` to each of ``recipient_ids`` (their own copies)."""
    errors: list[FieldError] = []
    wanted = sorted({r for r in recipient_ids if r})
    if not wanted:
        errors.append(FieldError("recipients", "required", N_("choose at least one recipient"),
                                 {"label": N_("recipients")}))
    elif set(wanted) - reachable_staff_ids(session):
        errors.append(FieldError("recipients", "unknown", N_("choose recipients from the list"),
                                 {"label": N_("recipients")}))
    topic = (subject or "").strip()
    text = (body or "").strip()
    for field, value, label, limit in (("subject", topic, N_("message subject"), SUBJECT_MAX),
                                       ("body", text, N_("message text"), BODY_MAX)):
        if not value:
            errors.append(FieldError(field, "required", N_("this field is required"), {"label": label}))
        elif len(value) > limit:
            errors.append(FieldError(field, "max_length", N_("must be at most {max} characters"),
                                     {"label": label, "max": limit}))
    if errors:
        raise ValidationFailed(errors)
    message = Message(sender_kind=STAFF, sender_id=sender_id, subject=topic, body=text, sent_at=utcnow(),
                      reply_to_id=reply_to.id if reply_to else None)
    session.add(message)
    session.flush()
    session.add_all(MessageRecipient(message_id=message.id, recipient_kind=STAFF, recipient_id=r) for r in wanted)
    session.flush()
    return message


def copy_of(session: Session, message: Message, staff_id: str) -> MessageRecipient | None:
    """``staff_id``'s received copy of ``message`` (None if they are not a recipient)."""
    return session.scalar(select(MessageRecipient).where(MessageRecipient.message_id == message.id,
                                                         MessageRecipient.recipient_kind == STAFF,
                                                         MessageRecipient.recipient_id == staff_id))


def mark_read(session: Session, copy: MessageRecipient) -> bool:
    """Record when the recipient first opened their copy; True if this was the first time."""
    if copy.read_at is not None:
        return False
    copy.read_at = utcnow()
    session.flush()
    return True


def remove_own_copy(session: Session, message: Message, staff_id: str) -> bool:
    """Remove ``staff_id``'s own copies (sent and/or received) from their lists; others keep theirs.

    Returns False when ``staff_id`` has no copy of the message. The rows stay (the other party's
    view of read times must not change); only the person's own mark is set.
    """
    now, removed = utcnow(), False
    if message.sender_kind == STAFF and message.sender_id == staff_id and message.sender_removed_at is None:
        message.sender_removed_at = now
        removed = True
    copy = copy_of(session, message, staff_id)
    if copy is not None and copy.removed_at is None:
        copy.removed_at = now
        removed = True
    session.flush()
    return removed
