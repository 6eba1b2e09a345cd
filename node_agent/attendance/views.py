"""The teacher's pages: my lessons of a day, one lesson (topic, realised, attendance), past topics.

Thin: reading goes through queries, every write through :mod:`node_agent.attendance.operations`.
A teacher opens only the lessons they teach that day (as the timetable's teacher or the
substitute); the server checks it on every request, whatever links a page shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import exists, select

from node_agent.attendance import labels as att_labels
from node_agent.attendance import operations as ops
from node_agent.attendance import queries
from node_agent.attendance.forms import LessonForm
from node_agent.records import ValidationFailed
from node_agent.register.models import ClassUnit
from node_agent.school.models import Subject
from node_agent.timetable.models import TimetableEntry
from node_agent.timetable.queries import bell_times, no_lessons_reason, planned_lesson
from node_agent.web.context import (
    ALL_ROLES,
    OFFICE_ROLES,
    audit,
    current_user,
    db,
    deny,
    roles_required,
    short_writes,
    today,
    writing,
)
from protocol.attendance import CODES, MARKS
from zszo.web.forms import attach_errors

bp = Blueprint("lessons", __name__, url_prefix="/lessons", template_folder="templates")


def parse_day(text: str | None) -> dt.date:
    """A date from the URL (today when missing); 404 for one that is not a date."""
    if not text:
        return today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        abort(404)


def parse_month(text: str | None) -> dt.date:
    """The first day of a ``YYYY-MM`` month from the URL (this month when missing); 404 for a bad one."""
    if not text:
        return today().replace(day=1)
    try:
        return dt.date.fromisoformat(text + "-01")
    except ValueError:
        abort(404)


def staff_id() -> str:
    """The logged-in user's staff member id; 403 for an account not linked to a staff member."""
    user = current_user()
    if user is None or not user.staff_member_id:
        deny("account not linked to a staff member")
    return user.staff_member_id  # type: ignore[union-attr,return-value]


@bp.get("")
@roles_required(*ALL_ROLES)
def today_lessons():  # type: ignore[no-untyped-def]
    """My lessons of a day (today by default), substitutions included."""
    day = parse_day(request.args.get("day"))
    me = staff_id()
    tutor_of = db().scalars(select(ClassUnit).where(ClassUnit.tutor_id == me)).all()
    return render_template(
        "attendance/today.html", day=day, lessons=queries.day_lessons(db(), me, day), bells=bell_times(db()),
        off=no_lessons_reason(db(), day), tutor_of=tutor_of, weekdays=att_labels.WEEKDAYS,
        day_off_kinds=att_labels.DAY_OFF_KINDS, previous=day - dt.timedelta(days=1), next=day + dt.timedelta(days=1))


def code_options(in_use: Iterable[str] = ()) -> list[tuple[str, str, str]]:
    """(form value, mark, label) of every code a teacher may choose: the standard ones, then the school's own
    codes in use (and any out of use that ``in_use`` still holds), labelled with their standard kind."""
    used = set(in_use)
    own = [(c.id, c.mark, f"{c.name} ({att_labels.CODES[c.kind]})")
           for c in queries.school_codes(db()) if c.active or c.id in used]
    return [(code, MARKS[code], str(att_labels.CODES[code])) for code in CODES] + own


def _lesson_page(planned, form: LessonForm, codes: dict[str, str], status: int = 200, copied=None):  # type: ignore[no-untyped-def]
    pupils = queries.class_pupils(db(), planned.entry.class_id, planned.day)
    page = render_template(
        "attendance/lesson.html", planned=planned, form=form, pupils=pupils, codes=codes,
        options=code_options(codes.values()), bell=bell_times(db()).get(planned.entry.lesson_number),
        weekdays=att_labels.WEEKDAYS, copied=copied, code_field=ops.code_field)
    return page, status


def _own_lesson(entry_id: str, day_text: str):  # type: ignore[no-untyped-def]
    day = parse_day(day_text)
    planned = planned_lesson(db(), entry_id, day)
    if planned is None:
        abort(404)
    if planned.teacher_id != staff_id():
        deny("lesson of another teacher")
    return planned


@bp.route("/<entry_id>/<day>", methods=["GET", "POST"])
@roles_required(*ALL_ROLES)
@short_writes
def lesson(entry_id: str, day: str):  # type: ignore[no-untyped-def]
    """One lesson: topic, realised and every pupil's attendance (all present until changed).

    Read and checked without the write lock; the save takes it only for its own statements.
    """
    planned = _own_lesson(entry_id, day)
    if request.method != "POST":
        logged = queries.logged_lesson(db(), planned.entry.id, planned.day)
        audit("read", "lesson", logged.id if logged else planned.entry.id, "lesson_log")
        return _lesson_page(planned, LessonForm(obj=logged), queries.codes(db(), logged.id) if logged else {})
    form = LessonForm()
    submitted = {key.removeprefix("code-"): value for key, value in request.form.items() if key.startswith("code-")}
    try:
        checked = ops.check_lesson(db(), planned, staff_id(), topic=form.topic.data, realised=form.realised.data,
                                   codes=submitted)
    except ValidationFailed as exc:
        attach_errors(form, exc.errors, _)
        return _lesson_page(planned, form, submitted, 422)
    with writing() as session:
        lesson_id = ops.write_lesson(session, checked)
        audit("update", "lesson", lesson_id, "lesson_log")
    flash(_("The lesson has been saved."), "success")
    return redirect(url_for("lessons.today_lessons", day=planned.day.isoformat()))


@bp.post("/<entry_id>/<day>/copy")
@roles_required(*ALL_ROLES)
def copy_previous(entry_id: str, day: str):  # type: ignore[no-untyped-def]
    """Fill the attendance from the class's previous lesson that day (shown for checking, not saved)."""
    planned = _own_lesson(entry_id, day)
    form = LessonForm()
    previous = queries.previous_lesson(db(), planned.entry, planned.day)
    if previous is None:
        form.form_errors.append(_("The class has no earlier lesson with attendance today."))
        submitted = {k.removeprefix("code-"): v for k, v in request.form.items() if k.startswith("code-")}
        return _lesson_page(planned, form, submitted, 422)
    audit("read", "lesson", previous.id, "lesson_log")
    return _lesson_page(planned, form, queries.codes(db(), previous.id), copied=previous.entry)


@bp.get("/topics/<class_id>/<subject_id>")
@roles_required(*ALL_ROLES)
def topics(class_id: str, subject_id: str):  # type: ignore[no-untyped-def]
    """Past topics of a class in a subject: for its teachers, the class tutor and the school office."""
    unit, subject = db().get(ClassUnit, class_id), db().get(Subject, subject_id)
    if unit is None or subject is None:
        abort(404)
    user = current_user()
    if user is None or user.role not in OFFICE_ROLES:
        me = staff_id()
        teaches = db().scalar(select(exists().where(
            TimetableEntry.class_id == class_id, TimetableEntry.subject_id == subject_id,
            TimetableEntry.staff_member_id == me)))
        if not teaches and unit.tutor_id != me:
            deny("topics of a class the teacher does not teach")
    return render_template("attendance/topics.html", unit=unit, subject=subject,
                           rows=queries.topics(db(), class_id, subject_id))
