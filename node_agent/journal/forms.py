"""Forms of behaviour notes, homework and announcements. Only the shape of the input is here; every
rule (required text, dates, the pupil in the class, known classes) lives in the operations, which
name the field of each problem for the error summary."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField

from node_agent.journal import labels
from node_agent.web.labels import choices


class NoteForm(FlaskForm):
    """A behaviour note about one pupil of a class."""

    pupil_id = SelectField(_l("Pupil"), validate_choice=False)
    kind = SelectField(_l("Kind of note"), choices=choices(labels.NOTE_KINDS, blank=_l("– choose –")),
                       validate_choice=False)
    category = SelectField(_l("Category"), choices=choices(labels.NOTE_CATEGORIES, blank=_l("– choose –")),
                           validate_choice=False)
    noted_on = StringField(_l("Date"), render_kw={"type": "date"})
    text = TextAreaField(_l("Content of the note"), render_kw={"rows": 4})
    audience = SelectField(_l("Who can see it"), choices=choices(labels.AUDIENCES), validate_choice=False)


class NoteEditForm(NoteForm):
    """Editing a note: everything but the pupil (a note about another pupil is another note)."""

    pupil_id = None


class HomeworkForm(FlaskForm):
    """Homework in one of the teacher's own teaching assignments."""

    assignment_id = SelectField(_l("Class and subject"), validate_choice=False)
    set_on = StringField(_l("Date set"), render_kw={"type": "date"})
    due_on = StringField(_l("Due date"), render_kw={"type": "date"})
    description = TextAreaField(_l("What to do"), render_kw={"rows": 4})
    audience = SelectField(_l("Who can see it"), choices=choices(labels.AUDIENCES), validate_choice=False)


class HomeworkEditForm(HomeworkForm):
    """Editing homework: everything but the class and subject."""

    assignment_id = None


class AnnouncementForm(FlaskForm):
    """An announcement for the school or chosen classes."""

    title = StringField(_l("Title"))
    body = TextAreaField(_l("Content"), render_kw={"rows": 6})
    valid_from = StringField(_l("Shown from"), render_kw={"type": "date"})
    valid_to = StringField(_l("Shown until"), render_kw={"type": "date"})
    scope = SelectField(_l("For whom"), choices=choices(labels.SCOPES), default="school", validate_choice=False)
    class_ids = SelectMultipleField(_l("Classes"), choices=[], validate_choice=False, render_kw={"size": 6})
    audience = SelectField(_l("Who can see it"), choices=choices(labels.AUDIENCES), validate_choice=False)
