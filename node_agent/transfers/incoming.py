"""Receiving a pupil from another city school: the offer, then accepting or rejecting it.

The hub delivers the sending school's record as an offer (kept in ``incoming_transfer``, never
synced). Accepting it writes, in one transaction and in this order: this school's
``transfer_decision`` (first, so the hub moves ownership of the handed-over records before it
meets this school's writes to them), the pupil under the same id, the guardians and links handed
over (same ids: a guardian keeps one identity across the city) or copies of guardians the sending
school keeps for a sibling, a ``pupil_transfer`` record (in) naming the sending school, and the
admission: register entry with this school's next number and the class from the transfer date.
Rejecting writes only the decision with its reason. Either way the package stays as the pupil's
read-only history from the previous school. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.db import utcnow
from node_agent.records import ValidationFailed, apply_record, clean_input
from node_agent.register import admission
from node_agent.register import operations as ops
from node_agent.register.models import ClassUnit, Guardian, GuardianVerification, Pupil, PupilGuardian
from node_agent.transfers.models import IncomingTransfer, PupilTransfer, TransferDecision
from protocol.entities import GUARDIAN, PUPIL, PUPIL_GUARDIAN
from protocol.entities_secretariat import GUARDIAN_VERIFICATION, handover_items
from protocol.fields import FieldError, new_id, parse_date
from protocol.i18n import N_


def store_offer(session: Session, body: dict[str, Any], hub_seq: int) -> IncomingTransfer | None:
    """Keep an offer from the downlink (idempotent by transfer id); None if the body is unusable."""
    try:
        transfer_id, pupil_id = str(body["transfer_id"]), str(body["pupil_id"])
        records = body["records"]
        (pupil,) = [r for r in records["pupil"] if r.get("id") == pupil_id]
        transfer_on = parse_date(str(body["transfer_on"]))
        name = " ".join(str(pupil.get(k) or "") for k in ("first_name", "second_name", "last_name") if pupil.get(k))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if transfer_on is None or not isinstance(records, dict):
        return None
    existing = session.get(IncomingTransfer, transfer_id[:36])
    if existing is not None:
        return existing
    offer = IncomingTransfer(id=transfer_id[:36], from_rspo=str(body.get("from_rspo", ""))[:10],
                             from_name=str(body.get("from_name", ""))[:300], pupil_id=pupil_id[:36],
                             pupil_name=name[:300], transfer_on=transfer_on, hub_seq=hub_seq,
                             package=json.dumps(body, ensure_ascii=False), status="pending")
    session.add(offer)
    session.flush()
    return offer


def withdraw(session: Session, body: dict[str, Any]) -> str:
    """The sending school took its offer back: a pending offer can no longer be accepted."""
    offer = session.get(IncomingTransfer, str(body.get("transfer_id", ""))[:36])
    if offer is None:
        return "rejected"
    if offer.status == "pending":
        offer.status, offer.decided_at = "withdrawn", utcnow()
        session.flush()
    return "applied"


def package(offer: IncomingTransfer) -> dict[str, Any]:
    """The offer's message body: the records that came with the pupil, by entity."""
    return json.loads(offer.package)


def _pending(offer: IncomingTransfer) -> None:
    if offer.status != "pending":
        raise ValidationFailed([FieldError("status", "decided", N_("this transfer has already been decided"),
                                           {"label": N_("transfer")})])


def _decision(session: Session, offer: IncomingTransfer, *, accepted: bool, today: dt.date,
              reason: str | None) -> None:
    apply_record(session, TransferDecision, {"id": new_id(), "transfer_id": offer.id, "accepted": accepted,
                                             "decided_on": today.isoformat(), "reason": reason})


def reject(session: Session, offer: IncomingTransfer, *, reason: str | None, by: str, today: dt.date) -> None:
    """Refuse the pupil, giving the reason the sending school will see."""
    _pending(offer)
    reason = (reason or "").strip() or None
    problems = []
    if reason is None:
        problems.append(FieldError("reason", "required", N_("this field is required"),
                                   {"label": N_("reason for the decision")}))
    elif len(reason) > 500:
        problems.append(FieldError("reason", "too_long", N_("at most {max} characters allowed, {length} given"),
                                   {"label": N_("reason for the decision"), "max": 500, "length": len(reason)}))
    if problems:
        raise ValidationFailed(problems)
    _decision(session, offer, accepted=False, today=today, reason=reason)
    offer.status, offer.decided_at, offer.decided_by, offer.reason = "rejected", utcnow(), by[:64], reason
    session.flush()


def _upsert(session: Session, model: Any, entity: Any, record: dict[str, Any]) -> Any:
    data = clean_input(entity, {k: record.get(k) for k in entity.field_names})
    return apply_record(session, model, data, session.get(model, data["id"]))


def _guardians(session: Session, records: dict[str, Any], pupil: Pupil, moved: set[tuple[str, str]],
               sender: str) -> None:
    """Guardians and links: the handed-over ones under their ids, copies of those the sender keeps.

    Only the sending school's links count: links kept by schools the pupil attended before are
    their history, not the pupil's family now.
    """
    guardians = {g.get("id"): g for g in records.get("guardian", []) if isinstance(g, dict)}
    for link in records.get("pupil_guardian", []):
        if not isinstance(link, dict) or link.get("pupil_id") != pupil.id or link.get("_school") != sender:
            continue
        source = guardians.get(link.get("guardian_id"))
        if source is None:
            continue
        if ("pupil_guardian", link.get("id")) in moved and ("guardian", source.get("id")) in moved:
            _upsert(session, Guardian, GUARDIAN, source)
            _upsert(session, PupilGuardian, PUPIL_GUARDIAN, link)
            continue
        values = clean_input(GUARDIAN, {k: source.get(k) for k in GUARDIAN.field_names if k != "id"})
        guardian = ops.find_guardian(session, first_name=values.get("first_name") or "",
                                     last_name=values.get("last_name") or "", phone=values.get("phone"),
                                     email=values.get("email")) or ops.save_guardian(session, values)
        ops.link_guardian(session, pupil, guardian, relation=link.get("relation") or "other",
                          legal_custody=bool(link.get("legal_custody")),
                          may_receive_info=bool(link.get("may_receive_info")))
    for verification in records.get("guardian_verification", []):
        if isinstance(verification, dict) and ("guardian_verification", verification.get("id")) in moved and \
                ("guardian", verification.get("guardian_id")) in moved:
            _upsert(session, GuardianVerification, GUARDIAN_VERIFICATION, verification)


def accept(session: Session, offer: IncomingTransfer, *, class_unit: ClassUnit | None, by: str, today: dt.date,
           decision: str | None = None, decided_on: Any = None) -> Pupil:
    """Take the pupil in: their record under the same id, a register entry and the class from the transfer date."""
    _pending(offer)
    if class_unit is None:
        raise ValidationFailed([FieldError("class_id", "required", N_("choose one of the listed options"),
                                           {"label": N_("Class")})])
    body = package(offer)
    records, moved = body["records"], set(handover_items(body.get("handover")))
    source = next(r for r in records["pupil"] if r.get("id") == offer.pupil_id)
    record = clean_input(PUPIL, {k: source.get(k) for k in PUPIL.field_names})
    record["register_number"] = None  # this school gives its own number at admission
    existing = session.get(Pupil, offer.pupil_id)
    problems = PUPIL.validate(record) + ops.pupil_duplicates(session, record, offer.pupil_id)
    problems += [e for e in admission.check_admission(session, offer.transfer_on, decision, decided_on)]
    if problems:
        raise ValidationFailed(problems)
    _decision(session, offer, accepted=True, today=today, reason=None)  # first: see the module docstring
    pupil = apply_record(session, Pupil, record, existing)
    _guardians(session, records, pupil, moved, offer.from_rspo)  # type: ignore[arg-type]
    apply_record(session, PupilTransfer, {
        "id": new_id(), "pupil_id": pupil.id, "direction": "in", "in_city": True,
        "transfer_on": offer.transfer_on.isoformat(), "status": "accepted", "other_rspo": offer.from_rspo or None,
        "other_name": offer.from_name or offer.from_rspo, "other_street": None, "other_postal_code": None,
        "other_city": None, "origin_id": offer.id, "handover": None, "decided_on": today.isoformat(),
        "outcome_reason": None})
    admission.admit(session, pupil, admitted_on=offer.transfer_on, reason="transfer_in",  # type: ignore[arg-type]
                    class_unit=class_unit, decision=decision, decided_on=decided_on)
    offer.status, offer.decided_at, offer.decided_by = "accepted", utcnow(), by[:64]
    session.flush()
    return pupil  # type: ignore[return-value]


def previous_schools(session: Session, pupil_id: str) -> list[IncomingTransfer]:
    """Accepted offers of this pupil: their history at previous city schools, newest first."""
    return list(session.scalars(select(IncomingTransfer).where(
        IncomingTransfer.pupil_id == pupil_id, IncomingTransfer.status == "accepted")
        .order_by(IncomingTransfer.transfer_on.desc())))
