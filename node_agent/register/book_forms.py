"""Forms of the pupil register book: admission, the other school's details, settings, promotion, e-mail checks.

Field names are the protocol's (``admitted_on``, ``admission_decision``, ``other_name`` …) so the
protocol's errors land on the right field. No rules here: the operations decide what is valid.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField

from node_agent.register.forms import CHOOSE, DATE, PupilForm, SchoolDetailsMixin, _optional
from node_agent.web import labels

NUMBERING = {
    "sequential": _l("1, 2, 3 … (one sequence for all years)"),
    "year_suffix": _l("17/2026 (counted anew each school year)"),
    "year_prefix": _l("2026/17 (counted anew each school year)"),
}
VERIFICATION_METHODS = {
    "in_person": _l("In person at the school office"),
    "signed_form": _l("On a form signed by the guardian"),
}


class AdmissionDetailsMixin(FlaskForm):
    """Class, date, reason and the director's decision of an admission."""

    class_id = SelectField(_l("Class"), choices=[], validate_choice=False)
    admitted_on = StringField(_l("Date of admission"), render_kw=DATE)
    admission_reason = SelectField(_l("Reason for admission"), validate_choice=False,
                                   choices=labels.choices(labels.ADMISSION_REASONS, blank=CHOOSE))
    admission_decision = _optional(_l("Number of the admission decision"))
    admission_decided_on = _optional(_l("Date of the admission decision"), render_kw=DATE)


class AdmitExistingForm(AdmissionDetailsMixin, SchoolDetailsMixin):
    """Admit a pupil already in the list (e.g. coming back) to the school."""


class AdmissionForm(PupilForm, AdmissionDetailsMixin, SchoolDetailsMixin):
    """A new pupil and their admission, on one page."""

    register_number = None  # given automatically from the school's numbering


class RegisterSettingsForm(FlaskForm):
    """How the school numbers its register and which level finishes it."""

    numbering = SelectField(_l("Numbering of the register"), validate_choice=False,
                            choices=labels.choices(NUMBERING))
    final_level = _optional(_l("Last level of the school"), render_kw={"inputmode": "numeric"})


class PromotionChoiceForm(FlaskForm):
    """The director's choice for one pupil or class before the promotion."""

    target_id = HiddenField()
    choice = HiddenField()


class ConfirmEmailForm(FlaskForm):
    """The school confirmed a guardian's e-mail address."""

    verified_on = StringField(_l("Date of confirmation"), render_kw=DATE)
    method = SelectField(_l("How it was confirmed"), validate_choice=False,
                         choices=labels.choices(VERIFICATION_METHODS, blank=CHOOSE))


class RegisterSearchForm(FlaskForm):
    """The register book's search box (GET)."""

    class Meta:
        csrf = False

    q = StringField(_l("Number or name"))
