"""Which records this school may no longer change because of a transfer to another city school.

While a transfer is waiting for the receiving school's decision, and after it was accepted, the
pupil (and the guardians and links handed over with them) belong to the other school: the hub
refuses this school's changes to them (they become requests to the new owner). The register's
operations call :func:`ensure_pupil_writable` / :func:`ensure_guardian_writable` before every
write, so no path of this node (web, imports, tools using the operations) changes them; the
pages use :func:`pupil_lock` to show why, in Polish. Reads only: nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.records import ValidationFailed
from node_agent.transfers.models import PupilTransfer
from protocol.entities_secretariat import handover_items
from protocol.fields import FieldError
from protocol.i18n import N_

MOVED = N_("the pupil moved to {school} on {date}: their data is now kept by that school and "
           "can no longer be changed here")
PENDING = N_("the pupil is being transferred to {school}: their data cannot be changed until that "
             "school accepts or rejects the transfer")
GUARDIAN_MOVED = N_("this guardian's data went to {school} with a transferred pupil and is kept by that "
                    "school now")


@dataclass(frozen=True)
class Lock:
    """Why a record is read-only here: a transfer waiting for a decision, or one accepted."""

    kind: str  # "pending" | "moved"
    school: str
    on: dt.date
    transfer_id: str

    @property
    def message(self) -> str:
        """The message id explaining the lock (format with :meth:`params`)."""
        return PENDING if self.kind == "pending" else MOVED

    def params(self) -> dict[str, str]:
        """Values for the message's placeholders."""
        return {"school": self.school, "date": self.on.strftime("%d.%m.%Y")}


def _latest_out(session: Session, pupil_id: str) -> PupilTransfer | None:
    """The pupil's latest city transfer out that still binds, unless a later transfer brought them back."""
    rows = list(session.scalars(select(PupilTransfer).where(
        PupilTransfer.pupil_id == pupil_id, PupilTransfer.in_city.is_(True),
        PupilTransfer.status.in_(("pending", "accepted")))))
    if not rows:
        return None
    # Same day: an arrival is after a departure (the pupil came back).
    latest = max(rows, key=lambda t: (t.transfer_on, t.direction == "in"))
    return latest if latest.direction == "out" else None


def pupil_lock(session: Session, pupil_id: str) -> Lock | None:
    """The lock on pupil ``pupil_id``, or None if this school may change their data."""
    transfer = _latest_out(session, pupil_id)
    if transfer is None:
        return None
    kind = "pending" if transfer.status == "pending" else "moved"
    return Lock(kind, transfer.other_name, transfer.transfer_on, transfer.id)


def guardian_lock(session: Session, guardian_id: str) -> Lock | None:
    """The lock on a guardian handed over with a transferred pupil, or None."""
    for transfer in session.scalars(select(PupilTransfer).where(
            PupilTransfer.direction == "out", PupilTransfer.in_city.is_(True),
            PupilTransfer.status.in_(("pending", "accepted")), PupilTransfer.handover.contains(guardian_id))):
        if ("guardian", guardian_id) in handover_items(transfer.handover) and \
                _latest_out(session, transfer.pupil_id) is not None:
            kind = "pending" if transfer.status == "pending" else "moved"
            return Lock(kind, transfer.other_name, transfer.transfer_on, transfer.id)
    return None


def _refuse(lock: Lock, field: str, label: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, f"transfer_{lock.kind}", message, {"label": label, **lock.params()})])


def ensure_pupil_writable(session: Session, pupil_id: str) -> None:
    """Raise ValidationFailed (in Polish through the i18n layer) if the pupil is locked by a transfer."""
    lock = pupil_lock(session, pupil_id)
    if lock is not None:
        raise _refuse(lock, "pupil", N_("pupil"), lock.message)


def ensure_guardian_writable(session: Session, guardian_id: str) -> None:
    """Raise ValidationFailed if the guardian went to another school with a transferred pupil."""
    lock = guardian_lock(session, guardian_id)
    if lock is not None:
        raise _refuse(lock, "guardian", N_("guardian"), GUARDIAN_MOVED if lock.kind == "moved" else PENDING)
