"""The director's grading settings page: the value of + and -, non-numeric marks, deadlines for
proposed and final grades, and the grade categories with their weights."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from node_agent.grades import settings as grade_settings
from node_agent.grades.forms import CategoryForm, SettingsForm
from node_agent.grades.models import GradeCategory
from node_agent.grades.web import bp
from node_agent.records import ValidationFailed
from node_agent.register.queries import current_school_year
from node_agent.web.context import audit, db, roles_required, today
from zszo.web.forms import attach_errors

SETTINGS_ROLES = ("director", "admin")


def _page(form: SettingsForm, category_form: CategoryForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("grades/settings.html", form=form, category_form=category_form,
                           categories=grade_settings.categories(db())), status


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(*SETTINGS_ROLES)
def settings_page():  # type: ignore[no-untyped-def]
    """Show and change the school's grading settings."""
    row = grade_settings.settings(db())
    form = SettingsForm()
    if request.method != "POST":
        form.plus.data = f"{row.plus_hundredths / 100:.2f}".replace(".", ",")
        form.minus.data = f"{row.minus_hundredths / 100:.2f}".replace(".", ",")
        form.marks.data = row.marks
        for name, _label in grade_settings.DEADLINES:
            day = getattr(row, name)
            form[name].data = day.isoformat() if day else ""
        return _page(form, CategoryForm())
    try:
        grade_settings.save_settings(db(), {name: form[name].data for name in SettingsForm.FIELDS},
                                     current_school_year(db(), today()))
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return _page(form, CategoryForm(formdata=None), 422)
    audit("update", "grading_settings", "1", "setup")
    flash(_("The changes have been saved."), "success")
    return redirect(url_for("grades.settings_page"))


@bp.post("/settings/categories")
@roles_required(*SETTINGS_ROLES)
def category_add():  # type: ignore[no-untyped-def]
    """Add a grade category."""
    category_form = CategoryForm()
    try:
        category = grade_settings.save_category(db(), {name: category_form[name].data for name in CategoryForm.FIELDS})
    except ValidationFailed as exc:
        attach_errors(category_form, exc.errors, _)
        row = grade_settings.settings(db())
        form = SettingsForm(formdata=None, plus=f"{row.plus_hundredths / 100:.2f}",
                            minus=f"{row.minus_hundredths / 100:.2f}", marks=row.marks)
        return _page(form, category_form, 422)
    audit("create", "grade_category", category.id, "setup")
    flash(_("The category has been added."), "success")
    return redirect(url_for("grades.settings_page"))


@bp.post("/settings/categories/standard")
@roles_required(*SETTINGS_ROLES)
def categories_standard():  # type: ignore[no-untyped-def]
    """Add the usual categories (sprawdzian, kartkówka, odpowiedź…) the school does not have yet."""
    for category in grade_settings.add_standard_categories(db()):
        audit("create", "grade_category", category.id, "setup")
    flash(_("The standard categories have been added."), "success")
    return redirect(url_for("grades.settings_page"))


@bp.post("/settings/categories/<category_id>/active")
@roles_required(*SETTINGS_ROLES)
def category_active(category_id: str):  # type: ignore[no-untyped-def]
    """Stop or resume using a category (its grades stay)."""
    category = db().get(GradeCategory, category_id)
    if category is None:
        abort(404)
    grade_settings.save_category(db(), {"active": not category.active}, category)
    audit("update", "grade_category", category.id, "setup")
    flash(_("The changes have been saved."), "success")
    return redirect(url_for("grades.settings_page"))
