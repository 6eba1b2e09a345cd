"""Change requests pages: the list, one request with our record beside the proposal, accept, reject.

For the school office (secretary, director, admin). Every view of a request is audited like a
view of the record it concerns; the proposal itself is never logged.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError

from node_agent.records import ValidationFailed
from node_agent.requests import operations as ops
from node_agent.requests.forms import RejectForm
from node_agent.requests.models import ChangeRequest
from node_agent.web.context import OFFICE_ROLES, audit, current_user, db, roles_required
from protocol.entities import ENTITIES
from zszo.web.forms import attach_errors

bp = Blueprint("requests", __name__, url_prefix="/requests", template_folder="templates")


def _request(request_id: str) -> ChangeRequest:
    found = db().get(ChangeRequest, request_id)
    if found is None:
        abort(404)
    return found


@bp.get("")
@roles_required(*OFFICE_ROLES)
def request_list():  # type: ignore[no-untyped-def]
    """Pending requests first (oldest first), then the decided ones (newest first)."""
    pending_first = case((ChangeRequest.status == "pending", 0), else_=1)
    rows = db().scalars(select(ChangeRequest).order_by(pending_first, ChangeRequest.received_at)).all()
    pending = [r for r in rows if r.status == "pending"]
    decided = sorted((r for r in rows if r.status != "pending"), key=lambda r: r.decided_at, reverse=True)
    return render_template("requests/list.html", pending=pending, decided=decided, entities=ENTITIES)


def _comparison(request: ChangeRequest) -> list[tuple[str, object, object, bool]]:
    """(field label, our value, proposed value, differs) for every field of the entity."""
    entity = ENTITIES[request.entity]
    ours = ops.current_record(db(), request)
    proposed = json.loads(request.data) if request.data else {}
    rows = []
    for field in entity.fields:
        mine = getattr(ours, field.name, None) if ours is not None else None
        mine = mine.isoformat() if hasattr(mine, "isoformat") else mine
        theirs = proposed.get(field.name) if request.op == "upsert" else None
        rows.append((_(field.label), mine, theirs, mine != theirs))
    return rows


def _page(request: ChangeRequest, form: RejectForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("requests/detail.html", request=request, form=form, rows=_comparison(request),
                           exists=ops.current_record(db(), request) is not None,
                           entity_label=_(ENTITIES[request.entity].label)), status


@bp.get("/<request_id>")
@roles_required(*OFFICE_ROLES)
def request_detail(request_id: str):  # type: ignore[no-untyped-def]
    """One request: our record and the proposed version side by side."""
    request = _request(request_id)
    audit("view", request.entity, request.pk, "change_request")
    return _page(request, RejectForm())


@bp.post("/<request_id>/accept")
@roles_required(*OFFICE_ROLES)
def request_accept(request_id: str):  # type: ignore[no-untyped-def]
    """Apply the proposal as this school's own change."""
    request = _request(request_id)
    form = RejectForm()
    try:
        ops.accept(db(), request, by=current_user().username)
        db().flush()
    except (ops.RequestError, ValidationFailed) as exc:
        attach_errors(form, exc.errors, _)
        return _page(request, form, 422)
    except IntegrityError:
        db().rollback()
        flash(_("The change cannot be applied: other records still refer to this one."), "error")
        return redirect(url_for("requests.request_detail", request_id=request_id))
    audit("update", request.entity, request.pk, "change_request")
    flash(_("The change has been applied and will be sent to the city hub."), "success")
    return redirect(url_for("requests.request_list"))


@bp.post("/<request_id>/reject")
@roles_required(*OFFICE_ROLES)
def request_reject(request_id: str):  # type: ignore[no-untyped-def]
    """Refuse the proposal, with a reason."""
    request = _request(request_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _page(request, form, 400)
    try:
        ops.reject(db(), request, by=current_user().username, reason=form.reason.data or "")
    except ops.RequestError as exc:
        attach_errors(form, exc.errors, _)
        return _page(request, form, 422)
    audit("view", request.entity, request.pk, "change_request_rejected")
    flash(_("The request has been rejected."), "success")
    return redirect(url_for("requests.request_list"))
