"""Timetable set-up forms; field names are the protocol's, rules live in operations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

from node_agent.attendance.labels import CODES, WEEKDAYS
from node_agent.web import labels

DATE = {"type": "date"}
TIME = {"type": "time"}


class BellTimeForm(FlaskForm):
    """Start and end of a lesson number."""

    number = StringField(_l("Lesson number"), render_kw={"inputmode": "numeric"})
    starts_at = StringField(_l("Starts at"), render_kw=TIME)
    ends_at = StringField(_l("Ends at"), render_kw=TIME)

    FIELDS = ("number", "starts_at", "ends_at")


class EntryForm(FlaskForm):
    """A lesson in a class's timetable from a date."""

    weekday = SelectField(_l("Day of the week"), validate_choice=False,
                          choices=labels.choices({str(k): v for k, v in WEEKDAYS.items() if k <= 5},
                                                 blank=_l("– choose –")))
    lesson_number = StringField(_l("Lesson number"), render_kw={"inputmode": "numeric"})
    subject_id = SelectField(_l("Subject"), validate_choice=False)
    staff_member_id = SelectField(_l("Teacher"), validate_choice=False)
    group_name = StringField(_l("Group (optional)"))
    room = StringField(_l("Room (optional)"))
    valid_from = StringField(_l("Valid from"), render_kw=DATE)

    FIELDS = ("weekday", "lesson_number", "subject_id", "staff_member_id", "group_name", "room", "valid_from")


class EndEntryForm(FlaskForm):
    """Take a lesson out of the timetable from a date."""

    from_day = StringField(_l("No longer held from"), render_kw=DATE)


class DayOffForm(FlaskForm):
    """A day the school declares free of lessons."""

    day = StringField(_l("Date"), render_kw=DATE)
    reason = StringField(_l("Reason"))

    FIELDS = ("day", "reason")


class SubstitutionForm(FlaskForm):
    """Another teacher for one lesson."""

    timetable_entry_id = SelectField(_l("Lesson"), validate_choice=False)
    staff_member_id = SelectField(_l("Substitute teacher"), validate_choice=False)

    FIELDS = ("timetable_entry_id", "staff_member_id")


class AttendanceCodeForm(FlaskForm):
    """One of the school's own attendance codes and the standard kind it counts as."""

    mark = StringField(_l("Mark"), render_kw={"maxlength": 5, "autocomplete": "off"})
    name = StringField(_l("Name of the code"), render_kw={"maxlength": 100})
    kind = SelectField(_l("Counts as"), validate_choice=False, choices=labels.choices(CODES, blank=_l("– choose –")))
    active = BooleanField(_l("In use (teachers can choose it)"), default=True)

    FIELDS = ("mark", "name", "kind", "active")
