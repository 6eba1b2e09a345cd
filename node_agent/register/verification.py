"""Guardians' e-mail addresses confirmed by the school, for the parents' portal.

The portal (on the hub) will bind a parent's account to a guardian's stable id only through an
address the school has confirmed — in person or on a signed form — so a typo or someone else's
address typed in the office never opens a child's data to a stranger. A confirmation belongs to
one address: when the guardian's e-mail changes, it is no longer confirmed (nothing is deleted;
the history stays). Writes flush, never commit.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.records import ValidationFailed, apply_record
from node_agent.register.models import Guardian, GuardianVerification
from node_agent.transfers.locks import ensure_guardian_writable
from protocol.fields import FieldError, new_id
from protocol.i18n import N_


def confirmed(session: Session, guardian: Guardian) -> GuardianVerification | None:
    """The latest confirmation of the guardian's current e-mail address, or None."""
    if not guardian.email:
        return None
    return session.scalar(select(GuardianVerification).where(
        GuardianVerification.guardian_id == guardian.id, GuardianVerification.email == guardian.email,
    ).order_by(GuardianVerification.verified_on.desc()).limit(1))


def confirm_email(session: Session, guardian: Guardian, *, verified_on: dt.date | None,
                  method: str | None) -> GuardianVerification:
    """Record that the school confirmed the guardian's current e-mail address."""
    ensure_guardian_writable(session, guardian.id)
    if not guardian.email:
        raise ValidationFailed([FieldError("email", "required", N_("enter the guardian's e-mail address first"),
                                           {"label": N_("e-mail")})])
    return apply_record(session, GuardianVerification, {  # type: ignore[return-value]
        "id": new_id(), "guardian_id": guardian.id, "email": guardian.email,
        "verified_on": verified_on.isoformat() if verified_on else None, "method": method or None})
