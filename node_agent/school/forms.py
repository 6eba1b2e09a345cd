"""Forms of the school set-up pages; field names are the protocol's, rules live in operations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from node_agent.web import labels

CHOOSE = _l("– choose –")


class SchoolForm(FlaskForm):
    """The school record."""

    rspo = StringField(_l("RSPO number of the school"), render_kw={"inputmode": "numeric"})
    name = StringField(_l("Full name of the school"))
    kind = SelectField(
        _l("Type of institution"),
        choices=labels.choices(labels.SCHOOL_KINDS, blank=CHOOSE),
        validate_choice=False,
    )
    street = StringField(_l("Street and number"), validators=[Optional()])
    postal_code = StringField(_l("Postal code"), validators=[Optional()])
    city = StringField(_l("Town"), validators=[Optional()])
    district = StringField(_l("District"), validators=[Optional()])

    FIELDS = ("rspo", "name", "kind", "street", "postal_code", "city", "district")


class SchoolYearForm(FlaskForm):
    """A school year."""

    label = StringField(_l("School year"))
    starts_on = StringField(_l("First day"), render_kw={"type": "date"})
    ends_on = StringField(_l("Last day"), render_kw={"type": "date"})

    FIELDS = ("label", "starts_on", "ends_on")


class ClassForm(FlaskForm):
    """A class (oddział) of a school year."""

    level = SelectField(
        _l("Level"),
        validate_choice=False,
        choices=labels.choices(
            [("0", _l("0 – preschool group"))] + [(str(n), str(n)) for n in range(1, 9)], blank=CHOOSE
        ),
    )
    letter = StringField(_l("Letter or name"))
    profile = StringField(_l("Profile"), validators=[Optional()])
    tutor_id = SelectField(_l("Class tutor"), choices=[], validate_choice=False, validators=[Optional()])

    FIELDS = ("level", "letter", "profile", "tutor_id")


class SubjectForm(FlaskForm):
    """A subject."""

    code = StringField(_l("Code"))
    name = StringField(_l("Name"))

    FIELDS = ("code", "name")
