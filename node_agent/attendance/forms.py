"""Forms of the lesson page (topic, realised) and of the tutor's excuses; attendance codes are
plain radio groups named ``code-<pupil id>`` read by the view (their number depends on the class)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField


class LessonForm(FlaskForm):
    """Topic and whether the lesson took place."""

    topic = TextAreaField(_l("Topic of the lesson"), render_kw={"rows": 2, "maxlength": 500})
    realised = BooleanField(_l("The lesson took place"), default=True)


class ExcuseForm(FlaskForm):
    """The tutor's excuse: the selected absences come as ``excuse`` checkbox values."""
