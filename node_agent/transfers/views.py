"""Transfer pages: the list of transfers out and offers in, starting a transfer, deciding an offer.

The school office only (teachers get 403). Views are thin: every write goes through
:mod:`node_agent.transfers.outgoing` / :mod:`node_agent.transfers.incoming`, errors come back
as FieldErrors and a failed POST answers 422, which rolls the request's transaction back.
Pages showing a pupil's data write an audit row (ids only).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from node_agent.records import ValidationFailed
from node_agent.register import queries
from node_agent.register.models import ClassUnit
from node_agent.register.views import visible_pupil
from node_agent.transfers import history, incoming, labels, outgoing
from node_agent.transfers.forms import AcceptForm, RejectForm, StartTransferForm
from node_agent.transfers.models import IncomingTransfer, PupilTransfer
from node_agent.web import labels as web_labels
from node_agent.web.context import OFFICE_ROLES, audit, current_user, db, roles_required, today, writes_on_get
from zszo.web.forms import attach_errors

bp = Blueprint("transfers", __name__, url_prefix="/transfers", template_folder="templates")
bp.record_once(lambda state: state.app.jinja_env.globals.update(transfer_labels=labels))


@bp.get("")
@roles_required(*OFFICE_ROLES)
@writes_on_get
def transfer_list():  # type: ignore[no-untyped-def]
    """Transfers out of this school and offers from other city schools, newest first."""
    sent = list(db().scalars(select(PupilTransfer).order_by(PupilTransfer.transfer_on.desc()).limit(200)))
    offers = list(db().scalars(select(IncomingTransfer).order_by(IncomingTransfer.received_at.desc()).limit(200)))
    audit("list", "pupil_transfer", None, "transfer_list")
    return render_template("transfers/list.html", sent=sent, offers=offers)


@bp.route("/new/<pupil_id>", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get
def start(pupil_id: str):  # type: ignore[no-untyped-def]
    """Transfer a pupil to another school of the city."""
    pupil = visible_pupil(pupil_id, edit=True)
    form = StartTransferForm()
    schools = outgoing.destinations(db())
    form.to_rspo.choices = web_labels.choices([(s.rspo, s.name) for s in schools], blank=_("– choose –"))
    if request.method == "GET":
        form.transfer_on.data = today().isoformat()
        audit("view", "pupil", pupil.id, "transfer_start")
        return render_template("transfers/start.html", form=form, pupil=pupil, schools=schools)
    try:
        transfer = outgoing.start(db(), pupil, to_rspo=form.to_rspo.data or None, transfer_on=form.transfer_on.data)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("transfers/start.html", form=form, pupil=pupil, schools=schools), 422
    audit("create", "pupil_transfer", transfer.id, "transfer_start")
    flash(_("The transfer has been sent to %(school)s. The pupil's data is read-only until that school decides.",
            school=transfer.other_name), "success")
    return redirect(url_for("register.pupil_card", pupil_id=pupil.id))


@bp.post("/<transfer_id>/cancel")
@roles_required(*OFFICE_ROLES)
def cancel(transfer_id: str):  # type: ignore[no-untyped-def]
    """Withdraw a transfer still waiting for the receiving school."""
    transfer = db().get(PupilTransfer, transfer_id)
    if transfer is None:
        abort(404)
    try:
        outgoing.cancel(db(), transfer)
    except ValidationFailed as exc:
        flash(" ".join(e.render(_) for e in exc.errors), "error")
        return redirect(url_for("transfers.transfer_list")), 303
    audit("update", "pupil_transfer", transfer.id, "transfer_cancel")
    flash(_("The transfer has been withdrawn. The pupil is in this school's register again."), "success")
    return redirect(url_for("register.pupil_card", pupil_id=transfer.pupil_id))


def _offer(offer_id: str) -> IncomingTransfer:
    offer = db().get(IncomingTransfer, offer_id)
    if offer is None:
        abort(404)
    return offer


def _classes():  # type: ignore[no-untyped-def]
    year = queries.current_school_year(db(), today())
    return queries.classes_of_year(db(), year)


def _offer_page(offer: IncomingTransfer, accept_form: AcceptForm, reject_form: RejectForm, status: int = 200):
    classes = _classes()
    accept_form.class_id.choices = web_labels.choices([(c.id, c.name) for c in classes], blank=_("– choose –"))
    body = incoming.package(offer)
    pupil = next((r for r in body.get("records", {}).get("pupil", []) if r.get("id") == offer.pupil_id), {})
    user = current_user()
    return render_template("transfers/offer.html", offer=offer, pupil=pupil, history=history.summarize(body),
                           accept_form=accept_form, reject_form=reject_form,
                           full_pesel=user is not None and queries.sees_full_pesel(user),
                           mask=queries.mask_pesel), status


@bp.get("/offers/<offer_id>")
@roles_required(*OFFICE_ROLES)
@writes_on_get
def offer(offer_id: str):  # type: ignore[no-untyped-def]
    """An offer from another city school: the pupil's record and history, and the decision forms."""
    found = _offer(offer_id)
    audit("view", "pupil", found.pupil_id, "transfer_offer")
    return _offer_page(found, AcceptForm(), RejectForm(prefix="reject"))


@bp.post("/offers/<offer_id>/accept")
@roles_required(*OFFICE_ROLES)
def accept(offer_id: str):  # type: ignore[no-untyped-def]
    """Take the pupil in, into the chosen class of the current school year."""
    found = _offer(offer_id)
    form = AcceptForm()
    class_unit = db().get(ClassUnit, form.class_id.data) if form.class_id.data else None
    if class_unit is not None and class_unit not in _classes():
        class_unit = None
    user = current_user()
    try:
        pupil = incoming.accept(db(), found, class_unit=class_unit, by=user.username if user else "-",
                                today=today(), decision=form.admission_decision.data,
                                decided_on=form.admission_decided_on.data)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return _offer_page(found, form, RejectForm(formdata=None, prefix="reject"), 422)
    audit("create", "pupil", pupil.id, "transfer_accept")
    flash(_("The pupil has been admitted to class %(name)s.", name=class_unit.name if class_unit else ""), "success")
    return redirect(url_for("register.pupil_card", pupil_id=pupil.id))


@bp.post("/offers/<offer_id>/reject")
@roles_required(*OFFICE_ROLES)
def reject(offer_id: str):  # type: ignore[no-untyped-def]
    """Refuse the pupil with a reason."""
    found = _offer(offer_id)
    form = RejectForm(prefix="reject")
    user = current_user()
    try:
        incoming.reject(db(), found, reason=form.reason.data, by=user.username if user else "-", today=today())
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return _offer_page(found, AcceptForm(formdata=None), form, 422)
    audit("update", "pupil", found.pupil_id, "transfer_reject")
    flash(_("The transfer has been rejected. The sending school will see your reason."), "success")
    return redirect(url_for("transfers.transfer_list"))
