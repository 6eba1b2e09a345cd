"""Forms of the catchment pages; the rules live in operations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from node_agent.catchment import labels
from node_agent.web.labels import choices

NUMBER = {"inputmode": "numeric"}


class StreetForm(FlaskForm):
    """A street (or part of it) of the obwód."""

    street = StringField(_l("Street"))
    number_from = StringField(_l("House numbers from"), validators=[Optional()], render_kw=NUMBER)
    number_to = StringField(_l("House numbers to"), validators=[Optional()], render_kw=NUMBER)
    parity = SelectField(_l("Which numbers"), validate_choice=False, choices=choices(labels.PARITIES))


class YearForm(FlaskForm):
    """Which intake to show (a GET form)."""

    class Meta:
        csrf = False

    school_year = StringField(_l("School year"), validators=[Optional()])
    status = SelectField(_l("Status"), validate_choice=False, validators=[Optional()],
                         choices=choices(labels.STATUSES, blank=_l("– all –")))


class ExtractForm(FlaskForm):
    """The municipality's register extract and the school year it is for."""

    file = FileField(_l("CSV file from the population register"))
    school_year = StringField(_l("School year"))


class StatusForm(FlaskForm):
    """What is known about one child."""

    status = SelectField(_l("Status"), validate_choice=False, choices=choices(labels.STATUSES))
    decision_number = StringField(_l("Deferral decision number"), validators=[Optional()])
    other_school = StringField(_l("Name of the other school"), validators=[Optional()])
    other_school_address = StringField(_l("Address of the other school"), validators=[Optional()])
