"""Timetable pages for the school office: bell times, a class's week, days off, substitutions.

Thin: every write goes through :mod:`node_agent.timetable.operations`; errors come back as the
protocol's field errors, shown GOV.UK-style.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from node_agent.attendance import labels as att_labels
from node_agent.attendance import operations as attendance_ops
from node_agent.attendance import queries as attendance_queries
from node_agent.attendance.models import AttendanceCode
from node_agent.attendance.views import parse_day
from node_agent.records import ValidationFailed
from node_agent.register.models import ClassUnit
from node_agent.school.models import SchoolYear, Subject
from node_agent.staff.models import StaffMember
from node_agent.timetable import operations as ops
from node_agent.timetable import queries
from node_agent.timetable.forms import (
    AttendanceCodeForm,
    BellTimeForm,
    DayOffForm,
    EndEntryForm,
    EntryForm,
    SubstitutionForm,
)
from node_agent.timetable.models import DayOff, TimetableEntry
from node_agent.web import labels
from node_agent.web.context import OFFICE_ROLES, audit, db, roles_required
from node_agent.web.crud import form_data, handle_form
from protocol.attendance import MARKS
from protocol.fields import FieldError, parse_date
from protocol.i18n import N_
from zszo.web.forms import attach_errors

bp = Blueprint("timetable", __name__, url_prefix="/timetable", template_folder="templates")


def _teachers() -> list:  # type: ignore[type-arg]
    members = db().scalars(select(StaffMember).where(StaffMember.active.is_(True))
                           .order_by(StaffMember.last_name, StaffMember.first_name))
    return labels.choices([(m.id, f"{m.last_name} {m.first_name}") for m in members], blank=_("– choose –"))


@bp.get("")
@roles_required(*OFFICE_ROLES)
def overview():  # type: ignore[no-untyped-def]
    """Classes of the current school years with links to their timetables."""
    classes = db().scalars(select(ClassUnit).join(SchoolYear).where(SchoolYear.ends_on >= parse_day(None))
                           .order_by(ClassUnit.level, ClassUnit.letter)).all()
    return render_template("timetable/overview.html", classes=classes)


@bp.route("/bells", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def bells():  # type: ignore[no-untyped-def]
    """Bell times (lesson numbers with start and end), and a form to add or change one."""
    form = BellTimeForm()
    existing = queries.bell_times(db())
    number = (form.number.data or "").strip()
    current = existing.get(int(number)) if number.isdigit() else None
    return handle_form(form, fields=BellTimeForm.FIELDS, save=lambda data: ops.save_bell_time(db(), data, current),
                       template="timetable/bells.html", done=lambda b: url_for("timetable.bells"),
                       message=_("The bell times have been saved."), entity="bell_time", is_new=current is None,
                       bells=list(existing.values()))


@bp.route("/attendance-codes", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def attendance_codes():  # type: ignore[no-untyped-def]
    """The school's own attendance codes, each counted as a standard kind; add one or change it (``?code=``)."""
    current = db().get(AttendanceCode, request.args.get("code", "")) if request.args.get("code") else None
    form = AttendanceCodeForm(obj=current)
    return handle_form(form, fields=AttendanceCodeForm.FIELDS,
                       save=lambda data: attendance_ops.save_attendance_code(db(), data, current),
                       template="timetable/attendance_codes.html", done=lambda c: url_for("timetable.attendance_codes"),
                       message=_("The attendance code has been saved."), entity="attendance_code",
                       is_new=current is None, current=current, codes=attendance_queries.school_codes(db()),
                       kinds=att_labels.CODES, marks=MARKS)


def _entry_form(unit: ClassUnit) -> EntryForm:
    form = EntryForm()
    form.subject_id.choices = labels.choices(
        [(s.id, s.name) for s in db().scalars(select(Subject).order_by(Subject.name))], blank=_("– choose –"))
    form.staff_member_id.choices = _teachers()
    return form


def _week(unit: ClassUnit, day: dt.date, form: EntryForm, status: int = 200):  # type: ignore[no-untyped-def]
    entries = queries.class_entries(db(), unit.id, day)
    return render_template("timetable/class.html", unit=unit, day=day, form=form, end_form=EndEntryForm(),
                           entries=entries, bells=queries.bell_times(db()), weekdays=att_labels.WEEKDAYS), status


@bp.route("/class/<class_id>", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def class_week(class_id: str):  # type: ignore[no-untyped-def]
    """A class's timetable as in force on a date, and a form to add a lesson from a date."""
    unit = db().get(ClassUnit, class_id) or abort(404)
    day = parse_day(request.args.get("day"))
    form = _entry_form(unit)
    if request.method != "POST":
        form.valid_from.data = day.isoformat()
        return _week(unit, day, form)
    try:
        entry = ops.add_entry(db(), {**form_data(form, EntryForm.FIELDS), "class_id": unit.id})
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return _week(unit, day, form, 422)
    audit("create", "timetable_entry", entry.id, "setup")
    flash(_("The lesson has been added to the timetable."), "success")
    return redirect(url_for("timetable.class_week", class_id=unit.id, day=entry.valid_from.isoformat()))


@bp.post("/entries/<entry_id>/end")
@roles_required(*OFFICE_ROLES)
def end_entry(entry_id: str):  # type: ignore[no-untyped-def]
    """Take a lesson out of the timetable from a date (lessons already logged stay)."""
    entry = db().get(TimetableEntry, entry_id) or abort(404)
    form = EndEntryForm()
    from_day = parse_date((form.from_day.data or "").strip())
    try:
        if from_day is None:
            raise ValidationFailed([FieldError("from_day", "required", N_("enter the date the lesson ends from"),
                                               {"label": N_("date")})])
        ops.end_entry(db(), entry, from_day)
    except ValidationFailed as exc:
        unit = entry.class_unit
        form_week = _entry_form(unit)
        attach_errors(form_week, exc.errors, _)
        return _week(unit, parse_day(None), form_week, 422)
    audit("update", "timetable_entry", entry_id, "setup")
    flash(_("The lesson has been taken out of the timetable from the given date."), "success")
    return redirect(url_for("timetable.class_week", class_id=entry.class_id, day=from_day.isoformat()))


@bp.route("/days-off", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def days_off():  # type: ignore[no-untyped-def]
    """The school's own days off (public holidays and the city's breaks are known without them)."""
    rows = db().scalars(select(DayOff).order_by(DayOff.day)).all()
    return handle_form(DayOffForm(), fields=DayOffForm.FIELDS, save=lambda data: ops.save_day_off(db(), data),
                       template="timetable/days_off.html", done=lambda d: url_for("timetable.days_off"),
                       message=_("The day off has been added."), entity="day_off", is_new=True, rows=rows)


@bp.post("/days-off/<day_off_id>/remove")
@roles_required(*OFFICE_ROLES)
def remove_day_off(day_off_id: str):  # type: ignore[no-untyped-def]
    """Make a school day off a lesson day again."""
    day_off = db().get(DayOff, day_off_id) or abort(404)
    ops.remove_day_off(db(), day_off)
    audit("delete", "day_off", day_off_id, "setup")
    flash(_("The day off has been removed."), "success")
    return redirect(url_for("timetable.days_off"))


@bp.route("/substitutions", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def substitutions():  # type: ignore[no-untyped-def]
    """A day's lessons with their substitutions, and a form to give one lesson to another teacher."""
    day = parse_day(request.values.get("day"))
    planned = queries.lessons_on(db(), day)
    form = SubstitutionForm()
    form.timetable_entry_id.choices = labels.choices(
        [(p.entry.id, f"{p.entry.lesson_number}. {p.entry.class_unit.name} – {p.entry.subject.name} "
                      f"({p.entry.teacher.full_name})") for p in planned], blank=_("– choose –"))
    form.staff_member_id.choices = _teachers()
    return handle_form(form, fields=SubstitutionForm.FIELDS,
                       save=lambda data: ops.save_substitution(db(), {**data, "lesson_date": day}),
                       template="timetable/substitutions.html",
                       done=lambda s: url_for("timetable.substitutions", day=day.isoformat()),
                       message=_("The substitution has been saved."), entity="substitution", is_new=True,
                       day=day, planned=planned, off=queries.no_lessons_reason(db(), day),
                       day_off_kinds=att_labels.DAY_OFF_KINDS)
