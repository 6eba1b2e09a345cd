"""Forms of the fleet pages: institutions, enrolment codes, revoking a school server's key.

Fields only: what is acceptable is decided by :mod:`hub.fleet.operations`, whose refusals the
views show next to the field in Polish.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField


class InstitutionForm(FlaskForm):
    """A new institution: its RSPO number, name, kind and district (fields in page order)."""

    rspo = StringField(_l("Number in the RSPO register"), render_kw={"inputmode": "numeric", "spellcheck": "false"})
    name = StringField(_l("Full name of the institution"))
    kind = SelectField(_l("Kind of institution"), choices=[], validate_choice=False)
    district = StringField(_l("District"))


class InstitutionEditForm(InstitutionForm):
    """What can change about a registered institution (its RSPO number identifies it for good)."""

    rspo = None  # WTForms: removes the inherited field


class TokenForm(FlaskForm):
    """Which institution's server the enrolment code is for."""

    rspo = SelectField(_l("Institution"), choices=[], validate_choice=False)


class RevokeForm(FlaskForm):
    """Why a node's key is revoked; ``confirmed`` is set on the confirmation page."""

    reason = TextAreaField(_l("Reason"), render_kw={"rows": "3", "maxlength": "500"})
    confirmed = HiddenField()
