"""Forms of transfers: start one to a city school, accept an offer into a class, reject it with a reason.

No rules here: :mod:`node_agent.transfers.outgoing` and :mod:`node_agent.transfers.incoming` decide.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from node_agent.register.forms import DATE

CHOOSE = _l("– choose –")


class StartTransferForm(FlaskForm):
    """Transfer a pupil to another school of the city from a date."""

    to_rspo = SelectField(_l("Receiving school"), choices=[], validate_choice=False)
    transfer_on = StringField(_l("First day at the new school"), render_kw=DATE)


class AcceptForm(FlaskForm):
    """Take the pupil in: class and the admission decision."""

    class_id = SelectField(_l("Class"), choices=[], validate_choice=False)
    admission_decision = StringField(_l("Number of the admission decision"), validators=[Optional()])
    admission_decided_on = StringField(_l("Date of the admission decision"), validators=[Optional()],
                                       render_kw=DATE)


class RejectForm(FlaskForm):
    """Refuse the pupil, saying why (the sending school sees it)."""

    reason = TextAreaField(_l("Reason for the rejection"), render_kw={"rows": 4})
