"""Staff forms: the staff member, a qualification, an employment, the subjects, the list filters.

Field names are the protocol's, so its errors land on the right field; rules live in operations.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from node_agent.staff import labels as staff_labels
from node_agent.web import labels

CHOOSE = _l("– choose –")
DATE = {"type": "date"}
NUMBER = {"inputmode": "numeric"}


def _optional(label: object, **kw: object) -> StringField:
    return StringField(label, validators=[Optional()], **kw)  # type: ignore[arg-type]


class StaffForm(FlaskForm):
    """A staff member."""

    first_name = StringField(_l("First name"))
    last_name = StringField(_l("Last name"))
    position = SelectField(
        _l("Position"),
        validate_choice=False,
        choices=labels.choices(labels.STAFF_POSITIONS, blank=CHOOSE),
    )
    promotion_grade = SelectField(
        _l("Promotion grade"), validate_choice=False, validators=[Optional()],
        choices=labels.choices(staff_labels.PROMOTION_GRADES, blank=_l("– not recorded –")),
    )
    email = StringField(
        _l("E-mail address"), validators=[Optional()], render_kw={"type": "email", "spellcheck": "false"}
    )
    phone = StringField(_l("Phone"), validators=[Optional()], render_kw={"type": "tel"})

    FIELDS = ("first_name", "last_name", "position", "promotion_grade", "email", "phone")


class QualificationForm(FlaskForm):
    """One qualification."""

    kind = SelectField(_l("Kind of qualification"), validate_choice=False,
                       choices=labels.choices(staff_labels.QUALIFICATION_KINDS, blank=CHOOSE))
    field_of_study = StringField(_l("Field of study or specialisation"))
    institution = _optional(_l("Issuing institution"))
    obtained_on = _optional(_l("Date obtained"), render_kw=DATE)
    document_number = _optional(_l("Diploma or certificate number"))

    FIELDS = ("kind", "field_of_study", "institution", "obtained_on", "document_number")


class EmploymentForm(FlaskForm):
    """One employment: basis, dates, FTE as a fraction, pensum."""

    basis = SelectField(_l("Basis of employment"), validate_choice=False,
                        choices=labels.choices(staff_labels.EMPLOYMENT_BASES, blank=CHOOSE))
    starts_on = StringField(_l("Employed from"), render_kw=DATE)
    ends_on = _optional(_l("Employed until"), render_kw=DATE)
    fte_numerator = StringField(_l("FTE: numerator"), render_kw=NUMBER)
    fte_denominator = StringField(_l("FTE: denominator"), render_kw=NUMBER)
    teaching_hours_norm = _optional(_l("Weekly teaching hours norm (pensum)"), render_kw=NUMBER)

    FIELDS = ("basis", "starts_on", "ends_on", "fte_numerator", "fte_denominator", "teaching_hours_norm")


class SubjectsForm(FlaskForm):
    """The subjects a teacher may teach (checkboxes)."""

    subject_ids = SelectMultipleField(_l("Subjects the teacher may teach"), choices=[], validate_choice=False,
                                      option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))


class StaffFilterForm(FlaskForm):
    """Filters of the staff list (a GET form)."""

    class Meta:
        csrf = False  # a GET search form

    q = _optional(_l("Name"))
    position = SelectField(_l("Position"), validate_choice=False, validators=[Optional()],
                           choices=labels.choices(labels.STAFF_POSITIONS, blank=_l("– all –")))
    promotion_grade = SelectField(_l("Promotion grade"), validate_choice=False, validators=[Optional()],
                                  choices=labels.choices(staff_labels.PROMOTION_GRADES, blank=_l("– all –")))
    status = SelectField(_l("Status"), validate_choice=False, validators=[Optional()], choices=labels.choices([
        ("active", _l("works at the school")), ("left", _l("no longer works here")), ("all", _l("– all –"))]))
