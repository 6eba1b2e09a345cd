"""Dashboard pages over the analytical layer: attendance, grade averages, staff FTE, data freshness.

Same conventions as :mod:`hub.dashboard.views`: GET filters (school year, kind of school, district),
a server-drawn SVG chart next to the table with the same figures, every table as CSV and XLSX built
from the same rows as the page. Thin: figures come from :mod:`hub.dashboard.analytics`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _

from hub.dashboard import analytics, queries
from hub.dashboard.forms import YearFilterForm
from hub.dashboard.tables import STALE_AFTER
from hub.dashboard.views import _rspo_arg, bp, filters
from hub.fleet.models import INSTITUTION_KINDS
from hub.warehouse.model import school_year_of
from hub.web import charts, format_one_decimal, format_two_decimals, labels
from hub.web.context import ALL_ROLES, db, roles_required, runtime, today, utcnow, warehouse_cursor
from protocol.grading import rounded
from zszo.web.forms import add_error
from zszo.web.tables import csv_response

ATTENDANCE_BY = ("school", "level", "class")
GRADES_BY = ("subject", "school")


def year_filters() -> tuple[YearFilterForm, analytics.Filters | None]:
    """The GET form of the year pages and the checked filters (None: no layer yet or a bad value)."""
    form = YearFilterForm(request.args)
    cursor = warehouse_cursor()
    years = analytics.school_years(cursor) if analytics.ready(cursor) else []
    districts = analytics.districts(cursor) if analytics.ready(cursor) else []
    form.school_year.choices = [(y, y) for y in years]
    form.kind.choices = labels.choices({k: labels.INSTITUTION_KINDS[k] for k in INSTITUTION_KINDS},
                                       blank=_("all kinds"))
    form.district.choices = labels.choices({d: d for d in districts}, blank=_("all districts"))
    if not form.school_year.data:
        current = school_year_of(today())
        form.school_year.data = current if current in years or not years else years[0]
    elif form.school_year.data not in years:
        add_error(form, "school_year", _("Choose one of the listed school years"))
    if form.kind.data and form.kind.data not in INSTITUTION_KINDS:
        add_error(form, "kind", _("Choose one of the listed kinds of school"))
    if form.district.data and form.district.data not in districts:
        add_error(form, "district", _("Choose one of the listed districts"))
    if form.errors or not years:
        return form, None
    return form, analytics.Filters(form.school_year.data, form.kind.data or None, form.district.data or None,
                                   _rspo_arg())


def _args(form: YearFilterForm) -> dict[str, str]:
    return {k: v for k, v in (("school_year", form.school_year.data), ("kind", form.kind.data),
                              ("district", form.district.data)) if v}


def _render(template: str, form: YearFilterForm, chosen: analytics.Filters | None, **context: Any):  # type: ignore[no-untyped-def]
    cursor = warehouse_cursor()
    status = 400 if form.errors else 200
    return render_template(template, form=form, chosen=chosen, warehouse=cursor is not None,
                           built=analytics.ready(cursor), args=_args(form), rspo=_rspo_arg(), **context), status


def _school_name(rspo: str | None) -> str | None:
    if not rspo or not analytics.ready(warehouse_cursor()):
        return None
    row = warehouse_cursor().execute("SELECT name FROM dim_school WHERE rspo = ?", [rspo]).fetchone()
    return row[0] if row else None


def month_label(month: dt.date) -> str:
    """"wrzesień 2026" (the month's name in the interface language)."""
    return format_date(month, "LLLL yyyy")


# -- attendance -----------------------------------------------------------------------------------


def _attendance_tables(chosen: analytics.Filters) -> dict[str, analytics.AttendanceTable]:
    cursor = warehouse_cursor()
    first = "class" if chosen.rspo else "school"
    return {first: analytics.attendance(cursor, chosen, first), "level": analytics.attendance(cursor, chosen, "level")}


def _line_label(by: str, line: analytics.AttendanceLine) -> str:
    return labels.levels([int(line.key)])[0][1] if by == "level" else line.label


@bp.get("/attendance")
@roles_required(*ALL_ROLES)
def attendance():  # type: ignore[no-untyped-def]
    """Attendance % per school (or a school's classes), level and month of the school year."""
    form, chosen = year_filters()
    data = _attendance_tables(chosen) if chosen else {}
    chart = None
    first = "class" if chosen and chosen.rspo else "school"
    if data.get(first) and data[first].lines:
        chart = charts.bar_chart("chart-attendance", _("Attendance in the school year, in per cent"), [
            (_line_label(first, line), float(line.total.percent or 0), format_one_decimal(line.total.shown))
            for line in data[first].lines])
    return _render("dashboard/attendance.html", form, chosen, data=data, first=first, chart=chart,
                   month_label=month_label, line_label=_line_label, school_name=_school_name(_rspo_arg()))


@bp.get("/attendance-<by>.csv")
@roles_required(*ALL_ROLES)
def attendance_csv(by: str):  # type: ignore[no-untyped-def]
    """One attendance table as CSV or XLSX: % per month, the year's %, lessons counted and attended."""
    if by not in ATTENDANCE_BY:
        abort(404)
    form, chosen = year_filters()
    if chosen is None:
        abort(400)
    table = analytics.attendance(warehouse_cursor(), chosen, by)
    first = {"school": _("School"), "level": _("Level"), "class": _("Class")}[by]
    header = [first, *(month_label(m) for m in table.months), _("School year"), _("Lessons counted"),
              _("Lessons attended")]
    rows = [[_line_label(by, line), *(line.months.get(m, analytics.Rate()).shown for m in table.months),
             line.total.shown, line.total.counted, line.total.present] for line in table.lines]
    total = table.total
    rows.append([_("Total"), *(total.months[m].shown for m in table.months), total.total.shown, total.total.counted,
                 total.total.present])
    suffix = f"-{chosen.rspo}" if chosen.rspo else ""
    return csv_response(f"frekwencja-{by}{suffix}-{chosen.school_year.replace('/', '-')}.csv", header, rows)


# -- grades ---------------------------------------------------------------------------------------


@bp.get("/grades")
@roles_required(*ALL_ROLES)
def grades():  # type: ignore[no-untyped-def]
    """Weighted averages of current grades per subject and per school (or one school's subjects)."""
    form, chosen = year_filters()
    cursor = warehouse_cursor()
    subjects = analytics.grade_averages(cursor, chosen, "subject") if chosen else []
    schools = analytics.grade_averages(cursor, chosen, "school") if chosen and not chosen.rspo else []
    chart = charts.bar_chart("chart-grades", _("Average grade per subject"), [
        (g.label, float(g.average or 0), format_two_decimals(g.average)) for g in subjects]) if subjects else None
    return _render("dashboard/grades.html", form, chosen, subjects=subjects, schools=schools, chart=chart,
                   school_name=_school_name(_rspo_arg()))


@bp.get("/grades-<by>.csv")
@roles_required(*ALL_ROLES)
def grades_csv(by: str):  # type: ignore[no-untyped-def]
    """Grade averages per subject or per school as CSV or XLSX."""
    if by not in GRADES_BY:
        abort(404)
    form, chosen = year_filters()
    if chosen is None:
        abort(400)
    rows = [[g.label, g.average, g.grades]
            for g in analytics.grade_averages(warehouse_cursor(), chosen, by)]
    header = [_("Subject") if by == "subject" else _("School"), _("Weighted average"), _("Grades")]
    suffix = f"-{chosen.rspo}" if chosen.rspo else ""
    return csv_response(f"oceny-{by}{suffix}-{chosen.school_year.replace('/', '-')}.csv", header, rows)


# -- staff ----------------------------------------------------------------------------------------


def _staff(form: Any, day: dt.date | None) -> list[analytics.SchoolStaff] | None:
    cursor = warehouse_cursor()
    if not analytics.ready(cursor) or day is None:
        return None
    districts = analytics.districts(cursor)
    form.district.choices = labels.choices({d: d for d in districts}, blank=_("all districts"))
    if form.district.data and form.district.data not in districts:
        add_error(form, "district", _("Choose one of the listed districts"))
        return None
    return analytics.staff_fte(cursor, day, form.kind.data or None, form.district.data or None)


def _day_args(form: Any) -> dict[str, str]:
    return {k: v for k, v in (("day", form.day.data), ("kind", form.kind.data), ("district", form.district.data))
            if v}


@bp.get("/staff")
@roles_required(*ALL_ROLES)
def staff():  # type: ignore[no-untyped-def]
    """Teachers and FTE per school on the chosen day."""
    form, day = filters()
    schools = _staff(form, day)
    chart = charts.bar_chart("chart-staff", _("Teachers' FTE per school"), [
        (s.name, float(s.teacher_fte), format_two_decimals(float(s.teacher_fte))) for s in schools
    ]) if schools else None
    cursor = warehouse_cursor()
    return render_template("dashboard/staff.html", form=form, day=day if not form.errors else None, schools=schools,
                           chart=chart, warehouse=cursor is not None, built=analytics.ready(cursor),
                           args=_day_args(form)), 400 if form.errors else 200


@bp.get("/staff.csv")
@roles_required(*ALL_ROLES)
def staff_csv():  # type: ignore[no-untyped-def]
    """The staff table as CSV or XLSX (FTE with two decimals; the page's exact sums rounded)."""
    form, day = filters()
    schools = _staff(form, day)
    if schools is None or form.errors:
        abort(400)
    header = [_("Number in the RSPO register"), _("School"), _("Teachers"), _("Teachers' FTE"),
              _("Other staff FTE")]
    rows = [[s.rspo, s.name, s.teachers, rounded(s.teacher_fte, 2), rounded(s.other_fte, 2)] for s in schools]
    return csv_response(f"etaty-{day.isoformat()}.csv", header, rows)


# -- classes above their limit --------------------------------------------------------------------


def over_limit(day: dt.date) -> list[analytics.ClassOverLimit] | None:
    """Classes above their statutory or municipal size limit on ``day`` (None without the layer)."""
    cursor = warehouse_cursor()
    if not analytics.ready(cursor):
        return None
    return analytics.classes_over_limit(queries.class_sizes(cursor, day), analytics.school_kinds(cursor),
                                        runtime().settings["dashboard.municipal_class_limit"])


@bp.get("/classes-over-limit.csv")
@roles_required(*ALL_ROLES)
def classes_over_limit_csv():  # type: ignore[no-untyped-def]
    """Classes above their size limit as CSV or XLSX."""
    _form, day = filters()
    rows = over_limit(day) if day else None
    if rows is None:
        abort(400 if day is None else 503)
    header = [_("Number in the RSPO register"), _("School"), _("Class"), _("Pupils"), _("Limit"), _("Limit set by")]
    return csv_response(f"oddzialy-ponad-limit-{day.isoformat()}.csv", header, [
        [c.rspo, c.school, f"{c.level}{c.letter}", c.pupils, c.limit, _("statute") if c.statutory else _("the city")]
        for c in rows])


# -- freshness ------------------------------------------------------------------------------------


def _freshness(form: Any) -> list[dict[str, Any]] | None:
    cursor = warehouse_cursor()
    if not analytics.ready(cursor):
        return None
    if form.kind.data and form.kind.data not in INSTITUTION_KINDS:
        return None
    success: dict[str, dt.datetime] = {}
    for status in queries.node_statuses(db(), None):
        if status.status == "active" and status.last_success_at is not None:
            success[status.rspo] = max(status.last_success_at, success.get(status.rspo, status.last_success_at))
    now = utcnow()
    return [{"row": f, "last_success_at": success.get(f.rspo),
             "hours": None if f.rspo not in success else int((now - success[f.rspo]).total_seconds() // 3600),
             "stale": f.rspo not in success or now - success[f.rspo] > STALE_AFTER}
            for f in analytics.freshness(cursor, form.kind.data or None, form.district.data or None)]


@bp.get("/freshness")
@roles_required(*ALL_ROLES)
def freshness():  # type: ignore[no-untyped-def]
    """How current each school's data is: last successful sync, last lesson day, last change."""
    form, _day = filters()
    lines = _freshness(form)
    cursor = warehouse_cursor()
    chart = charts.bar_chart("chart-freshness", _("Hours since the last successful sync"), [
        (line["row"].name, float(line["hours"] or 0), "–" if line["hours"] is None else str(line["hours"]))
        for line in lines]) if lines else None
    return render_template("dashboard/freshness.html", form=form, lines=lines, chart=chart,
                           warehouse=cursor is not None, built=analytics.ready(cursor), day=_day,
                           args=_day_args(form)), 400 if form.errors else 200


@bp.get("/freshness.csv")
@roles_required(*ALL_ROLES)
def freshness_csv():  # type: ignore[no-untyped-def]
    """The freshness table as CSV or XLSX."""
    form, _day = filters()
    lines = _freshness(form)
    if lines is None:
        abort(400)
    header = [_("Number in the RSPO register"), _("School"), _("Last successful sync"),
              _("Hours since the last successful sync"), _("Last day with attendance"),
              _("Last change written at the school"), _("Needs attention")]
    return csv_response(f"aktualnosc-danych-{today().isoformat()}.csv", header, [
        [line["row"].rspo, line["row"].name, line["last_success_at"], line["hours"], line["row"].last_lesson_day,
         line["row"].last_change_at, line["stale"]] for line in lines])
