"""Fleet pages: institutions, enrolment codes and school servers (nodes), with revocation.

Everyone of the city office may look at the lists; only administrators add or change
institutions, issue enrolment codes and revoke keys. Writes go through
:mod:`hub.fleet.operations`; every administrator action is logged with who did it and to what,
never with an enrolment code. An enrolment code is shown once, on the page that answers the
POST that made it: the hub keeps only its hash.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hub.dashboard.queries import merged_through, node_statuses
from hub.fleet import operations as ops
from hub.fleet import queries
from hub.fleet.forms import InstitutionEditForm, InstitutionForm, RevokeForm, TokenForm
from hub.fleet.models import INSTITUTION_KINDS, Institution, Node
from hub.sync import quarantine
from hub.web import labels
from hub.web.context import (
    ADMIN,
    ALL_ROLES,
    current_user,
    db,
    roles_required,
    runtime,
    utcnow,
    warehouse_cursor,
)
from protocol.i18n import N_
from zszo.web.forms import add_error
from zszo.web.login import log_safe

log = logging.getLogger("hub.fleet.web")
bp = Blueprint("fleet", __name__, url_prefix="/fleet", template_folder="templates")
MAX_REASON = 500

# operations' refusal code -> (form field, Polish message id)
INSTITUTION_ERRORS = {
    "rspo": ("rspo", N_("The RSPO number consists of digits only, 1 to 10 of them, e.g. 123456")),
    "kind": ("kind", N_("Choose the kind of institution")),
    "name": ("name", N_("Enter the institution's name")),
    "name_length": ("name", N_("The name may have at most 300 characters")),
    "district_length": ("district", N_("The district may have at most 100 characters")),
}
NOT_SAVED = N_("The data could not be saved. Check it and try again.")


def _me() -> str:
    user = current_user()
    return log_safe(user.username if user else "-")


def _institution(rspo: str) -> queries.InstitutionRow:
    row = queries.institution_row(db(), rspo, utcnow()) if rspo.isdigit() else None
    if row is None:
        abort(404)
    return row


def _node(node_id: str) -> Node:
    node = db().get(Node, node_id)
    if node is None:
        abort(404)
    return node


def _kind_choices(form: InstitutionEditForm) -> None:
    form.kind.choices = labels.choices({k: labels.INSTITUTION_KINDS[k] for k in INSTITUTION_KINDS},
                                       blank=_("– choose –"))


def _save_institution(form: InstitutionEditForm, rspo: str, *, is_new: bool) -> Institution | None:
    """Check every field (all problems at once), then save; None when the form has errors."""
    name, kind, district = form.name.data or "", form.kind.data or "", form.district.data or None
    if not rspo.strip():
        add_error(form, "rspo", _("Enter the RSPO number"))
        rspo = "0"  # a stand-in, so the other fields are still checked and the RSPO gets one message
    for problem in ops.institution_problems(rspo=rspo, name=name, kind=kind, district=district):
        field, message = INSTITUTION_ERRORS[problem.code]
        add_error(form, field, _(message))
    if is_new and not form.errors and db().get(Institution, rspo.strip()) is not None:
        add_error(form, "rspo", _("An institution with this RSPO number is already registered"))
    if form.errors:
        return None
    try:
        return ops.add_institution(db(), rspo=rspo, name=name, kind=kind, district=district)
    except ops.FleetError as exc:  # the same rules as above: only if they change under us
        field, message = INSTITUTION_ERRORS.get(exc.code, (None, NOT_SAVED))
        add_error(form, field, _(message))
        return None


# -- institutions ---------------------------------------------------------------------------------


@bp.get("/institutions")
@roles_required(*ALL_ROLES)
def institutions():  # type: ignore[no-untyped-def]
    """Every institution of the city with the state of its school server."""
    return render_template("fleet/institutions.html", rows=queries.institutions(db(), utcnow()))


@bp.route("/institutions/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def institution_new():  # type: ignore[no-untyped-def]
    """Register an institution whose school server may then enrol."""
    form = InstitutionForm()
    _kind_choices(form)
    if request.method == "GET":
        return render_template("fleet/institution_form.html", form=form, row=None)
    rspo = form.rspo.data or ""
    institution = _save_institution(form, rspo, is_new=True)
    if institution is None:
        return render_template("fleet/institution_form.html", form=form, row=None), 422
    log.info("institution added by=%s rspo=%s kind=%s", _me(), institution.rspo, institution.kind)
    flash(_("The institution has been registered. You can now issue an enrolment code for its server."), "success")
    return redirect(url_for("fleet.institution_detail", rspo=institution.rspo))


@bp.get("/institutions/<rspo>")
@roles_required(*ALL_ROLES)
def institution_detail(rspo: str):  # type: ignore[no-untyped-def]
    """One institution: its data, servers and enrolment codes."""
    row = _institution(rspo)
    return render_template("fleet/institution.html", row=row, nodes=queries.nodes(db(), rspo),
                           tokens=queries.tokens(db(), utcnow(), rspo))


@bp.route("/institutions/<rspo>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def institution_edit(rspo: str):  # type: ignore[no-untyped-def]
    """Change an institution's name, kind or district."""
    row = _institution(rspo)
    form = InstitutionEditForm(obj=row.institution) if request.method == "GET" else InstitutionEditForm()
    _kind_choices(form)
    if request.method == "GET":
        return render_template("fleet/institution_form.html", form=form, row=row)
    if _save_institution(form, rspo, is_new=False) is None:
        return render_template("fleet/institution_form.html", form=form, row=row), 422
    log.info("institution changed by=%s rspo=%s", _me(), rspo)
    flash(_("The institution has been saved."), "success")
    return redirect(url_for("fleet.institution_detail", rspo=rspo))


# -- enrolment codes ------------------------------------------------------------------------------


def _issue(rspo: str):  # type: ignore[no-untyped-def]
    """Issue a code and answer with the page that shows it (the only time anyone sees it)."""
    settings = runtime().settings
    token = ops.issue_token(db(), rspo=rspo, created_by=current_user().username, hours=settings["sync.token_hours"])
    record = queries.tokens(db(), utcnow(), rspo)[0]
    log.info("enrolment code issued by=%s rspo=%s expires=%s", _me(), rspo, record.token.expires_at.isoformat())
    hub_url = (settings["web.public_url"] or request.url_root).rstrip("/")
    return render_template(
        "fleet/token_issued.html", token=token, record=record, hub_url=hub_url,
        hub_fingerprint=runtime().keys.current.public.fingerprint,
    )


@bp.get("/tokens")
@roles_required(*ALL_ROLES)
def tokens():  # type: ignore[no-untyped-def]
    """Every enrolment code issued (who, when, until when, used or not; never the code)."""
    return render_template("fleet/tokens.html", rows=queries.tokens(db(), utcnow()))


@bp.route("/tokens/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def token_new():  # type: ignore[no-untyped-def]
    """Choose an institution and issue an enrolment code for its server."""
    form = TokenForm()
    options = dict(queries.institution_choices(db()))
    form.rspo.choices = labels.choices(options, blank=_("– choose –"))
    if request.method == "GET":
        form.rspo.data = request.args.get("rspo", "")
        return render_template("fleet/token_new.html", form=form)
    if form.rspo.data not in options:
        add_error(form, "rspo", _("Choose one of the listed institutions"))
        return render_template("fleet/token_new.html", form=form), 422
    return _issue(form.rspo.data)


@bp.post("/institutions/<rspo>/token")
@roles_required(ADMIN)
def institution_token(rspo: str):  # type: ignore[no-untyped-def]
    """Issue an enrolment code straight from an institution's page."""
    _institution(rspo)
    return _issue(rspo)


# -- school servers (nodes) -----------------------------------------------------------------------


@bp.get("/nodes")
@roles_required(*ALL_ROLES)
def nodes():  # type: ignore[no-untyped-def]
    """Every enrolled school server."""
    return render_template("fleet/nodes.html", rows=queries.nodes(db()))


@bp.get("/nodes/<node_id>")
@roles_required(*ALL_ROLES)
def node_detail(node_id: str):  # type: ignore[no-untyped-def]
    """One school server: keys, sync status, recent security events, revocation."""
    node = _node(node_id)
    cursor = warehouse_cursor()
    status = node_statuses(db(), merged_through(cursor) if cursor is not None else None, node_id=node.id)
    return render_template(
        "fleet/node.html", node=node, institution=db().get(Institution, node.rspo), status=status[0],
        events=queries.security_events(db(), node.id), now=utcnow(), quarantined=quarantine.batches(db(), node.id),
    )


@bp.route("/nodes/<node_id>/revoke", methods=["GET", "POST"])
@roles_required(ADMIN)
def node_revoke(node_id: str):  # type: ignore[no-untyped-def]
    """Revoke a node's key in two steps: the reason, then an explicit confirmation."""
    node = _node(node_id)
    institution = db().get(Institution, node.rspo)
    if node.status != "active":
        flash(_("This server's key has already been revoked."), "info")
        return redirect(url_for("fleet.node_detail", node_id=node.id))
    form = RevokeForm()
    context = {"form": form, "node": node, "institution": institution}
    if request.method == "GET":
        return render_template("fleet/node_revoke.html", **context)
    reason = (form.reason.data or "").strip()
    if not reason:
        add_error(form, "reason", _("Enter the reason for revoking the key"))
    elif len(reason) > MAX_REASON:
        add_error(form, "reason", _("The reason may have at most 500 characters"))
    if form.errors:
        form.confirmed.data = ""
        return render_template("fleet/node_revoke.html", **context), 422
    if form.confirmed.data != "yes":
        form.confirmed.data = "yes"
        return render_template("fleet/node_revoke_confirm.html", reason=reason, **context)
    ops.revoke_node(db(), node.id, reason)
    log.warning("node key revoked by=%s node=%s rspo=%s reason=%s", _me(), node.id, node.rspo, log_safe(reason, 200))
    flash(_("The key has been revoked. Batches from this server are refused from now on."), "success")
    return redirect(url_for("fleet.node_detail", node_id=node.id))

