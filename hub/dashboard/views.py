"""The city dashboard: headline figures, pupils per school and level, class sizes, sync status.

Server-rendered and usable without JavaScript: the filters are a GET form, every table has a
CSV download of the same rows (:mod:`hub.dashboard.tables`). Every page reads the warehouse
through the request's own DuckDB cursor (:func:`hub.web.context.warehouse_cursor`) and never
writes anywhere. Administrators and analysts see the same figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from hub.dashboard import queries, tables
from hub.dashboard.forms import FilterForm, parse_day
from hub.fleet.models import INSTITUTION_KINDS, Institution
from hub.web import charts, format_number, format_one_decimal, labels
from hub.web.context import ALL_ROLES, db, roles_required, runtime, today, utcnow, warehouse_cursor
from zszo.web.forms import add_error
from zszo.web.tables import csv_response

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")
REJECTED_SHOWN = 100


def filters() -> tuple[FilterForm, dt.date | None]:
    """The GET filter form with its choices, and the chosen day (None when the form has errors)."""
    form = FilterForm(request.args)
    form.kind.choices = labels.choices({k: labels.INSTITUTION_KINDS[k] for k in INSTITUTION_KINDS},
                                       blank=_("all kinds"))
    if form.kind.data and form.kind.data not in INSTITUTION_KINDS:
        add_error(form, "kind", _("Choose one of the listed kinds of school"))
    text = (form.day.data or "").strip()
    day = parse_day(text) if text else today()
    if day is None:
        add_error(form, "day", _("Enter a real date, e.g. 01.10.2026"))
    else:
        form.day.data = day.isoformat()
    return form, (None if form.errors else day)


def _page(template: str, form: FilterForm, day: dt.date | None, **context: Any):  # type: ignore[no-untyped-def]
    """Render a dashboard page; without the warehouse or with bad filters it shows only why."""
    cursor = warehouse_cursor()
    status = 400 if day is None else 200
    return render_template(template, form=form, day=day, warehouse=cursor is not None,
                           args=_args(form), **context), status


def _args(form: FilterForm) -> dict[str, str]:
    """The filter values to carry over into links (CSV downloads, other dashboard pages)."""
    return {k: v for k, v in (("day", form.day.data), ("kind", form.kind.data),
                              ("district", form.district.data)) if v}


YEAR_PAGES = frozenset({"dashboard.attendance", "dashboard.grades"})


@bp.app_template_global()
def nav_args(endpoint: str, args: dict[str, str]) -> dict[str, str]:
    """The filters a link to ``endpoint`` keeps: the school year or the day, the kind and the district."""
    keep = ("school_year" if endpoint in YEAR_PAGES else "day", "kind", "district")
    return {k: v for k, v in args.items() if k in keep}


def _cursor_or_abort(day: dt.date | None):  # type: ignore[no-untyped-def]
    cursor = warehouse_cursor()
    if cursor is None or day is None:
        abort(503 if cursor is None else 400)
    return cursor


def _kind_label(code: str | None) -> str:
    return labels.label(labels.INSTITUTION_KINDS, code)


# -- overview -------------------------------------------------------------------------------------

@bp.get("")
@roles_required(*ALL_ROLES)
def overview():  # type: ignore[no-untyped-def]
    """Headline figures of the city on the chosen day."""
    form, day = filters()
    cursor = warehouse_cursor()
    totals = queries.totals(cursor, day) if cursor is not None and day is not None else None
    return _page("dashboard/overview.html", form, day, totals=totals, total_labels=_total_labels())


def _total_labels() -> list[tuple[str, str]]:
    return [("pupils", _("Pupils")), ("schools", _("Schools sending data")),
            ("classes", _("Classes in the school year")), ("teachers", _("Active teachers"))]


@bp.get("/totals.csv")
@roles_required(*ALL_ROLES)
def overview_csv():  # type: ignore[no-untyped-def]
    """The headline figures as CSV."""
    _form, day = filters()
    totals = queries.totals(_cursor_or_abort(day), day)
    return csv_response(f"liczby-{day.isoformat()}.csv", [_("Figure"), _("Value")],
                        [[text, totals[key]] for key, text in _total_labels()])


# -- pupils per school and level ----------------------------------------------------------------


def _pupils(form: FilterForm, day: dt.date | None) -> tuple[tables.PupilsTable | None, list[str]]:
    cursor = warehouse_cursor()
    if cursor is None or day is None:
        return None, []
    schools = queries.pupils_by_school_and_level(cursor, day)
    districts = tables.districts(schools)
    form.district.choices = labels.choices({d: d for d in districts}, blank=_("all districts"))
    if form.district.data and form.district.data not in districts:
        add_error(form, "district", _("Choose one of the listed districts"))
        return None, districts
    return tables.pupils_table(schools, kind=form.kind.data or None, district=form.district.data or None), districts


@bp.get("/pupils")
@roles_required(*ALL_ROLES)
def pupils():  # type: ignore[no-untyped-def]
    """Pupils per school and level, filterable by kind of school and district."""
    form, day = filters()
    table, _districts = _pupils(form, day)
    if form.errors:
        day = None
    level_columns = labels.levels(table.levels) if table else []
    chart = charts.bar_chart("chart-pupils", _("Pupils per level"), [
        (text, table.level_totals[level], format_number(table.level_totals[level])) for level, text in level_columns
    ]) if table and table.schools else None
    return _page("dashboard/pupils.html", form, day, table=table, level_columns=level_columns, chart=chart)


@bp.get("/pupils.csv")
@roles_required(*ALL_ROLES)
def pupils_csv():  # type: ignore[no-untyped-def]
    """The pupils table as CSV."""
    form, day = filters()
    _cursor_or_abort(day)
    table, _districts = _pupils(form, day)
    if table is None or form.errors:
        abort(400)
    header = [_("Number in the RSPO register"), _("School"), _("Kind"), _("District"),
              *(text for _level, text in labels.levels(table.levels)), _("Total")]
    return csv_response(f"uczniowie-wg-szkol-{day.isoformat()}.csv", header,
                        tables.pupils_csv_rows(table, _kind_label, _("Total")))


# -- class sizes ----------------------------------------------------------------------------------


def _classes(day: dt.date | None, rspo: str | None):  # type: ignore[no-untyped-def]
    cursor = warehouse_cursor()
    if cursor is None or day is None:
        return None, None
    sizes = queries.class_sizes(cursor, day)
    return queries.class_size_stats(sizes), tables.classes_by_school(sizes, rspo)


def _rspo_arg() -> str | None:
    rspo = request.args.get("rspo", "").strip()
    return rspo if rspo.isascii() and rspo.isdigit() else None


@bp.get("/classes")
@roles_required(*ALL_ROLES)
def classes():  # type: ignore[no-untyped-def]
    """Class sizes: per level across the city, and each school's classes (or one school's)."""
    form, day = filters()
    rspo = _rspo_arg()
    stats, schools = _classes(day, rspo)
    school_name = db().scalar(select(Institution.name).where(Institution.rspo == rspo)) if rspo else None
    if rspo and schools:
        school_name = schools[0].school  # the name the school itself sends
    chart = charts.bar_chart("chart-class-sizes", _("Average class size per level"), [
        (labels.levels([s.level])[0][1], s.average, format_one_decimal(s.average)) for s in stats
    ]) if stats else None
    over = analytics_views.over_limit(day) if day is not None and warehouse_cursor() is not None else None
    return _page("dashboard/classes.html", form, day, stats=stats, schools=schools, rspo=rspo,
                 school_name=school_name, chart=chart, over_limit=over,
                 municipal_limit=runtime().settings["dashboard.municipal_class_limit"])


@bp.get("/classes-levels.csv")
@roles_required(*ALL_ROLES)
def class_levels_csv():  # type: ignore[no-untyped-def]
    """The per-level class size statistics as CSV."""
    _form, day = filters()
    _cursor_or_abort(day)
    stats, _schools = _classes(day, None)
    header = [_("Level"), _("Classes"), _("Pupils"), _("Average class size"), _("Smallest class"),
              _("Largest class")]
    return csv_response(f"liczebnosc-poziomy-{day.isoformat()}.csv", header,
                        tables.level_stats_rows(stats, _level_label))


@bp.get("/classes.csv")
@roles_required(*ALL_ROLES)
def classes_csv():  # type: ignore[no-untyped-def]
    """Every class with its headcount as CSV (or one school's, with ``rspo``)."""
    _form, day = filters()
    _cursor_or_abort(day)
    _stats, schools = _classes(day, _rspo_arg())
    header = [_("Number in the RSPO register"), _("School"), _("School year"), _("Level"), _("Class"), _("Pupils")]
    return csv_response(f"oddzialy-{day.isoformat()}.csv", header, tables.class_rows(schools))


def _level_label(level: int) -> str:
    return labels.levels([level])[0][1]


# -- sync status ----------------------------------------------------------------------------------


def _sync_data() -> dict[str, Any]:
    cursor = warehouse_cursor()
    merge = queries.merge_state(cursor, db()) if cursor is not None else None
    statuses = queries.node_statuses(db(), merge.merged_through if merge else None)
    if cursor is not None:
        held = queries.held_batches(cursor)
        statuses = [dataclasses.replace(s, held_batches=held.get(s.node_id, 0)) for s in statuses]
    names = dict(db().execute(select(Institution.rspo, Institution.name)).all())
    rejected = queries.rejected_changes(cursor, REJECTED_SHOWN) if cursor is not None else None
    return {"lines": tables.node_lines(statuses, utcnow()), "merge": merge, "rejected": rejected,
            "names": names, "merger": runtime().merger, "rejected_limit": REJECTED_SHOWN}


@bp.get("/sync")
@roles_required(*ALL_ROLES)
def sync_status():  # type: ignore[no-untyped-def]
    """Sync status of every school server, the merger, and the latest rejected changes."""
    return render_template("dashboard/sync.html", warehouse=warehouse_cursor() is not None, **_sync_data())


@bp.get("/sync-nodes.csv")
@roles_required(*ALL_ROLES)
def sync_nodes_csv():  # type: ignore[no-untyped-def]
    """The sync status table as CSV."""
    data = _sync_data()
    header = [_("Number in the RSPO register"), _("Institution"), _("Key status"), _("Last contact"), _("Last success"),
              _("Changes confirmed up to number"), _("Changes waiting on the school server"),
              _("Batches waiting for the merge"), _("Batches waiting for the hub's upgrade"), _("Software version"),
              _("Clock difference (seconds)"), _("Last error"), _("Error code"), _("Silent for over 48 hours"),
              _("Needs attention")]
    rows = [[s.rspo, s.institution, labels.label(labels.NODE_STATES, s.status), s.last_contact_at,
             s.last_success_at, s.acked_through, s.reported_backlog, s.unmerged_batches, s.held_batches, s.software,
             s.clock_skew_seconds, labels.sync_error(s.last_error) or None, labels.error_code(s.last_error),
             line.silent, line.attention]
            for line in data["lines"] for s in [line.status]]
    return csv_response(f"synchronizacja-{today().isoformat()}.csv", header, rows)


@bp.get("/sync-rejected.csv")
@roles_required(*ALL_ROLES)
def sync_rejected_csv():  # type: ignore[no-untyped-def]
    """The latest rejected changes as CSV."""
    data = _sync_data()
    if data["rejected"] is None:
        abort(503)
    header = [_("When"), _("Number in the RSPO register"), _("Institution"), _("Record type"),
              _("Record identifier"), _("Field"), _("Reason"), _("Code")]
    rows = [[at, rspo, data["names"].get(rspo), labels.entity_label(entity), pk, labels.field_label(entity, fld),
             labels.label(labels.REJECTION_CODES, code), code]
            for at, rspo, entity, pk, fld, code in data["rejected"]]
    return csv_response(f"odrzucone-zmiany-{today().isoformat()}.csv", header, rows)



from hub.dashboard import analytics_views  # noqa: E402 - registers the analytical layer's pages on bp
