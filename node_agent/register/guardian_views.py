"""Guardian pages of the pupil register: add a new guardian, link an existing one, edit, unlink, and
confirm a guardian's e-mail address (what the parents' portal will bind an account to).

Only the school office changes guardians; the pupil's visibility rule still applies (a guessed
pupil or link id gets 403/404). A guardian shared by siblings is one record: editing their data
changes it for every child, unlinking removes only the link.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from node_agent.records import ValidationFailed, clean_input
from node_agent.register import operations as ops
from node_agent.register import queries, verification
from node_agent.register.book_forms import ConfirmEmailForm
from node_agent.register.forms import GuardianForm, GuardianSearchForm, LinkForm
from node_agent.register.models import Guardian
from node_agent.register.views import visible_pupil
from node_agent.web.context import OFFICE_ROLES, audit, db, roles_required, today, writes_on_get
from protocol.entities import GUARDIAN, PUPIL_GUARDIAN
from protocol.fields import FieldError, parse_date
from zszo.web.forms import add_error, attach_errors

bp = Blueprint("guardians", __name__, url_prefix="/pupils/<pupil_id>/guardians", template_folder="templates")


def _link_errors(form: LinkForm) -> list[FieldError]:
    """The link's own rules (relation chosen from the list) before anything is written."""
    values = clean_input(PUPIL_GUARDIAN, {"relation": form.relation.data})
    error = PUPIL_GUARDIAN.by_name["relation"].validate(values["relation"])
    return [error] if error else []


def _link(pupil, guardian: Guardian, form: LinkForm):  # type: ignore[no-untyped-def]
    return ops.link_guardian(
        db(),
        pupil,
        guardian,
        relation=form.relation.data,
        legal_custody=bool(form.legal_custody.data),
        may_receive_info=bool(form.may_receive_info.data),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get
def guardian_new(pupil_id: str):  # type: ignore[no-untyped-def]
    """Add a new guardian and link them to the pupil in one step."""
    pupil = visible_pupil(pupil_id, edit=True)
    form = GuardianForm()
    if request.method == "GET":
        audit("view", "pupil", pupil.id, "guardian_add")
        return render_template(
            "register/guardian_form.html", form=form, pupil=pupil, link=None, duplicate=None
        )
    data = {name: form[name].data for name in GuardianForm.PROTOCOL_FIELDS}
    errors = _link_errors(form)
    duplicate = None
    if not errors:
        values = clean_input(GUARDIAN, data)
        duplicate = ops.find_guardian(
            db(),
            first_name=values.get("first_name") or "",
            last_name=values.get("last_name") or "",
            phone=values.get("phone"),
            email=values.get("email"),
        )
    if duplicate is not None:
        add_error(
            form,
            None,
            _(
                "A guardian with this name and phone number or e-mail address is already in the "
                "register. Link that guardian instead of adding them again."
            ),
        )
        return render_template(
            "register/guardian_form.html", form=form, pupil=pupil, link=None, duplicate=duplicate
        ), 422
    guardian = None
    try:
        guardian = ops.save_guardian(db(), data)
    except ValidationFailed as exc:
        errors = exc.errors + errors
    if errors or guardian is None:
        attach_errors(form, errors, _)
        return render_template(
            "register/guardian_form.html", form=form, pupil=pupil, link=None, duplicate=None
        ), 422
    link = _link(pupil, guardian, form)
    audit("create", "guardian", guardian.id, "register")
    audit("create", "pupil_guardian", link.id, "register")
    flash(_("The guardian has been added."), "success")
    return redirect(url_for("register.pupil_card", pupil_id=pupil.id, _anchor="guardians"))


@bp.get("/find")
@roles_required(*OFFICE_ROLES)
@writes_on_get
def guardian_find(pupil_id: str):  # type: ignore[no-untyped-def]
    """Search guardians already in the register (a sibling's parent) to link them."""
    pupil = visible_pupil(pupil_id, edit=True)
    form = GuardianSearchForm(formdata=request.args)
    results = queries.find_guardians(db(), form.q.data or "") if form.q.data else []
    audit("list", "guardian", None, "guardian_search")
    linked = {link.guardian_id for link in pupil.guardian_links}
    return render_template(
        "register/guardian_find.html",
        form=form,
        pupil=pupil,
        results=results,
        linked=linked,
        searched=bool(form.q.data),
    )


@bp.route("/link/<guardian_id>", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get
def guardian_link(pupil_id: str, guardian_id: str):  # type: ignore[no-untyped-def]
    """Link an existing guardian to the pupil, saying how they are related."""
    pupil = visible_pupil(pupil_id, edit=True)
    guardian = db().get(Guardian, guardian_id)
    if guardian is None:
        abort(404)
    form = LinkForm()
    if request.method == "GET":
        audit("view", "guardian", guardian.id, "guardian_link")
        return render_template("register/guardian_link.html", form=form, pupil=pupil, guardian=guardian)
    errors = _link_errors(form)
    if errors:
        attach_errors(form, errors, _)
        return render_template("register/guardian_link.html", form=form, pupil=pupil, guardian=guardian), 422
    link = _link(pupil, guardian, form)
    audit("create", "pupil_guardian", link.id, "register")
    flash(_("The guardian has been linked to the pupil."), "success")
    return redirect(url_for("register.pupil_card", pupil_id=pupil.id, _anchor="guardians"))


@bp.route("/<link_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get
def guardian_edit(pupil_id: str, link_id: str):  # type: ignore[no-untyped-def]
    """Change a guardian's data and their link to this pupil."""
    pupil = visible_pupil(pupil_id, edit=True)
    link = queries.guardian_link(db(), pupil.id, link_id)
    if link is None:
        abort(404)
    if request.method == "GET":
        form = GuardianForm(obj=link.guardian)
        form.relation.data, form.legal_custody.data = link.relation, link.legal_custody
        form.may_receive_info.data = link.may_receive_info
        audit("view", "guardian", link.guardian_id, "guardian_edit")
        return render_template(
            "register/guardian_form.html", form=form, pupil=pupil, link=link, duplicate=None
        )
    form = GuardianForm()
    data = {name: form[name].data for name in GuardianForm.PROTOCOL_FIELDS}
    errors = _link_errors(form)
    try:
        ops.save_guardian(db(), data, link.guardian)
    except ValidationFailed as exc:
        errors = exc.errors + errors
    if errors:
        attach_errors(form, errors, _)
        return render_template(
            "register/guardian_form.html", form=form, pupil=pupil, link=link, duplicate=None
        ), 422
    _link(pupil, link.guardian, form)
    audit("update", "guardian", link.guardian_id, "register")
    audit("update", "pupil_guardian", link.id, "register")
    flash(_("The changes have been saved."), "success")
    return redirect(url_for("register.pupil_card", pupil_id=pupil.id, _anchor="guardians"))


@bp.route("/<link_id>/unlink", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get
def guardian_unlink(pupil_id: str, link_id: str):  # type: ignore[no-untyped-def]
    """Ask, then remove the guardian from this pupil (the guardian's record stays)."""
    pupil = visible_pupil(pupil_id, edit=True)
    link = queries.guardian_link(db(), pupil.id, link_id)
    if link is None:
        abort(404)
    if request.method == "GET":
        audit("view", "pupil_guardian", link.id, "guardian_unlink")
        return render_template("register/guardian_unlink.html", pupil=pupil, link=link)
    audit("delete", "pupil_guardian", link.id, "register")
    ops.unlink_guardian(db(), link)
    flash(_("The guardian is no longer linked to this pupil."), "success")
    return redirect(url_for("register.pupil_card", pupil_id=pupil.id, _anchor="guardians"))


@bp.route("/<link_id>/confirm-email", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get
def confirm_email(pupil_id: str, link_id: str):  # type: ignore[no-untyped-def]
    """Record that the school confirmed the guardian's e-mail address (for the parents' portal)."""
    pupil = visible_pupil(pupil_id, edit=True)
    link = queries.guardian_link(db(), pupil.id, link_id)
    if link is None:
        abort(404)
    form = ConfirmEmailForm()
    if request.method == "GET":
        form.verified_on.data = today().isoformat()
        audit("view", "guardian", link.guardian_id, "email_confirmation")
        return render_template("register/confirm_email.html", form=form, pupil=pupil, link=link)
    try:
        verification.confirm_email(db(), link.guardian, verified_on=parse_date(form.verified_on.data or ""),
                                   method=form.method.data or None)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("register/confirm_email.html", form=form, pupil=pupil, link=link), 422
    audit("create", "guardian_verification", link.guardian_id, "email_confirmation")
    flash(_("The e-mail address %(email)s has been confirmed.", email=link.guardian.email), "success")
    return redirect(url_for("register.pupil_card", pupil_id=pupil.id, _anchor="guardians"))
