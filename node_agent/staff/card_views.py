"""The staff card's sub-pages: add, edit and remove qualifications and employments; choose subjects.

Thin views on :mod:`node_agent.staff.operations`; office roles only (employment data is not for teachers).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from node_agent.records import ValidationFailed
from node_agent.staff import operations as ops
from node_agent.staff import queries
from node_agent.staff.forms import EmploymentForm, QualificationForm, SubjectsForm
from node_agent.staff.models import StaffEmployment, StaffMember, StaffQualification
from node_agent.staff.views import bp, member_or_404
from node_agent.web.context import OFFICE_ROLES, audit, db, roles_required
from node_agent.web.crud import handle_form
from node_agent.web.labels import choices
from zszo.web.forms import attach_errors

KINDS = {"qualification": (StaffQualification, QualificationForm, "staff_qualification"),
         "employment": (StaffEmployment, EmploymentForm, "staff_employment")}


def _part(member: StaffMember, kind: str, part_id: str | None):  # type: ignore[no-untyped-def]
    if kind not in KINDS:
        abort(404)
    model = KINDS[kind][0]
    if part_id is None:
        return None
    obj = db().get(model, part_id)
    if obj is None or obj.staff_member_id != member.id:
        abort(404)
    return obj


def _save(kind: str, member: StaffMember, obj: object):  # type: ignore[no-untyped-def]
    if kind == "qualification":
        return lambda data: ops.save_qualification(db(), member, data, obj)  # type: ignore[arg-type]
    return lambda data: ops.save_employment(db(), member, data, obj)  # type: ignore[arg-type]


@bp.route("/<member_id>/<kind>/new", methods=["GET", "POST"])
@bp.route("/<member_id>/<kind>/<part_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def part_form(member_id: str, kind: str, part_id: str | None = None):  # type: ignore[no-untyped-def]
    """Add or change a qualification or an employment of a staff member."""
    member = member_or_404(member_id)
    obj = _part(member, kind, part_id)
    _model, form_class, entity = KINDS[kind]
    form = form_class(obj=obj)
    return handle_form(
        form,
        fields=form_class.FIELDS,
        save=_save(kind, member, obj),
        template=f"staff/{kind}_form.html",
        done=lambda _o: url_for("staff.staff_card", member_id=member.id),
        message=_("The changes have been saved.") if obj else _("Added."),
        entity=entity,
        is_new=obj is None,
        member=member,
        part=obj,
    )


@bp.post("/<member_id>/<kind>/<part_id>/delete")
@roles_required(*OFFICE_ROLES)
def part_delete(member_id: str, kind: str, part_id: str):  # type: ignore[no-untyped-def]
    """Remove a qualification or an employment entered by mistake."""
    member = member_or_404(member_id)
    obj = _part(member, kind, part_id)
    ops.delete_record(db(), obj)
    audit("delete", KINDS[kind][2], part_id, "setup")
    flash(_("Removed."), "success")
    return redirect(url_for("staff.staff_card", member_id=member.id))


@bp.route("/<member_id>/subjects", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def subjects(member_id: str):  # type: ignore[no-untyped-def]
    """Choose the subjects a teacher may teach."""
    member = member_or_404(member_id)
    form = SubjectsForm()
    form.subject_ids.choices = choices([(s.id, s.name) for s in queries.all_subjects(db())])
    if request.method != "POST":
        form.subject_ids.data = [s.id for s in queries.staff_card(db(), member).subjects]
        return render_template("staff/subjects.html", form=form, member=member)
    try:
        ops.set_subjects(db(), member, form.subject_ids.data or [])
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("staff/subjects.html", form=form, member=member), 422
    audit("update", "staff_subject", member.id, "setup")
    flash(_("The changes have been saved."), "success")
    return redirect(url_for("staff.staff_card", member_id=member.id))
