"""Storing, accepting and rejecting change requests (all writes of this feature; caller's session).

Accepting applies the proposed record through the same validation as any edit
(:func:`node_agent.records.apply_record`), so it is captured and synced as this school's own
change. A record that no longer exists here cannot be updated by a request (it would re-create
something this school deleted): such a request can only be rejected.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from node_agent.db import utcnow
from node_agent.records import ValidationFailed, apply_record
from node_agent.requests.models import ChangeRequest
from protocol.entities import ENTITIES
from protocol.fields import FieldError
from protocol.i18n import N_


class RequestError(ValueError):
    """A decision that cannot be made; ``errors`` say why, per field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def store_request(session: Session, body: dict[str, Any]) -> ChangeRequest | None:
    """Keep a request from the downlink (idempotent by its id); None if the body is unusable."""
    try:
        request_id, entity, pk, op = str(body["request_id"]), str(body["entity"]), str(body["pk"]), str(body["op"])
        data = body.get("data")
    except (KeyError, TypeError):
        return None
    if entity not in ENTITIES or op not in ("upsert", "delete") or (op == "upsert") != isinstance(data, dict):
        return None
    existing = session.get(ChangeRequest, request_id)
    if existing is not None:
        return existing
    request = ChangeRequest(id=request_id[:40], from_rspo=str(body.get("from_rspo", ""))[:10],
                            from_name=str(body.get("from_name", ""))[:300], entity=entity, pk=pk[:64], op=op,
                            data=json.dumps(data, ensure_ascii=False) if data is not None else None)
    session.add(request)
    session.flush()
    return request


def _model(entity: str) -> Any:
    from node_agent.models import SYNCED_MODELS

    return SYNCED_MODELS[entity]


def current_record(session: Session, request: ChangeRequest) -> Any | None:
    """Our row the request is about, or None if it is gone (or the entity has no table here)."""
    model = _model(request.entity) if request.entity in _synced() else None
    return session.get(model, request.pk) if model is not None else None


def _synced() -> set[str]:
    from node_agent.models import SYNCED_MODELS

    return set(SYNCED_MODELS)


def _pending(request: ChangeRequest) -> None:
    if request.status != "pending":
        raise RequestError([FieldError("status", "decided", N_("this request has already been decided"),
                                       {"label": N_("request")})])


def accept(session: Session, request: ChangeRequest, *, by: str) -> None:
    """Apply the proposed version as our own write; raise RequestError/ValidationFailed, writing nothing."""
    _pending(request)
    obj = current_record(session, request)
    if obj is None:
        raise RequestError([FieldError("pk", "gone", N_("the record no longer exists at this school"),
                                       {"label": N_("record")})])
    if request.op == "delete":
        session.delete(obj)
        session.flush()
    else:
        proposed = json.loads(request.data or "{}")
        if proposed.get(ENTITIES[request.entity].pk) != request.pk:
            raise ValidationFailed([FieldError("id", "pk_mismatch", N_("the record's identifier does not match"),
                                               {"label": N_("identifier")})])
        with session.begin_nested():
            apply_record(session, _model(request.entity), proposed, obj)
    request.status, request.decided_at, request.decided_by = "accepted", utcnow(), by[:64]


def reject(session: Session, request: ChangeRequest, *, by: str, reason: str) -> None:
    """Refuse the request with a reason (kept; the other school sees the unchanged record)."""
    _pending(request)
    reason = (reason or "").strip()
    if not reason:
        raise RequestError([FieldError("reason", "required", N_("this field is required"),
                                       {"label": N_("reason for rejection")})])
    if len(reason) > 500:
        raise RequestError([FieldError("reason", "too_long", N_("at most {max} characters"),
                                       {"label": N_("reason for rejection"), "max": 500})])
    request.status, request.decided_at, request.decided_by, request.reason = "rejected", utcnow(), by[:64], reason
