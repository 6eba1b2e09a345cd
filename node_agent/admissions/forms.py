"""The form that enters a recruited pupil in the register (class, date, the director's decision, guardian)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from node_agent.register.book_forms import AdmissionDetailsMixin
from node_agent.register.forms import CHOOSE
from node_agent.web import labels


class EnrolForm(AdmissionDetailsMixin):
    """Admission details of a pupil from the city's recruitment (the reason is always "recruitment")."""

    relation = SelectField(_l("The parent who applied is the pupil's"), validate_choice=False,
                           choices=labels.choices(labels.RELATIONS, blank=CHOOSE))
