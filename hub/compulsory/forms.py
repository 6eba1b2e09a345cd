"""Forms of the compulsory-schooling pages (fields only; the rules are in operations.py and register.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Form, HiddenField, SelectField, StringField, TextAreaField


class ControlFilter(Form):
    """School year and reference day, sent with GET (bookmarkable; changes nothing)."""

    school_year = StringField(_l("School year"), render_kw={"inputmode": "numeric", "placeholder": "2026/2027"})
    day = StringField(_l("On the day"), render_kw={"type": "date"})


class ImportForm(FlaskForm):
    """The population register's CSV file and the date it is from."""

    file = FileField(_l("File from the population register (CSV)"))
    as_of = StringField(_l("Date of the register"), render_kw={"type": "date"})


class ExemptionForm(FlaskForm):
    """Schooling elsewhere or a deferral, as reported to the city."""

    school_year = StringField(_l("School year"))
    kind = SelectField(_l("Reason"), choices=[], validate_choice=False)
    details = TextAreaField(_l("Details (school, country, decision number)"))


class AdvanceForm(FlaskForm):
    """The next step of a case and a note."""

    status = SelectField(_l("Next step"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Note"))


class OpenCaseForm(FlaskForm):
    """Open a case for the child (the reason is the finding shown)."""

    school_year = HiddenField()
