"""Homework pages: the homework of the classes a user may read, setting homework in one of the
teacher's own teaching assignments, and editing (with the history of changes) or deleting one's own.
Thin: rules in operations, reading and access in queries."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from node_agent.grades.operations import Actor
from node_agent.journal import operations as ops
from node_agent.journal import queries
from node_agent.journal.forms import HomeworkEditForm, HomeworkForm
from node_agent.journal.models import Homework
from node_agent.journal.web import actor
from node_agent.records import ValidationFailed
from node_agent.register.queries import current_school_year
from node_agent.staff.models import TeachingAssignment
from node_agent.web.context import audit, current_user, db, refuse, roles_required, today
from zszo.web.forms import attach_errors

bp = Blueprint("homework", __name__, url_prefix="/homework", template_folder="templates")


@bp.get("")
@roles_required("teacher", "director", "secretary")
def index():  # type: ignore[no-untyped-def]
    """Homework of the user's classes due from today (``?all=1``: the whole school year)."""
    year = current_school_year(db(), today())
    user = current_user()
    classes = queries.readable_classes(db(), user, year.id if year else None)  # type: ignore[arg-type]
    whole_year = request.args.get("all") == "1"
    rows = queries.homework_of_classes(db(), [c.id for c in classes], None if whole_year else today())
    own = queries.own_assignments(db(), user, year.id if year else None)  # type: ignore[arg-type]
    return render_template("journal/homework_index.html", rows=rows, year=year, whole_year=whole_year,
                           can_set=bool(own), me=user.staff_member_id)  # type: ignore[union-attr]


@bp.route("/new", methods=["GET", "POST"])
@roles_required("teacher")
def set_homework():  # type: ignore[no-untyped-def]
    """Set homework in one of the teacher's own teaching assignments."""
    author = actor("homework", None)
    year = current_school_year(db(), today())
    own = queries.own_assignments(db(), current_user(), year.id if year else None)  # type: ignore[arg-type]
    form = HomeworkForm()
    form.assignment_id.choices = [("", _("– choose –"))] + [(a.id, label) for a, label in own]
    if not form.is_submitted():
        form.set_on.data = today().isoformat()
        form.audience.data = form.audience.data or "families"
        return render_template("journal/homework_form.html", form=form)
    chosen = db().get(TeachingAssignment, form.assignment_id.data) if form.assignment_id.data else None
    if chosen is not None and not queries.can_set_homework(current_user(), chosen):  # type: ignore[arg-type]
        refuse("teaching_assignment", chosen.id, "not this teacher's assignment")
    try:
        homework = ops.set_homework(db(), author, chosen, set_on=form.set_on.data, due_on=form.due_on.data,
                                    description=form.description.data, audience=form.audience.data)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("journal/homework_form.html", form=form), 422
    audit("create", "homework", homework.id, "homework")
    flash(_("The homework has been saved."), "success")
    return redirect(url_for("homework.index"))


def _own_homework(homework_id: str) -> tuple[Homework, Actor]:
    """The homework and its author acting on it (404 for an unknown id, an audited 403 for anyone else)."""
    homework = db().get(Homework, homework_id)
    if homework is None:
        abort(404)
    me = actor("homework", homework_id)
    if not queries.can_edit_homework(current_user(), homework):  # type: ignore[arg-type]
        refuse("homework", homework_id, "not the homework's author")
    return homework, me


@bp.route("/<homework_id>/edit", methods=["GET", "POST"])
@roles_required("teacher")
def edit_homework(homework_id: str):  # type: ignore[no-untyped-def]
    """Change homework (only its author may); the page shows its history."""
    homework, editor = _own_homework(homework_id)
    page = {"assignment_name": queries.assignment_name(db(), homework.assignment_id),
            "history": queries.history_rows(db(), "homework", homework.id)}
    form = HomeworkEditForm(obj=homework)
    if request.method != "POST":
        form.set_on.data, form.due_on.data = homework.set_on.isoformat(), homework.due_on.isoformat()
        return render_template("journal/homework_edit.html", form=form, **page)
    try:
        ops.edit_homework(db(), editor, homework, set_on=form.set_on.data, due_on=form.due_on.data,
                          description=form.description.data, audience=form.audience.data)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("journal/homework_edit.html", form=form, **page), 422
    audit("update", "homework", homework.id, "homework")
    flash(_("The homework has been changed."), "success")
    return redirect(url_for("homework.index"))


@bp.post("/<homework_id>/delete")
@roles_required("teacher")
def delete_homework(homework_id: str):  # type: ignore[no-untyped-def]
    """Delete homework; only its author may."""
    homework, me = _own_homework(homework_id)
    ops.delete_homework(db(), me, homework)
    audit("delete", "homework", homework_id, "homework")
    flash(_("The homework has been deleted."), "success")
    return redirect(url_for("homework.index"))
