"""The secretary's page of pending admissions from the city's recruitment (under the pupil register).

For the school office only; opening the list or an admission is audited (they show children's names
and PESEL). Entering an admission in the register is one transaction: a failed POST answers 422 and
nothing is written.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import case, select

from node_agent.admissions import operations as ops
from node_agent.admissions.forms import EnrolForm
from node_agent.admissions.models import PendingAdmission
from node_agent.records import ValidationFailed
from node_agent.register import numbering, queries
from node_agent.register.models import ClassUnit, Pupil
from node_agent.school.models import SchoolYear
from node_agent.web import labels
from node_agent.web.context import OFFICE_ROLES, audit, current_user, db, roles_required, today, writes_on_get
from protocol.fields import FieldError
from protocol.i18n import N_
from zszo.web.forms import attach_errors

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
    numbers = dict(db().execute(select(Pupil.id, Pupil.register_number).where(
        Pupil.id.in_([r.pupil_id for r in rows if r.pupil_id]))).all())
    audit("list", "pending_admission", None, "recruitment_admissions")
    return render_template("admissions/list.html", rows=rows, form=DoneForm(), numbers=numbers)


def _year_of(admission: PendingAdmission) -> SchoolYear | None:
    """The school year the pupil was admitted for, if the school has set it up (else the current one)."""
    year = db().scalar(select(SchoolYear).where(SchoolYear.label == admission.school_year))
    return year or queries.current_school_year(db(), today())


def _first_day(admission: PendingAdmission, year: SchoolYear | None) -> dt.date:
    if year is not None and year.label == admission.school_year:
        return year.starts_on
    first = admission.school_year[:4]
    return dt.date(int(first), 9, 1) if first.isdigit() else today()


def _render_enrol(admission: PendingAdmission, form: EnrolForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("admissions/enrol.html", admission=admission, form=form,
                           known=ops.known_pupil(db(), admission),
                           next_number=numbering.preview_next(db(), today())), status


@bp.route("/<admission_id>/enrol", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get  # the view is audited
def admission_enrol(admission_id: str):  # type: ignore[no-untyped-def]
    """Enter the recruited pupil in the register: the next register number, the class and the guardian."""
    admission = db().get(PendingAdmission, admission_id)
    if admission is None or admission.status != "pending":
        abort(404)
    form = EnrolForm()
    year = _year_of(admission)
    classes = queries.classes_of_year(db(), year)
    form.class_id.choices = labels.choices([(c.id, c.name) for c in classes], blank=_("– choose –"))
    if request.method == "GET":
        form.admitted_on.data = _first_day(admission, year).isoformat()
        audit("view", "pending_admission", admission.id, "recruitment_admissions")
        return _render_enrol(admission, form)
    class_unit = db().get(ClassUnit, form.class_id.data) if form.class_id.data else None
    problems = []
    if class_unit is None or class_unit not in classes:
        class_unit = None
        problems.append(FieldError("class_id", "required", N_("choose one of the listed options"),
                                   {"label": N_("Class")}))
    user = current_user()
    try:
        if problems:
            raise ValidationFailed(problems + ops.check_enrolment(db(), admission, form.admitted_on.data,
                                                                  form.admission_decision.data,
                                                                  form.admission_decided_on.data,
                                                                  form.relation.data))
        entry = ops.enrol(db(), admission, class_unit=class_unit, admitted_on=form.admitted_on.data,
                          decision=form.admission_decision.data, decided_on=form.admission_decided_on.data,
                          relation=form.relation.data or None, by=user.username if user else "-")
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return _render_enrol(admission, form, 422)
    audit("create", "register_entry", entry.id, "recruitment_admissions")
    flash(_("The pupil has been admitted under register number %(number)s.", number=entry.number), "success")
    return redirect(url_for("admissions.admission_list"))


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
