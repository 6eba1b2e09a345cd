"""The reject form (accepting needs no input: the CSRF-protected button is the whole form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField


class RejectForm(FlaskForm):
    """Why the school refuses the proposed change (kept with the request)."""

    reason = TextAreaField(_l("Reason for rejecting"))
