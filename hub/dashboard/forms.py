"""The dashboard's filter form: sent with GET (bookmarkable, works without JavaScript), so it has
no CSRF token and changes nothing. Values are checked by :func:`hub.dashboard.views.filters`."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField, StringField

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")  # what <input type="date"> sends, and how people write dates


class FilterForm(Form):
    """Day, and for the pupils table the kind of school and the district."""

    day = StringField(_l("Day"), render_kw={"type": "date"})
    kind = SelectField(_l("Kind of school"), choices=[], validate_choice=False)
    district = SelectField(_l("District"), choices=[], validate_choice=False)


def parse_day(text: str) -> dt.date | None:
    """A date typed as 2026-10-01 or 01.10.2026; None if it is neither or does not exist."""
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class YearFilterForm(Form):
    """School year, kind of school and district: the filters of the attendance and grade pages."""

    school_year = SelectField(_l("School year"), choices=[], validate_choice=False)
    kind = SelectField(_l("Kind of school"), choices=[], validate_choice=False)
    district = SelectField(_l("District"), choices=[], validate_choice=False)
