"""Gradebook forms. Per-pupil columns are built per class (one text field ``grade-<pupil id>`` per
pupil, so the error summary links straight to the pupil's field); rules live in the operations."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from node_agent.grades.models import GradeCategory
from node_agent.register.models import Pupil
from node_agent.web import labels


class GradeFieldsMixin(FlaskForm):
    """Category, date and description of one grade or one column of grades."""

    category_id = SelectField(_l("Category"), validate_choice=False)
    given_on = StringField(_l("Date"), render_kw={"type": "date"})
    description = StringField(_l("Description"), validators=[Optional()])

    def set_categories(self, categories: Iterable[GradeCategory]) -> None:
        """Offer the active categories, with their weights."""
        self.category_id.choices = labels.choices(
            [(c.id, f"{c.name} ({_l('weight')} {c.weight}{'' if c.counts else ', ' + str(_l('not counted'))})")
             for c in categories if c.active], blank=_l("– choose –"))


class GradeEditForm(GradeFieldsMixin):
    """One grade: its symbol too."""

    symbol = StringField(_l("Grade"), render_kw={"autocomplete": "off", "spellcheck": "false"})


def series_form(pupils: Iterable[Pupil]) -> GradeFieldsMixin:
    """A column of grades for ``pupils``: one short text field per pupil."""
    fields: dict[str, Field] = {
        f"grade-{p.id}": StringField(f"{p.last_name} {p.first_name}",
                                     render_kw={"autocomplete": "off", "spellcheck": "false", "size": 3})
        for p in pupils}
    return type("SeriesForm", (GradeFieldsMixin,), fields)()  # type: ignore[return-value]


def per_pupil_form(pupils: Iterable[Pupil], choices: list[SelectChoice] | None = None,
                   *, text: bool = False) -> FlaskForm:
    """One field per pupil: a select of ``choices``, or a text area for descriptive assessments."""
    fields: dict[str, Field] = {}
    for p in pupils:
        label = f"{p.last_name} {p.first_name}"
        fields[f"grade-{p.id}"] = (TextAreaField(label, validators=[Optional()], render_kw={"rows": 4}) if text
                                   else SelectField(label, choices=choices or [], validate_choice=False))
    return type("PerPupilForm", (FlaskForm,), fields)()


class SettingsForm(FlaskForm):
    """The school's grading settings."""

    plus = StringField(_l("Value of +"), render_kw={"inputmode": "decimal"})
    minus = StringField(_l("Value of -"), render_kw={"inputmode": "decimal"})
    marks = TextAreaField(_l("Non-numeric marks"), render_kw={"rows": 5})
    term_proposed_by = StringField(_l("Proposed term grades by"), render_kw={"type": "date"})
    term_final_by = StringField(_l("Term grades by"), render_kw={"type": "date"})
    year_proposed_by = StringField(_l("Proposed year grades by"), render_kw={"type": "date"})
    year_final_by = StringField(_l("Year grades by"), render_kw={"type": "date"})

    FIELDS = ("plus", "minus", "marks", "term_proposed_by", "term_final_by", "year_proposed_by", "year_final_by")


class CategoryForm(FlaskForm):
    """A grade category."""

    name = StringField(_l("Category name"))
    weight = StringField(_l("Weight"), render_kw={"inputmode": "numeric"})
    counts = BooleanField(_l("Counts towards the average"), default=True)

    FIELDS = ("name", "weight", "counts")
