"""Year-end promotion pages: the preview per class, the director's choices, and applying it.

The school office sees the preview; only the director (and the administrator) mark pupils who
do not get promotion, mark classes that do (not) finish the school, and apply the promotion —
checked here on the server, not by hiding buttons. Applying runs in the request's one
transaction: a failure answers 422 and nothing of it is written.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from node_agent.records import ValidationFailed
from node_agent.register import promotion, queries
from node_agent.register.book_forms import PromotionChoiceForm
from node_agent.school.models import SchoolYear
from node_agent.web.context import OFFICE_ROLES, audit, current_user, db, deny, roles_required, today, writes_on_get

bp = Blueprint("promotion", __name__, url_prefix="/register/promotion", template_folder="templates")
bp.record_once(lambda state: state.app.jinja_env.globals.update(outcome_labels=OUTCOMES))
DECIDING_ROLES = ("admin", "director")
OUTCOMES = {
    "promoted": _l("promoted"),
    "repeats": _l("repeats the year"),
    "graduates": _l("finishes the school"),
}


def _year() -> SchoolYear:
    year_id = request.values.get("year")
    year = db().get(SchoolYear, year_id) if year_id else queries.current_school_year(db(), today())
    if year is None:
        abort(404)
    return year


def _may_decide() -> bool:
    user = current_user()
    return user is not None and user.role in DECIDING_ROLES


@bp.get("")
@roles_required(*OFFICE_ROLES)
@writes_on_get
def preview():  # type: ignore[no-untyped-def]
    """Who is promoted, who repeats, who finishes the school, per class of the year."""
    year = _year()
    plan = promotion.preview(db(), year)
    audit("list", "pupil", None, "promotion_preview")
    years = list(db().scalars(select(SchoolYear).order_by(SchoolYear.starts_on)))
    return render_template("register/promotion.html", plan=plan, years=years, may_decide=_may_decide(),
                           form=PromotionChoiceForm())


@bp.post("/mark")
@roles_required(*OFFICE_ROLES)
def mark():  # type: ignore[no-untyped-def]
    """Record the director's choice for one pupil or class."""
    if not _may_decide():
        deny("promotion choices are the director's")
    year = _year()
    form = PromotionChoiceForm()
    user = current_user()
    try:
        promotion.mark(db(), year, form.target_id.data or "", form.choice.data or None,
                       by=user.username if user else "-")
    except ValidationFailed as exc:
        flash(" ".join(e.render(_) for e in exc.errors), "error")
        return redirect(url_for("promotion.preview", year=year.id)), 303
    audit("update", "promotion_choice", form.target_id.data or None, "promotion_choice")
    flash(_("The choice has been saved."), "success")
    return redirect(url_for("promotion.preview", year=year.id, _anchor=f"t-{form.target_id.data}"), 303)


@bp.post("/apply")
@roles_required(*OFFICE_ROLES)
def apply():  # type: ignore[no-untyped-def]
    """Apply the promotion as previewed, in one transaction."""
    if not _may_decide():
        deny("the promotion is applied by the director")
    year = _year()
    user = current_user()
    if request.form.get("confirm") != "yes":
        plan = promotion.preview(db(), year)
        years = list(db().scalars(select(SchoolYear).order_by(SchoolYear.starts_on)))
        return render_template("register/promotion.html", plan=plan, years=years, may_decide=True,
                               form=PromotionChoiceForm(), confirm_error=True), 422
    try:
        result = promotion.apply(db(), year, by=user.username if user else "-")
    except ValidationFailed as exc:
        flash(" ".join(e.render(_) for e in exc.errors), "error")
        return redirect(url_for("promotion.preview", year=year.id)), 303
    audit("update", "enrolment", None, "promotion_apply")
    flash(_("Promotion applied: %(promoted)s promoted, %(repeating)s repeating the year, %(graduated)s finished "
            "the school. The school year %(label)s has been prepared.", promoted=result.promoted,
            repeating=result.repeating, graduated=result.graduated, label=result.next_year.label), "success")
    return redirect(url_for("book.entries"))
