"""The form of a message between staff (rules in :mod:`node_agent.messages.operations`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField


class MessageForm(FlaskForm):
    """Recipients (one or more staff members), subject and text."""

    recipients = SelectMultipleField(_l("Recipients"), choices=[], validate_choice=False, render_kw={"size": 8})
    subject = StringField(_l("Message subject"))
    body = TextAreaField(_l("Message"), render_kw={"rows": 8})
