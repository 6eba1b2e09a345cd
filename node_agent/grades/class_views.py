"""Pages for whole-class decisions: a teacher's proposed and final term/year grades in their
assignment, and the class tutor's behaviour grades and descriptive assessments (grades 1–3).
Thin: rules (deadlines, values, the class's pupils) live in the operations.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from node_agent.grades import operations as ops
from node_agent.grades import queries
from node_agent.grades import settings as grade_settings
from node_agent.grades.forms import per_pupil_form
from node_agent.grades.models import BehaviourGrade, DescriptiveAssessment, TermGrade
from node_agent.grades.web import (
    BEHAVIOUR,
    COLUMNS,
    PERIODS,
    STAGES,
    TERM_GRADES,
    actor,
    assignment,
    bp,
    check_choice,
    pupil_data,
    tutored_class,
)
from node_agent.records import ValidationFailed
from node_agent.web import labels as web_labels
from node_agent.web.context import audit, db, roles_required, today
from zszo.web.forms import attach_errors


def _render(template: str, form, status: int = 200, **page):  # type: ignore[no-untyped-def]
    return render_template(template, form=form, **page), status


def _submit(template: str, form, page: dict, save: Callable[[], int], entity: str, record_id: str,  # type: ignore[no-untyped-def]
            done: str, message: str):
    """Run ``save`` (an operations call); show its errors on the form (422) or redirect to ``done``."""
    try:
        changed = save()
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return _render(template, form, 422, **page)
    audit("update", entity, record_id, "gradebook")
    flash(message % {"count": changed}, "success")
    return redirect(done)


@bp.route("/<assignment_id>/term/<period>/<stage>", methods=["GET", "POST"])
@roles_required("teacher")
def term(assignment_id: str, period: str, stage: str):  # type: ignore[no-untyped-def]
    """The proposed or final term/year grades of the class in the teacher's assignment."""
    check_choice(period, PERIODS), check_choice(stage, STAGES)
    found, class_unit = assignment(assignment_id, write=True)
    pupils = [p for p, left in queries.class_pupils(db(), class_unit.id, today()) if not left]
    form = per_pupil_form(pupils, web_labels.choices([(str(v), f"{v} – {label}") for v, label in TERM_GRADES.items()],
                                                 blank=_("– none –")))
    book = queries.gradebook(db(), found, today())
    page = {"assignment": found, "class_unit": class_unit, "pupils": pupils, "period": period, "stage": stage,
            "averages": {r.pupil.id: str(r.average).replace(".", ",") for r in book.rows if r.average is not None},
            "deadline": grade_settings.deadline(db(), period, stage)}
    if request.method != "POST":
        for row in book.rows:
            if (period, stage) in row.term and f"grade-{row.pupil.id}" in form:
                form[f"grade-{row.pupil.id}"].data = str(row.term[(period, stage)])
        return _render("grades/term.html", form, **page)
    values, labels = pupil_data(form, pupils)
    return _submit("grades/term.html", form, page, lambda: ops.set_term_grades(
        db(), actor(), found, period=period, stage=stage, values=values, labels=labels, today=today()),
        TermGrade.__tablename__, found.id, url_for("grades.gradebook", assignment_id=found.id),
        _("Grades saved: %(count)d."))


@bp.route("/class/<class_id>/behaviour/<period>/<stage>", methods=["GET", "POST"])
@roles_required("teacher")
def behaviour(class_id: str, period: str, stage: str):  # type: ignore[no-untyped-def]
    """The class tutor's proposed or final behaviour grades."""
    check_choice(period, PERIODS), check_choice(stage, STAGES)
    class_unit = tutored_class(class_id)
    pupils = [p for p, left in queries.class_pupils(db(), class_unit.id, today()) if not left]
    form = per_pupil_form(pupils, web_labels.choices(BEHAVIOUR, blank=_("– none –")))
    page = {"class_unit": class_unit, "pupils": pupils, "period": period, "stage": stage,
            "deadline": grade_settings.deadline(db(), period, stage), "field_heading": _("Behaviour"),
            "submit_label": _("Save grades"),
            "heading": " – ".join((_("Behaviour"), str(COLUMNS[(period, stage)]),
                                   _("Class %(name)s", name=class_unit.name)))}
    if request.method != "POST":
        for (pupil_id, got_stage), value in queries.class_marks(db(), BehaviourGrade, class_unit.id, period).items():
            if got_stage == stage and f"grade-{pupil_id}" in form:
                form[f"grade-{pupil_id}"].data = value
        return _render("grades/class_column.html", form, **page)
    values, labels = pupil_data(form, pupils)
    return _submit("grades/class_column.html", form, page, lambda: ops.set_behaviour_grades(
        db(), actor(), class_unit, period=period, stage=stage, values=values, labels=labels, today=today()),
        BehaviourGrade.__tablename__, class_unit.id, url_for("grades.index"), _("Grades saved: %(count)d."))


@bp.route("/class/<class_id>/descriptive/<period>", methods=["GET", "POST"])
@roles_required("teacher")
def descriptive(class_id: str, period: str):  # type: ignore[no-untyped-def]
    """The class tutor's descriptive assessments of a class of grades 1–3."""
    check_choice(period, PERIODS)
    class_unit = tutored_class(class_id)
    pupils = [p for p, left in queries.class_pupils(db(), class_unit.id, today()) if not left]
    form = per_pupil_form(pupils, text=True)
    page = {"class_unit": class_unit, "pupils": pupils, "period": period,
            "deadline": grade_settings.deadline(db(), period, "final"), "field_heading": _("Assessment"),
            "submit_label": _("Save the assessments"),
            "heading": " – ".join((_("Descriptive assessment"), str(PERIODS[period]),
                                   _("Class %(name)s", name=class_unit.name)))}
    if request.method != "POST":
        for (pupil_id, _stage), text in queries.class_marks(db(), DescriptiveAssessment, class_unit.id,
                                                            period).items():
            if f"grade-{pupil_id}" in form:
                form[f"grade-{pupil_id}"].data = text
        return _render("grades/class_column.html", form, **page)
    values, labels = pupil_data(form, pupils)
    return _submit("grades/class_column.html", form, page, lambda: ops.set_descriptive(
        db(), actor(), class_unit, period=period, texts=values, labels=labels, today=today()),
        DescriptiveAssessment.__tablename__, class_unit.id, url_for("grades.index"),
        _("Assessments saved: %(count)d."))
