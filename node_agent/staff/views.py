"""Staff pages for the school office: the filtered list with the school's FTE sums, the card, add, edit,
deactivate/reactivate staff members. Qualifications, employment and subjects: :mod:`card_views`.

Office roles only: teachers never see colleagues' employment data (checked here, on the server)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from node_agent.staff import labels as staff_labels
from node_agent.staff import operations as ops
from node_agent.staff import queries
from node_agent.staff.forms import StaffFilterForm, StaffForm
from node_agent.staff.fte import as_decimal, as_fraction
from node_agent.staff.models import StaffMember
from node_agent.web.context import OFFICE_ROLES, audit, db, roles_required, today
from node_agent.web.crud import handle_form

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")


@bp.context_processor
def _staff_helpers() -> dict[str, object]:
    return {"staff_labels": staff_labels, "fte_decimal": as_decimal, "fte_fraction": as_fraction}


def member_or_404(member_id: str) -> StaffMember:
    """The staff member with ``member_id``, or a 404 page."""
    member = db().get(StaffMember, member_id)
    if member is None:
        abort(404)
    return member


@bp.get("")
@roles_required(*OFFICE_ROLES)
def staff_list():  # type: ignore[no-untyped-def]
    """Staff members matching the filters (active by default), with FTE, and the school's FTE sums today."""
    form = StaffFilterForm(request.args)
    day = today()
    rows = queries.staff_rows(db(), day, q=(form.q.data or "").strip(), position=form.position.data or "",
                              promotion_grade=form.promotion_grade.data or "", status=form.status.data or "active")
    return render_template("staff/list.html", form=form, rows=rows, totals=queries.school_fte(db(), day), day=day)


@bp.get("/<member_id>")
@roles_required(*OFFICE_ROLES)
def staff_card(member_id: str):  # type: ignore[no-untyped-def]
    """The card of one staff member: data, promotion grade, qualifications, employment, subjects."""
    card = queries.staff_card(db(), member_or_404(member_id))
    return render_template("staff/card.html", card=card, member=card.member, day=today())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def staff_new():  # type: ignore[no-untyped-def]
    """Add a staff member."""
    return handle_form(
        StaffForm(),
        fields=StaffForm.FIELDS,
        save=lambda data: ops.save_staff_member(db(), data),
        template="staff/form.html",
        done=lambda m: url_for("staff.staff_card", member_id=m.id),
        message=_("The staff member has been added."),
        entity="staff_member",
        is_new=True,
        member=None,
    )


@bp.route("/<member_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def staff_edit(member_id: str):  # type: ignore[no-untyped-def]
    """Change a staff member's data."""
    member = member_or_404(member_id)
    return handle_form(
        StaffForm(obj=member),
        fields=StaffForm.FIELDS,
        save=lambda data: ops.save_staff_member(db(), data, member),
        template="staff/form.html",
        done=lambda m: url_for("staff.staff_card", member_id=m.id),
        message=_("The changes have been saved."),
        entity="staff_member",
        is_new=False,
        member=member,
    )


@bp.post("/<member_id>/active")
@roles_required(*OFFICE_ROLES)
def staff_active(member_id: str):  # type: ignore[no-untyped-def]
    """Deactivate (left the school) or reactivate a staff member."""
    member = member_or_404(member_id)
    ops.set_active(db(), member, not member.active)
    audit("update", "staff_member", member.id, "setup")
    # Flash messages travel in the (signed, not encrypted) cookie: no names in them.
    flash(
        _("The staff member is marked as working at the school again.")
        if member.active
        else _("The staff member is marked as no longer working at the school."),
        "success",
    )
    return redirect(url_for("staff.staff_card", member_id=member.id))


from node_agent.staff import card_views  # noqa: E402,F401 - registers the card's sub-pages on bp
