"""The schools' upload form: a file of exam results for one recruitment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField


class ExamImportForm(FlaskForm):
    """Which recruitment, and the CSV or XLSX file of exam results."""

    campaign_id = SelectField(_l("Recruitment"), choices=[], validate_choice=False)
    file = FileField(_l("File with exam results (CSV or XLSX)"))
