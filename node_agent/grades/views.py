"""Gradebook pages for teachers, tutors and the school office: the list of a user's gradebooks,
the class gradebook of a teaching assignment, entering a column of grades (or one grade), editing
and deleting a grade with its history, and a pupil's grades card. Thin: rules live in operations,
reading and access in queries and :mod:`node_agent.grades.web`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from node_agent.grades import operations as ops
from node_agent.grades import queries
from node_agent.grades import settings as grade_settings
from node_agent.grades.forms import GradeEditForm, series_form
from node_agent.grades.models import Grade
from node_agent.grades.web import (
    GRADE_ROLES,
    actor,
    assignment,
    bp,
    wants_pupil,
)
from node_agent.records import ValidationFailed
from node_agent.register.models import ClassUnit, Pupil
from node_agent.register.queries import current_school_year
from node_agent.web.context import audit, current_user, db, deny, roles_required, short_writes, today, writing
from zszo.web.forms import attach_errors


@bp.get("")
@roles_required(*GRADE_ROLES)
def index():  # type: ignore[no-untyped-def]
    """The gradebooks the user may open in the current school year, and the classes they tutor."""
    user = current_user()
    year = current_school_year(db(), today())
    rows = queries.assignments(db(), user, year.id if year else None)  # type: ignore[arg-type]
    tutored = []
    if user.role == "teacher" and user.staff_member_id and year is not None:  # type: ignore[union-attr]
        tutored = list(db().scalars(select(ClassUnit).where(ClassUnit.school_year_id == year.id,
                                                            ClassUnit.tutor_id == user.staff_member_id)  # type: ignore[union-attr]
                                    .order_by(ClassUnit.level, ClassUnit.letter)))
    return render_template("grades/index.html", rows=rows, tutored=tutored, year=year, user=user)


@bp.get("/<assignment_id>")
@roles_required(*GRADE_ROLES)
def gradebook(assignment_id: str):  # type: ignore[no-untyped-def]
    """The class gradebook: pupils × grades, weighted averages, proposed and final grades."""
    found, _class = assignment(assignment_id)
    book = queries.gradebook(db(), found, today())
    return render_template("grades/gradebook.html", book=book, can_write=queries.can_write(current_user(), found),  # type: ignore[arg-type]
                           scale=grade_settings.scale(db()))


@bp.route("/<assignment_id>/series", methods=["GET", "POST"])
@roles_required("teacher")
@short_writes
def series(assignment_id: str):  # type: ignore[no-untyped-def]
    """Enter one column of grades for the class (or, with ``?pupil=``, one pupil's grade).

    Read and checked without the write lock; the save takes it only for its own inserts.
    """
    found, class_unit = assignment(assignment_id, write=True)
    pupils = [p for p, left in queries.class_pupils(db(), class_unit.id, today()) if not left]
    only = wants_pupil()
    if only is not None:
        pupils = [p for p in pupils if p.id == only]
        if not pupils:
            abort(404)
    form = series_form(pupils)
    form.set_categories(grade_settings.categories(db(), active_only=True))
    if request.method != "POST":
        form.given_on.data = form.given_on.data or today().isoformat()
        return render_template("grades/series.html", form=form, pupils=pupils, assignment=found,
                               class_unit=class_unit, single=only is not None, scale=grade_settings.scale(db()))
    symbols = {p.id: form[f"grade-{p.id}"].data or "" for p in pupils}
    labels = {p.id: f"{p.last_name} {p.first_name}" for p in pupils}
    author = actor()
    try:
        checked = ops.check_series(db(), found, category_id=form.category_id.data, given_on=form.given_on.data,
                                   description=form.description.data, symbols=symbols, labels=labels,
                                   series=only is None, teacher_id=author.staff_member_id)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("grades/series.html", form=form, pupils=pupils, assignment=found,
                               class_unit=class_unit, single=only is not None,
                               scale=grade_settings.scale(db())), 422
    with writing() as session:
        added = ops.write_series(session, author, checked)
        for grade_id in added:
            audit("create", "grade", grade_id, "gradebook")
    flash(_("Grades saved: %(count)d.", count=len(added)), "success")
    return redirect(url_for("grades.gradebook", assignment_id=found.id))


def _grade(grade_id: str, *, write: bool) -> tuple[Grade, Pupil]:
    grade = db().get(Grade, grade_id)
    if grade is None:
        abort(404)
    assignment(grade.assignment_id, write=write)
    return grade, db().get(Pupil, grade.pupil_id)  # type: ignore[return-value]


@bp.route("/grade/<grade_id>", methods=["GET", "POST"])
@roles_required(*GRADE_ROLES)
def grade_edit(grade_id: str):  # type: ignore[no-untyped-def]
    """A grade with its history; its teacher may change it here."""
    grade, pupil = _grade(grade_id, write=False)
    found, _class = assignment(grade.assignment_id)
    writer = queries.can_write(current_user(), found)  # type: ignore[arg-type]
    form = GradeEditForm(obj=grade)
    form.set_categories(grade_settings.categories(db(), active_only=True))
    page = {"grade": grade, "pupil": pupil, "writer": writer, "history": ops.history(db(), "grade", grade.id)}
    if request.method != "POST":
        form.given_on.data = grade.given_on.isoformat()
        return render_template("grades/grade.html", form=form, **page)
    if not writer:
        deny("not this teacher's assignment")
    try:
        ops.update_grade(db(), actor(), grade, symbol=form.symbol.data or "", category_id=form.category_id.data,
                         given_on=form.given_on.data, description=form.description.data)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("grades/grade.html", form=form, **page), 422
    audit("update", "grade", grade.id, "gradebook")
    flash(_("The grade has been changed."), "success")
    return redirect(url_for("grades.gradebook", assignment_id=grade.assignment_id))


@bp.post("/grade/<grade_id>/delete")
@roles_required("teacher")
def grade_delete(grade_id: str):  # type: ignore[no-untyped-def]
    """Delete a grade (what it was stays in the history)."""
    grade, _pupil = _grade(grade_id, write=True)
    assignment_id = grade.assignment_id
    ops.delete(db(), actor(), grade)
    audit("delete", "grade", grade_id, "gradebook")
    flash(_("The grade has been deleted."), "success")
    return redirect(url_for("grades.gradebook", assignment_id=assignment_id))


@bp.get("/pupil/<pupil_id>")
@roles_required(*GRADE_ROLES)
def pupil_card(pupil_id: str):  # type: ignore[no-untyped-def]
    """A pupil's grades in every subject the user may read, in one of the pupil's classes."""
    pupil = db().get(Pupil, pupil_id)
    if pupil is None:
        abort(404)
    classes = queries.pupil_classes(db(), pupil.id)
    wanted = request.args.get("class")
    class_unit = next((c for c in classes if c.id == wanted), classes[0] if classes else None)
    if class_unit is None:
        abort(404)
    card = queries.pupil_card(db(), current_user(), pupil, class_unit)  # type: ignore[arg-type]
    if not card.rows and not queries.can_read_class(current_user(), class_unit):  # type: ignore[arg-type]
        deny("no subject of this pupil to read")
    return render_template("grades/card.html", card=card, classes=classes)
