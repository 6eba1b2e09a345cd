"""The class tutor's pages: excusing absences of their class and the monthly attendance summary.

Only the class's tutor excuses; the summary is also open to the school office. The monthly flag
uses the ``attendance.absence_flag_percent`` setting (BRIEF §4: non-fulfilment of compulsory
schooling at unexcused absence on ≥ 50 % of the month's class days, see :mod:`protocol.attendance`).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from node_agent.attendance import labels as att_labels
from node_agent.attendance import operations as ops
from node_agent.attendance import queries
from node_agent.attendance.forms import ExcuseForm
from node_agent.attendance.views import parse_month, staff_id
from node_agent.records import ValidationFailed
from node_agent.register.models import ClassUnit, Pupil
from node_agent.school.models import Subject
from node_agent.web.context import (
    ALL_ROLES,
    OFFICE_ROLES,
    audit,
    current_user,
    db,
    deny,
    roles_required,
    writes_on_get,
)
from protocol.attendance import MARKS, compulsory_flag, tally
from zszo.web.forms import attach_errors

bp = Blueprint("attendance", __name__, url_prefix="/attendance", template_folder="templates")


def _class(class_id: str) -> ClassUnit:
    unit = db().get(ClassUnit, class_id)
    if unit is None:
        abort(404)
    return unit


def _tutor_only(unit: ClassUnit) -> str:
    me = staff_id()
    if unit.tutor_id != me:
        deny("excuses of a class the user is not the tutor of")
    return me


@bp.route("/class/<class_id>/excuses", methods=["GET", "POST"])
@roles_required(*ALL_ROLES)
@writes_on_get
def excuses(class_id: str):  # type: ignore[no-untyped-def]
    """Unexcused absences and lateness of the tutor's class; the tutor excuses the selected ones."""
    unit = _class(class_id)
    me = _tutor_only(unit)
    form = ExcuseForm()
    status = 200
    if request.method == "POST":
        try:
            count = ops.excuse(db(), me, unit.id, request.form.getlist("excuse"))
        except ValidationFailed as exc:
            attach_errors(form, exc.errors, _)
            status = 422
        else:
            audit("update", "attendance", unit.id, "excuse")
            flash(_("Excused: %(count)s.", count=count), "success")
            return redirect(url_for("attendance.excuses", class_id=unit.id))
    else:
        audit("read", "attendance", unit.id, "excuse")
    rows = queries.to_excuse(db(), unit.id)
    return render_template("attendance/excuses.html", unit=unit, form=form, rows=rows, marks=MARKS,
                           code_labels=att_labels.CODES), status


@bp.get("/class/<class_id>/month")
@roles_required(*ALL_ROLES)
def month(class_id: str):  # type: ignore[no-untyped-def]
    """Attendance % per pupil and per subject of a month, with the compulsory-schooling flag."""
    unit = _class(class_id)
    user = current_user()
    if user is None or user.role not in OFFICE_ROLES:
        _tutor_only(unit)
    first = parse_month(request.args.get("month"))
    threshold = current_app.config["ZSZO_SETTINGS"]["attendance.absence_flag_percent"]
    per_pupil, per_subject = queries.month_tallies(db(), unit.id, first)
    days = queries.month_days(db(), unit.id, first)
    # Everyone with lessons in the month, including pupils who left the class during it.
    names = {p.id: p for p in db().scalars(select(Pupil).where(Pupil.id.in_(list(per_pupil))))}
    rows = sorted(((names[pid], t, days[pid], compulsory_flag(days[pid], threshold)) for pid, t in per_pupil.items()),
                  key=lambda r: (r[0].last_name, r[0].first_name, r[0].id))
    subjects = dict(db().execute(select(Subject.id, Subject.name).where(Subject.id.in_(list(per_subject)))).all())
    audit("read", "attendance", unit.id, "attendance_summary")
    return render_template(
        "attendance/month.html", unit=unit, first=first, rows=rows, threshold=threshold,
        subjects=sorted(((subjects.get(sid, "?"), t) for sid, t in per_subject.items()), key=lambda r: r[0]),
        total=sum(per_pupil.values(), tally([])))
