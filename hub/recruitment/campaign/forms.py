"""Forms of the campaign set-up pages (fields and labels only; the rules are in operations.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField

from hub.recruitment.models import STAGES


class CampaignForm(FlaskForm):
    """A new campaign."""

    name = StringField(_l("Campaign name"))
    level = SelectField(_l("Level"), choices=[], validate_choice=False)
    school_year = StringField(_l("School year"), render_kw={"placeholder": "2027/2028"})
    max_schools = StringField(_l("Schools a candidate may list"), render_kw={"inputmode": "numeric"})
    lottery_seed = StringField(_l("Lottery seed (only if the city has adopted a lottery for exact ties)"),
                               render_kw={"inputmode": "numeric"})


class LotteryForm(FlaskForm):
    """The city's lottery decision."""

    lottery_seed = StringField(_l("Lottery seed (empty: exact ties go to the commission)"),
                               render_kw={"inputmode": "numeric"})


class TimetableForm(FlaskForm):
    """First and last day of every stage (fields added below, two per stage)."""


for _stage in STAGES:
    setattr(TimetableForm, f"{_stage}_starts_on", StringField(_l("First day"), render_kw={"type": "date"}))
    setattr(TimetableForm, f"{_stage}_ends_on", StringField(_l("Last day"), render_kw={"type": "date"}))


class ClassForm(FlaskForm):
    """A class or group on offer."""

    rspo = SelectField(_l("School"), choices=[], validate_choice=False)
    name = StringField(_l("Class name"), render_kw={"placeholder": "1A – matematyczno-fizyczna"})
    seats = StringField(_l("Seats"), render_kw={"inputmode": "numeric"})
    subject_1 = SelectField(_l("First subject counted"), choices=[], validate_choice=False)
    subject_2 = SelectField(_l("Second subject counted"), choices=[], validate_choice=False)
    aptitude_test = BooleanField(_l("Admission needs a passed aptitude test"))


class CriterionForm(FlaskForm):
    """A dated criterion setting."""

    level = SelectField(_l("Level"), choices=[], validate_choice=False)
    kind = SelectField(_l("Kind of criterion"), choices=[], validate_choice=False)
    code = StringField(_l("Code"), render_kw={"spellcheck": "false"})
    label = StringField(_l("Criterion"))
    evidence = TextAreaField(_l("Document or statement"))
    points = StringField(_l("Points (municipal criteria)"), render_kw={"inputmode": "numeric"})
    valid_from = StringField(_l("Valid from"), render_kw={"type": "date"})
    withdrawn = BooleanField(_l("From this day the criterion no longer applies"))


class StatutoryForm(FlaskForm):
    """Add the seven statutory criteria for a level."""

    level = SelectField(_l("Level"), choices=[], validate_choice=False)
    valid_from = StringField(_l("Valid from"), render_kw={"type": "date"})


class SchoolAccountForm(FlaskForm):
    """A school recruitment account."""

    rspo = SelectField(_l("School"), choices=[], validate_choice=False)
    username = StringField(_l("User name"), render_kw={"autocapitalize": "none", "spellcheck": "false"})
    display_name = StringField(_l("Full name"))
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "new-password"})


class CatchmentForm(FlaskForm):
    """A primary school's catchment area (obwód), one street rule a line."""

    rspo = SelectField(_l("School"), choices=[], validate_choice=False)
    streets = TextAreaField(_l("Streets of the catchment area"), render_kw={"rows": 12})


class ComplaintForm(FlaskForm):
    """A complaint or court case keeps the candidate's data past the retention year."""

    complaint = BooleanField(_l("A complaint or court case about this candidate is pending"))
    complaint_note = TextAreaField(_l("Note"))
