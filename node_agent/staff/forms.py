"""The staff member form; field names are the protocol's, rules live in operations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from node_agent.web import labels


class StaffForm(FlaskForm):
    """A staff member."""

    first_name = StringField(_l("First name"))
    last_name = StringField(_l("Last name"))
    position = SelectField(
        _l("Position"),
        validate_choice=False,
        choices=labels.choices(labels.STAFF_POSITIONS, blank=_l("– choose –")),
    )
    email = StringField(
        _l("E-mail address"), validators=[Optional()], render_kw={"type": "email", "spellcheck": "false"}
    )
    phone = StringField(_l("Phone"), validators=[Optional()], render_kw={"type": "tel"})

    FIELDS = ("first_name", "last_name", "position", "email", "phone")
