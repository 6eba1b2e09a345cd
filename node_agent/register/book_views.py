"""Pupil register book pages: the entries (księga uczniów), admission of a new or listed pupil, settings.

The school office only: teachers get 403. Views are thin — every write goes through
:mod:`node_agent.register.admission` / :mod:`node_agent.register.numbering` — and a failed
POST answers 422, which rolls the request's transaction back, so an admission is all or nothing.
Pages listing or showing pupils write audit rows (ids only).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from node_agent.records import ValidationFailed
from node_agent.register import admission, book_queries, numbering, queries
from node_agent.register.book_forms import (
    NUMBERING,
    AdmissionForm,
    AdmitExistingForm,
    RegisterSearchForm,
    RegisterSettingsForm,
)
from node_agent.register.forms import PupilForm
from node_agent.register.models import ClassUnit
from node_agent.register.views import PESEL_AND_NO_PESEL, visible_pupil
from node_agent.web import labels
from node_agent.web.context import OFFICE_ROLES, audit, db, roles_required, today, writes_on_get
from protocol.fields import FieldError
from protocol.i18n import N_
from zszo.web.forms import attach_errors

bp = Blueprint("book", __name__, url_prefix="/register", template_folder="templates")
bp.record_once(lambda state: state.app.jinja_env.globals.update(numbering_labels=NUMBERING))


@bp.get("")
@roles_required(*OFFICE_ROLES)
@writes_on_get
def entries():  # type: ignore[no-untyped-def]
    """The register's entries in the order they were made, searchable by number or name."""
    form = RegisterSearchForm(formdata=request.args)
    page_number = request.args.get("page", "1")
    page = book_queries.search_entries(db(), text=form.q.data or "",
                                       page=int(page_number) if page_number.isdigit() else 1)
    audit("list", "pupil", None, "register_book")
    return render_template("register/book.html", form=form, page=page, args={"q": form.q.data or ""},
                           missing=book_queries.pupils_without_entry(db()),
                           settings=numbering.current_settings(db()),
                           next_number=numbering.preview_next(db(), today()))


@bp.post("/backfill")
@roles_required(*OFFICE_ROLES)
def backfill():  # type: ignore[no-untyped-def]
    """Make the entries of listed pupils who have none, from their class history."""
    made = admission.backfill(db())
    audit("create", "register_entry", None, "register_backfill")
    flash(_("Register entries made: %(count)s.", count=made), "success")
    return redirect(url_for("book.entries"))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def settings():  # type: ignore[no-untyped-def]
    """How the school numbers its register, and which level finishes the school."""
    current = numbering.current_settings(db())
    if request.method == "GET":
        form = RegisterSettingsForm(obj=current)
        form.final_level.data = str(current.final_level) if current.final_level is not None else ""
        return render_template("register/book_settings.html", form=form, default_level=numbering.final_level(db()))
    form = RegisterSettingsForm()
    try:
        numbering.save_settings(db(), numbering=form.numbering.data, final_level=form.final_level.data)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("register/book_settings.html", form=form,
                               default_level=numbering.final_level(db())), 422
    flash(_("The settings have been saved."), "success")
    return redirect(url_for("book.entries"))


def _classes_choices(form) -> list[ClassUnit]:  # type: ignore[no-untyped-def]
    year = queries.current_school_year(db(), today())
    classes = queries.classes_of_year(db(), year)
    form.class_id.choices = labels.choices([(c.id, c.name) for c in classes], blank=_("– choose –"))
    return classes


def _admission_input(form, classes: list[ClassUnit]) -> tuple[dict, list[FieldError]]:  # type: ignore[no-untyped-def]
    """The admission's values from the form, and the problems only the form can see (class, date)."""
    problems = []
    class_unit = db().get(ClassUnit, form.class_id.data) if form.class_id.data else None
    if class_unit is None or class_unit not in classes:
        class_unit = None
        problems.append(FieldError("class_id", "required", N_("choose one of the listed options"),
                                   {"label": N_("Class")}))
    admitted_on = form.admitted_on.data  # the operation reports a missing or impossible date
    values = {"admitted_on": admitted_on, "reason": form.admission_reason.data or None, "class_unit": class_unit,
              "decision": form.admission_decision.data, "decided_on": form.admission_decided_on.data,
              "previous_school": form.school()}
    return values, problems


@bp.route("/admit", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def admit_new():  # type: ignore[no-untyped-def]
    """Admit a new pupil: their data, class, register entry with the next number, on one page."""
    form = AdmissionForm()
    classes = _classes_choices(form)
    if request.method == "GET":
        form.admitted_on.data = today().isoformat()
        return render_template("register/admit.html", form=form, pupil=None,
                               next_number=numbering.preview_next(db(), today()))
    values, problems = _admission_input(form, classes)
    data = {name: form[name].data for name in PupilForm.PROTOCOL_FIELDS if name != "register_number"}
    if form.no_pesel.data:
        if (data["pesel"] or "").strip():
            problems.append(FieldError("pesel", "pesel_and_no_pesel", PESEL_AND_NO_PESEL, {"label": N_("PESEL")}))
        data["pesel"] = None
    try:
        pupil, entry = admission.admit_new(db(), data, errors=problems, **values)
    except ValidationFailed as exc:
        field_map = {"pesel": "document_type"} if form.no_pesel.data and not any(
            e.code == "pesel_and_no_pesel" for e in exc.errors) else {}
        attach_errors(form, exc.errors, _, field_map=field_map)
        return render_template("register/admit.html", form=form, pupil=None,
                               next_number=numbering.preview_next(db(), today())), 422
    audit("create", "pupil", pupil.id, "admission")
    flash(_("The pupil has been admitted under register number %(number)s.", number=entry.number), "success")
    return redirect(url_for("register.pupil_card", pupil_id=pupil.id))


@bp.route("/admit/<pupil_id>", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get
def admit_existing(pupil_id: str):  # type: ignore[no-untyped-def]
    """Admit a pupil already in the list (e.g. coming back): register entry and class."""
    pupil = visible_pupil(pupil_id, edit=True)
    form = AdmitExistingForm()
    classes = _classes_choices(form)
    if request.method == "GET":
        form.admitted_on.data = today().isoformat()
        audit("view", "pupil", pupil.id, "admission")
        return render_template("register/admit.html", form=form, pupil=pupil,
                               next_number=numbering.preview_next(db(), today()))
    values, problems = _admission_input(form, classes)
    try:
        entry = admission.admit(db(), pupil, errors=problems, **values)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("register/admit.html", form=form, pupil=pupil,
                               next_number=numbering.preview_next(db(), today())), 422
    audit("create", "register_entry", entry.id, "admission")
    flash(_("The pupil has been admitted under register number %(number)s.", number=entry.number), "success")
    return redirect(url_for("register.pupil_card", pupil_id=pupil.id))
