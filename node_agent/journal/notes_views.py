"""Behaviour note pages: the classes a user may open, a class's notes, adding a note about a pupil,
a pupil's notes, editing a note (its author, the director or the class's tutor; the page shows the
note's history of changes) and deleting one's own note. Thin: rules in operations, reading and access in
queries and :mod:`node_agent.journal.web`. Every page that shows pupils' notes is audited."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from node_agent.grades.queries import class_pupils, pupil_classes
from node_agent.journal import operations as ops
from node_agent.journal import queries
from node_agent.journal.forms import NoteEditForm, NoteForm
from node_agent.journal.models import BehaviourNote
from node_agent.journal.web import TEMPLATE_LABELS, actor, class_for
from node_agent.records import ValidationFailed
from node_agent.register.models import ClassUnit, Pupil
from node_agent.register.queries import current_school_year
from node_agent.staff.models import StaffMember
from node_agent.web.context import audit, current_user, db, refuse, roles_required, today, writes_on_get
from zszo.web.forms import attach_errors

bp = Blueprint("notes", __name__, url_prefix="/notes", template_folder="templates")
ROLES = ("teacher", "director", "secretary")


@bp.app_context_processor
def journal_labels() -> dict[str, object]:
    """Labels of note kinds, categories, audiences and scopes for every template, so other pages (the
    pupil card, the tutor's class page) can include ``journal/_notes_table.html`` as it is."""
    return TEMPLATE_LABELS


@bp.get("")
@roles_required(*ROLES)
def index():  # type: ignore[no-untyped-def]
    """The classes whose notes the user may read this school year."""
    year = current_school_year(db(), today())
    classes = queries.readable_classes(db(), current_user(), year.id if year else None)  # type: ignore[arg-type]
    return render_template("journal/notes_index.html", classes=classes, year=year)


@bp.get("/class/<class_id>")
@roles_required(*ROLES)
@writes_on_get
def class_notes(class_id: str):  # type: ignore[no-untyped-def]
    """Every note written in a class, newest first."""
    class_unit = class_for(class_id, write=False)
    rows = queries.class_notes(db(), class_unit.id)
    audit("read", "class_unit", class_unit.id, "behaviour_notes")
    user = current_user()
    edit_ids = {r.note.id for r in rows if queries.can_edit_note(user, r.note, class_unit)}  # type: ignore[arg-type]
    return render_template("journal/notes_class.html", class_unit=class_unit, rows=rows,
                           can_write=queries.can_write_notes(db(), user, class_unit),  # type: ignore[arg-type]
                           me=user.staff_member_id, edit_ids=edit_ids)  # type: ignore[union-attr]


@bp.route("/class/<class_id>/new", methods=["GET", "POST"])
@roles_required("teacher", "director")
def add_note(class_id: str):  # type: ignore[no-untyped-def]
    """Write a note about a pupil of the class."""
    class_unit = class_for(class_id, write=True)
    author = actor("class_unit", class_id)
    form = NoteForm()
    pupils = [p for p, left in class_pupils(db(), class_unit.id, today()) if not left]
    form.pupil_id.choices = [("", _("– choose –"))] + [(p.id, f"{p.last_name} {p.first_name}") for p in pupils]
    if not form.is_submitted():
        form.noted_on.data = today().isoformat()
        form.audience.data = form.audience.data or "families"
        return render_template("journal/note_form.html", form=form, class_unit=class_unit)
    try:
        note = ops.add_note(db(), author, class_unit, pupil_id=form.pupil_id.data, kind=form.kind.data,
                            category=form.category.data, text=form.text.data, noted_on=form.noted_on.data,
                            audience=form.audience.data)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("journal/note_form.html", form=form, class_unit=class_unit), 422
    audit("create", "behaviour_note", note.id, "behaviour_notes")
    flash(_("The note has been saved."), "success")
    return redirect(url_for("notes.class_notes", class_id=class_unit.id))


@bp.get("/pupil/<pupil_id>")
@roles_required(*ROLES)
@writes_on_get
def pupil_notes(pupil_id: str):  # type: ignore[no-untyped-def]
    """A pupil's notes from every class, for those who may read one of the pupil's classes."""
    pupil = db().get(Pupil, pupil_id)
    if pupil is None:
        abort(404)
    user = current_user()
    if not any(queries.can_read_class(db(), user, c) for c in pupil_classes(db(), pupil.id)):  # type: ignore[arg-type]
        refuse("pupil", pupil.id, "not a teacher of the pupil's class")
    rows = queries.pupil_notes(db(), pupil.id)
    audit("read", "pupil", pupil.id, "behaviour_notes")
    return render_template("journal/notes_pupil.html", pupil=pupil, rows=rows,
                           counts=queries.NoteCounts(**{k: sum(r.note.kind == k for r in rows)
                                                        for k in ("positive", "negative", "neutral")}))


@bp.route("/<note_id>/edit", methods=["GET", "POST"])
@roles_required("teacher", "director")
@writes_on_get
def edit_note(note_id: str):  # type: ignore[no-untyped-def]
    """Change a note (its author, the director or the class's tutor); the page shows its history."""
    note = db().get(BehaviourNote, note_id)
    if note is None:
        abort(404)
    editor = actor("behaviour_note", note_id)
    class_unit = db().get(ClassUnit, note.class_id)
    if not queries.can_edit_note(current_user(), note, class_unit):  # type: ignore[arg-type]
        refuse("behaviour_note", note_id, "neither the note's author, the director nor the class's tutor")
    author = db().get(StaffMember, note.author_id)
    page = {"class_unit": class_unit, "pupil": db().get(Pupil, note.pupil_id),
            "author_name": f"{author.first_name} {author.last_name}",  # type: ignore[union-attr]
            "history": queries.history_rows(db(), "behaviour_note", note.id)}
    form = NoteEditForm(obj=note)
    if request.method != "POST":
        form.noted_on.data = note.noted_on.isoformat()
        audit("read", "pupil", note.pupil_id, "behaviour_notes")
        return render_template("journal/note_edit.html", form=form, **page)
    try:
        ops.edit_note(db(), editor, note, kind=form.kind.data, category=form.category.data, text=form.text.data,
                      noted_on=form.noted_on.data, audience=form.audience.data)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return render_template("journal/note_edit.html", form=form, **page), 422
    audit("update", "behaviour_note", note.id, "behaviour_notes")
    flash(_("The note has been changed."), "success")
    return redirect(url_for("notes.class_notes", class_id=class_unit.id))  # type: ignore[union-attr]


@bp.post("/<note_id>/delete")
@roles_required("teacher", "director")
def delete_note(note_id: str):  # type: ignore[no-untyped-def]
    """Delete a note; only its author may."""
    note = db().get(BehaviourNote, note_id)
    if note is None:
        abort(404)
    me = actor("behaviour_note", note_id)
    if me.staff_member_id != note.author_id:
        refuse("behaviour_note", note_id, "not the note's author")
    class_id = note.class_id
    ops.delete_note(db(), me, note)
    audit("delete", "behaviour_note", note_id, "behaviour_notes")
    flash(_("The note has been deleted."), "success")
    return redirect(url_for("notes.class_notes", class_id=class_id))
