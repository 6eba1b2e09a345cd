"""The secretary's page of pending admissions from the city's recruitment (under the pupil register).

For the school office only; opening the list is audited (it shows children's names and PESEL).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import case, select

from node_agent.admissions import operations as ops
from node_agent.admissions.models import PendingAdmission
from node_agent.web.context import OFFICE_ROLES, audit, current_user, db, roles_required, writes_on_get

bp = Blueprint("admissions", __name__, url_prefix="/pupils/admissions", template_folder="templates")


class DoneForm(FlaskForm):
    """Mark an admission as handled (CSRF token only; the note is optional)."""


@bp.get("")
@roles_required(*OFFICE_ROLES)
@writes_on_get  # the view is audited
def admission_list():  # type: ignore[no-untyped-def]
    """Pending admissions first (by class and name), then those already handled."""
    pending_first = case((PendingAdmission.status == "pending", 0), else_=1)
    rows = db().scalars(select(PendingAdmission).order_by(pending_first, PendingAdmission.class_name,
                                                          PendingAdmission.last_name,
                                                          PendingAdmission.first_name)).all()
    audit("list", "pending_admission", None, "recruitment_admissions")
    return render_template("admissions/list.html", rows=rows, form=DoneForm())


@bp.post("/<admission_id>/done")
@roles_required(*OFFICE_ROLES)
def admission_done(admission_id: str):  # type: ignore[no-untyped-def]
    """Mark an admission as handled."""
    admission = db().get(PendingAdmission, admission_id)
    if admission is None:
        abort(404)
    user = current_user()
    ops.mark_done(admission, by=user.username if user else "-", note=request.form.get("note"))
    audit("update", "pending_admission", admission.id, "recruitment_admissions")
    flash(_("The admission is marked as handled."), "success")
    return redirect(url_for("admissions.admission_list"))
