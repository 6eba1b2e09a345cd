"""Forms of the pupil register: pupil, guardian, guardian link, class assignment, leaving (with the
other school's details for a transfer outside the city).

Field names are the protocol's field names, so protocol errors land on the right field
without a mapping. No rules here: :mod:`node_agent.register.operations` and the protocol
decide what is valid, and the view shows their errors.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Optional

from node_agent.web import labels

DATE = {"type": "date"}
CHOOSE = _l("– choose –")


def _optional(label: object, **kw: object) -> StringField:
    return StringField(label, validators=[Optional()], **kw)  # type: ignore[arg-type]


class PupilForm(FlaskForm):
    """Every field of the protocol's ``pupil`` entity, plus the "no PESEL" switch."""

    first_name = StringField(_l("First name"), render_kw={"autocomplete": "off"})
    second_name = _optional(_l("Second name"), render_kw={"autocomplete": "off"})
    last_name = StringField(_l("Last name"), render_kw={"autocomplete": "off"})
    birth_date = StringField(_l("Date of birth"), render_kw=DATE)
    birth_place = _optional(_l("Place of birth"))
    sex = SelectField(_l("Sex"), choices=labels.choices(labels.SEXES, blank=CHOOSE), validate_choice=False)
    pesel = _optional(
        _l("PESEL number"), render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
    )
    no_pesel = BooleanField(_l("The pupil has no PESEL number"))
    document_type = SelectField(
        _l("Identity document type"),
        validators=[Optional()],
        validate_choice=False,
        choices=labels.choices(labels.DOCUMENT_TYPES, blank=_l("– none –")),
    )
    document_number = _optional(_l("Document number"), render_kw={"autocomplete": "off"})
    street = _optional(_l("Street and number"), render_kw={"autocomplete": "off"})
    postal_code = _optional(_l("Postal code"), render_kw={"autocomplete": "off"})
    city = _optional(_l("Town"), render_kw={"autocomplete": "off"})
    register_number = _optional(_l("Number in the pupil register"))

    PROTOCOL_FIELDS = (
        "pesel",
        "document_type",
        "document_number",
        "first_name",
        "second_name",
        "last_name",
        "birth_date",
        "birth_place",
        "sex",
        "street",
        "postal_code",
        "city",
        "register_number",
    )


class GuardianDataForm(FlaskForm):
    """A guardian's own data (shared by all their children at the school)."""

    first_name = StringField(_l("First name"), render_kw={"autocomplete": "off"})
    last_name = StringField(_l("Last name"), render_kw={"autocomplete": "off"})
    phone = _optional(_l("Phone"), render_kw={"type": "tel", "autocomplete": "off"})
    email = _optional(
        _l("E-mail address"), render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false"}
    )
    street = _optional(_l("Street and number"), render_kw={"autocomplete": "off"})
    postal_code = _optional(_l("Postal code"), render_kw={"autocomplete": "off"})
    city = _optional(_l("Town"), render_kw={"autocomplete": "off"})

    PROTOCOL_FIELDS = ("first_name", "last_name", "phone", "email", "street", "postal_code", "city")


class LinkForm(FlaskForm):
    """How a guardian relates to this pupil."""

    relation = SelectField(
        _l("Relation to the pupil"),
        choices=labels.choices(labels.RELATIONS, blank=CHOOSE),
        validate_choice=False,
    )
    legal_custody = BooleanField(_l("Has parental authority (legal custody)"), default=True)
    may_receive_info = BooleanField(_l("Consents to be informed about the pupil"), default=True)


class GuardianForm(GuardianDataForm, LinkForm):
    """A new guardian with their link to the pupil, or both edited at once."""


class GuardianSearchForm(FlaskForm):
    """Find an existing guardian (e.g. a sibling's parent) by name or phone."""

    class Meta:
        csrf = False  # a GET search form

    q = StringField(_l("Name or phone number"))


class AssignClassForm(FlaskForm):
    """Put a pupil in a class of the current school year from a date."""

    class_id = SelectField(_l("Class"), choices=[], validate_choice=False)
    starts_on = StringField(_l("From"), render_kw=DATE)
    admission_reason = SelectField(
        _l("Reason for admission"),
        validate_choice=False,
        choices=labels.choices(labels.ADMISSION_REASONS, blank=CHOOSE),
    )


class SchoolDetailsMixin(FlaskForm):
    """The other school of a transfer from or to outside the city."""

    other_name = _optional(_l("Name of the other school"))
    other_rspo = _optional(_l("RSPO number of the other school (if known)"),
                           render_kw={"inputmode": "numeric", "autocomplete": "off"})
    other_street = _optional(_l("Street and number"), render_kw={"autocomplete": "off"})
    other_postal_code = _optional(_l("Postal code"), render_kw={"autocomplete": "off"})
    other_city = _optional(_l("Town"), render_kw={"autocomplete": "off"})

    SCHOOL_FIELDS = ("other_name", "other_rspo", "other_street", "other_postal_code", "other_city")

    def school(self) -> dict[str, object]:
        """The other school's details as typed."""
        return {name: self[name].data for name in self.SCHOOL_FIELDS}


class LeaveForm(SchoolDetailsMixin):
    """Remove a pupil from the list of pupils (skreślenie) on a date, with the reason and the decision;
    for a transfer outside the city, the next school's details."""

    ends_on = StringField(_l("Last day at school"), render_kw=DATE)
    leaving_reason = SelectField(
        _l("Reason for leaving"),
        validate_choice=False,
        choices=labels.choices(labels.LEAVING_REASONS, blank=CHOOSE),
    )
    leaving_decision = _optional(_l("Number of the decision"))
    leaving_decided_on = _optional(_l("Date of the decision"), render_kw=DATE)


class SearchForm(FlaskForm):
    """The register list's search box and class filter (GET)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or PESEL"))
    class_id = SelectField(_l("Class"), choices=[], validate_choice=False)
