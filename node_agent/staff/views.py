"""Staff pages for the school office: list, add, edit, deactivate/reactivate staff members."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from node_agent.staff import operations as ops
from node_agent.staff.forms import StaffForm
from node_agent.staff.models import StaffMember
from node_agent.web.context import OFFICE_ROLES, audit, db, roles_required
from node_agent.web.crud import handle_form

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")


def _member(member_id: str) -> StaffMember:
    member = db().get(StaffMember, member_id)
    if member is None:
        abort(404)
    return member


@bp.get("")
@roles_required(*OFFICE_ROLES)
def staff_list():  # type: ignore[no-untyped-def]
    """All staff members, active first."""
    members = (
        db()
        .scalars(
            select(StaffMember).order_by(
                StaffMember.active.desc(), StaffMember.last_name, StaffMember.first_name
            )
        )
        .all()
    )
    return render_template("staff/list.html", members=members)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def staff_new():  # type: ignore[no-untyped-def]
    """Add a staff member."""
    return handle_form(
        StaffForm(),
        fields=StaffForm.FIELDS,
        save=lambda data: ops.save_staff_member(db(), data),
        template="staff/form.html",
        done=lambda m: url_for("staff.staff_list"),
        message=_("The staff member has been added."),
        entity="staff_member",
        is_new=True,
        member=None,
    )


@bp.route("/<member_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def staff_edit(member_id: str):  # type: ignore[no-untyped-def]
    """Change a staff member's data."""
    member = _member(member_id)
    return handle_form(
        StaffForm(obj=member),
        fields=StaffForm.FIELDS,
        save=lambda data: ops.save_staff_member(db(), data, member),
        template="staff/form.html",
        done=lambda m: url_for("staff.staff_list"),
        message=_("The changes have been saved."),
        entity="staff_member",
        is_new=False,
        member=member,
    )


@bp.post("/<member_id>/active")
@roles_required(*OFFICE_ROLES)
def staff_active(member_id: str):  # type: ignore[no-untyped-def]
    """Deactivate (left the school) or reactivate a staff member."""
    member = _member(member_id)
    ops.set_active(db(), member, not member.active)
    audit("update", "staff_member", member.id, "setup")
    # Flash messages travel in the (signed, not encrypted) cookie: no names in them.
    flash(
        _("The staff member is marked as working at the school again.")
        if member.active
        else _("The staff member is marked as no longer working at the school."),
        "success",
    )
    return redirect(url_for("staff.staff_edit", member_id=member.id))
