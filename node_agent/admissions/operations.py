"""All writes of pending admissions: storing one from the downlink, marking one as handled.

:func:`store_admission` checks the message body with the same rules a secretary's entry meets
(PESEL, dates, lengths) and keeps nothing from a body that fails them: a bad message is reported as
"rejected" in the downlink log and never blocks the messages after it. It is idempotent by the
admission's id (the hub may send a message again after a lost acknowledgement).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from node_agent.admissions.models import PendingAdmission
from node_agent.db import utcnow
from protocol import pesel as pesel_rules

_LIMITS = {"first_name": 100, "second_name": 100, "last_name": 100, "document_type": 30, "document_number": 30,
           "street": 150, "postal_code": 6, "city": 100}
_GUARDIAN = {"first_name": 100, "last_name": 100, "phone": 20, "email": 254}


def _text(value: Any, limit: int, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise ValueError("missing")
        return None
    if not isinstance(value, str) or len(value) > limit or not value.strip():
        raise ValueError("bad text")
    return value.strip()


def parse_body(body: dict[str, Any]) -> dict[str, Any]:
    """The admission's columns from a ``recruitment_admission`` body; ValueError when it is unusable."""
    pupil, guardian = body.get("pupil"), body.get("guardian") or {}
    if not isinstance(pupil, dict) or not isinstance(guardian, dict):
        raise ValueError("no pupil")
    row: dict[str, Any] = {
        "id": _text(body.get("admission_id"), 36, required=True),
        "campaign": _text(body.get("campaign"), 200, required=True),
        "school_year": _text(body.get("school_year"), 9, required=True),
        "level": _text(body.get("level"), 20, required=True),
        "class_name": _text(body.get("class_name"), 100, required=True),
    }
    for name, limit in _LIMITS.items():
        row[name] = _text(pupil.get(name), limit, required=name in ("first_name", "last_name"))
    for name, limit in _GUARDIAN.items():
        row[f"guardian_{name}"] = _text(guardian.get(name), limit)
    birth = dt.date.fromisoformat(str(pupil.get("birth_date")))
    sex = pupil.get("sex")
    if sex not in ("F", "M"):
        raise ValueError("sex")
    if pupil.get("pesel"):
        info = pesel_rules.parse(pupil["pesel"])  # PeselError is a ValueError
        if info.birth_date != birth or info.sex != sex:
            raise ValueError("PESEL does not match the birth date or sex")
        row["pesel"] = info.pesel
    elif not (row["document_type"] and row["document_number"]):
        raise ValueError("no identifier")
    else:
        row["pesel"] = None
    row.update(birth_date=birth, sex=sex)
    return row


def store_admission(session: Session, body: dict[str, Any]) -> PendingAdmission | None:
    """Keep an admission from the downlink (the same id again is a no-op); None when the body is unusable."""
    try:
        row = parse_body(body)
    except (ValueError, TypeError):
        return None
    existing = session.get(PendingAdmission, row["id"])
    if existing is not None:
        return existing
    admission = PendingAdmission(**row)
    session.add(admission)
    session.flush()
    return admission


def mark_done(admission: PendingAdmission, *, by: str, note: str | None = None) -> None:
    """Record that the secretary has handled the admission (entered the pupil, or noted why not)."""
    admission.status, admission.handled_at, admission.handled_by = "done", utcnow(), by[:64]
    admission.note = (note or "").strip()[:500] or None
