"""The certificate form: what the parent needs it for, the office's reference number, the date."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

DATE = {"type": "date"}
PURPOSE_MAX, NUMBER_MAX = 200, 50


class CertificateForm(FlaskForm):
    """Issue a certificate of attendance (zaświadczenie o uczęszczaniu do szkoły)."""

    purpose = StringField(_l("To be presented to (optional)"),
                          description=_l("For example: Zakład Ubezpieczeń Społecznych, the employer, a sports club"))
    number = StringField(_l("Reference number (optional)"))
    issued_on = StringField(_l("Date of issue"), render_kw=DATE)
