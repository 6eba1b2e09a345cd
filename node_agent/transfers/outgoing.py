"""Sending a pupil to another city school, and what happens when its answer comes back.

Starting a transfer (the school office, in the caller's transaction): the pupil's open class
membership ends the day before the transfer date with ``transfer_out`` — so the city never sees
two open memberships, whatever order the schools synchronise in — and a ``pupil_transfer``
record (out, pending) names the receiving school and lists in ``handover`` what goes with the
pupil: the pupil, the links to their guardians and those guardians (with their confirmed e-mail
addresses) that no other pupil of this school shares. A guardian shared with a sibling who
stays is not handed over: the receiving school makes its own copy. From then on the pupil is
read-only here (:mod:`node_agent.transfers.locks`).

The hub offers the record to the receiving school and brings back its decision
(:func:`apply_outcome`, run from the downlink): accepted — the register entry is closed the day
before the transfer date; rejected — the class membership is reopened and the pupil is this
school's again. The office may also withdraw a transfer still waiting (:func:`cancel`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.records import ValidationFailed, apply_record, to_wire
from node_agent.register import operations as ops
from node_agent.register.admission import open_entry
from node_agent.register.models import Enrolment, GuardianVerification, Pupil, PupilGuardian, RegisterEntry
from node_agent.school.models import School
from node_agent.transfers.locks import ensure_pupil_writable
from node_agent.transfers.models import CityInstitution, PupilTransfer
from protocol.entities import ENROLMENT
from protocol.entities_secretariat import PUPIL_TRANSFER, REGISTER_ENTRY, handover_text
from protocol.fields import FieldError, new_id, parse_date
from protocol.i18n import N_
from zszo.web.text import polish_key

log = logging.getLogger(__name__)
UNDELIVERABLE = N_("the receiving school is not connected to the city hub")
MAX_HANDOVER = 2000


def destinations(session: Session) -> list[CityInstitution]:
    """City schools a pupil can be transferred to (connected to the hub; not this school), by name."""
    own = session.scalar(select(School.rspo).limit(1))
    found = session.scalars(select(CityInstitution).where(CityInstitution.connected.is_(True),
                                                          CityInstitution.rspo != (own or "")))
    return sorted(found, key=lambda i: (polish_key(i.name), i.rspo))  # the "pl" collation is the web app's


def handover(session: Session, pupil: Pupil) -> list[tuple[str, str]]:
    """What goes to the receiving school with ``pupil``: the pupil, links and guardians no other pupil shares."""
    items = [("pupil", pupil.id)]
    for link in session.scalars(select(PupilGuardian).where(PupilGuardian.pupil_id == pupil.id)
                                .order_by(PupilGuardian.id)):
        shared = session.scalar(select(PupilGuardian.id).where(PupilGuardian.guardian_id == link.guardian_id,
                                                               PupilGuardian.pupil_id != pupil.id).limit(1))
        if shared is not None:
            continue
        items += [("pupil_guardian", link.id), ("guardian", link.guardian_id)]
        latest = session.scalar(select(GuardianVerification.id).where(
            GuardianVerification.guardian_id == link.guardian_id)
            .order_by(GuardianVerification.verified_on.desc()).limit(1))
        if latest is not None and len(handover_text(items)) + 60 < MAX_HANDOVER:
            items.append(("guardian_verification", latest))
    return items


def _problem(field: str, code: str, message: str, label: str) -> FieldError:
    return FieldError(field, code, message, {"label": label})


def start(session: Session, pupil: Pupil, *, to_rspo: str | None, transfer_on: Any) -> PupilTransfer:
    """Start transferring ``pupil`` to the city school ``to_rspo`` from ``transfer_on`` (their first day there)."""
    ensure_pupil_writable(session, pupil.id)
    errors = []
    target = session.get(CityInstitution, to_rspo) if to_rspo else None
    if target is None or target not in destinations(session):
        errors.append(_problem("to_rspo", "choice", N_("choose one of the listed options"), N_("receiving school")))
    day = transfer_on if isinstance(transfer_on, dt.date) else parse_date(transfer_on or "")
    if day is None:
        message = N_("this field is required") if not transfer_on else \
            N_("not a valid date (use YYYY-MM-DD, e.g. 2015-09-01)")
        errors.append(_problem("transfer_on", "date", message, N_("date of the transfer")))
    if errors:
        raise ValidationFailed(errors)
    assert day is not None and target is not None
    items = handover(session, pupil)
    for enrolment in session.scalars(select(Enrolment).where(Enrolment.pupil_id == pupil.id,
                                                             Enrolment.ends_on.is_(None))):
        ends = max(day - dt.timedelta(days=1), enrolment.starts_on)
        ops.end_enrolment(session, enrolment, ends_on=ends, leaving_reason="transfer_out")
    return apply_record(session, PupilTransfer, {  # type: ignore[return-value]
        "id": new_id(), "pupil_id": pupil.id, "direction": "out", "in_city": True,
        "transfer_on": day.isoformat(), "status": "pending", "other_rspo": target.rspo, "other_name": target.name,
        "other_street": None, "other_postal_code": None, "other_city": None, "origin_id": None,
        "handover": handover_text(items), "decided_on": None, "outcome_reason": None})


def _reopen(session: Session, transfer: PupilTransfer) -> None:
    """Undo the end of class membership written when the transfer started."""
    ended = transfer.transfer_on - dt.timedelta(days=1)
    for enrolment in session.scalars(select(Enrolment).where(
            Enrolment.pupil_id == transfer.pupil_id, Enrolment.leaving_reason == "transfer_out",
            Enrolment.ends_on.in_((ended, transfer.transfer_on)))):
        if enrolment.ends_on == max(ended, enrolment.starts_on):
            record = to_wire(ENROLMENT, enrolment)
            record.update(ends_on=None, leaving_reason=None)
            apply_record(session, Enrolment, record, enrolment)


def _set(session: Session, transfer: PupilTransfer, **values: Any) -> None:
    record = to_wire(PUPIL_TRANSFER, transfer)
    record.update(values)
    apply_record(session, PupilTransfer, record, transfer)


def cancel(session: Session, transfer: PupilTransfer) -> None:
    """Withdraw a transfer still waiting for the receiving school: the pupil is this school's again."""
    if transfer.direction != "out" or transfer.status != "pending":
        raise ValidationFailed([_problem("status", "decided", N_("this transfer is no longer waiting for a decision"),
                                         N_("transfer"))])
    _set(session, transfer, status="cancelled")
    _reopen(session, transfer)


def apply_outcome(session: Session, body: dict[str, Any], *, today: dt.date) -> str:
    """Apply the receiving school's decision from a ``transfer_outcome`` message; return the downlink outcome."""
    transfer = session.get(PupilTransfer, str(body.get("transfer_id", "")))
    outcome = body.get("outcome")
    if transfer is None or transfer.direction != "out" or outcome not in ("accepted", "rejected", "undeliverable"):
        return "rejected"
    if transfer.status != "pending":
        return "applied"  # decided before (a repeated message, or withdrawn here meanwhile)
    decided = parse_date(str(body.get("decided_on") or "")) or today
    if outcome == "accepted":
        _set(session, transfer, status="accepted", decided_on=decided.isoformat(), outcome_reason=None)
        entry: RegisterEntry | None = open_entry(session, transfer.pupil_id)
        if entry is not None:
            record = to_wire(REGISTER_ENTRY, entry)
            left = max(transfer.transfer_on - dt.timedelta(days=1), entry.admitted_on)
            record.update(left_on=left.isoformat(), leaving_reason="transfer_out")
            apply_record(session, RegisterEntry, record, entry)
        return "applied"
    reason = str(body.get("reason") or "").strip()[:500] or None
    if outcome == "undeliverable":
        from zszo.i18n import gettext_for

        reason = gettext_for("pl")(UNDELIVERABLE)
    _set(session, transfer, status="rejected", decided_on=decided.isoformat(), outcome_reason=reason)
    _reopen(session, transfer)
    return "applied"

