"""Compulsory-schooling control pages: the lists, their exports, and the register import.

Only the ``officer`` role opens them: they show children's names, birth dates and addresses.
Every list view and export is written to the access log (who, when, which list), every child
page under child_views.py with the child's key. Nothing is cached (the hub sends no-store).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hub.compulsory import control, labels
from hub.compulsory import operations as ops
from hub.compulsory.absence import AbsenceFinding, absence_list
from hub.compulsory.forms import ControlFilter, ImportForm
from hub.compulsory.register import parse_register
from hub.dashboard.forms import parse_day
from hub.warehouse.model import is_built
from hub.warehouse.pseudonym import load_or_create_key
from hub.web.context import current_user, db, roles_required, runtime, today, warehouse_cursor
from zszo.web.forms import add_error, attach_errors
from zszo.web.tables import csv_response

bp = Blueprint("compulsory", __name__, url_prefix="/compulsory", template_folder="templates")
OFFICER = "officer"
MAX_UPLOAD = 64 * 1024 * 1024


def default_school_year(day: dt.date) -> str:
    """The school year ``day`` falls in."""
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}/{first + 1}"


def control_filter() -> tuple[ControlFilter, str | None, dt.date | None]:
    """The GET form with its checked values (None where the form has an error)."""
    form = ControlFilter(request.args)
    day = parse_day(form.day.data) if (form.day.data or "").strip() else today()
    if day is None:
        add_error(form, "day", _("Enter a real date, e.g. 01.10.2026"))
    year = (form.school_year.data or "").strip() or default_school_year(day or today())
    try:
        ops.check_school_year(year)
    except ops.ControlError as exc:
        attach_errors(form, exc.errors, _)
        year = None
    form.school_year.data, form.day.data = year or form.school_year.data, (day or today()).isoformat()
    return form, year, day


def log(action: str, purpose: str, pupil_key: str | None = None) -> None:
    """Write the access log line for the current officer."""
    user = current_user()
    ops.log_access(db(), username=user.username if user else "-", role=user.role if user else "-",
                   pupil_key=pupil_key, action=action, purpose=purpose)


def _findings(year: str | None, day: dt.date | None) -> list[control.Finding] | None:
    cursor = warehouse_cursor()
    if cursor is None or year is None or day is None:
        return None
    return control.run_control(db(), cursor, year, day)


def _absences(year: str | None) -> list[AbsenceFinding] | None:
    cursor = warehouse_cursor()
    if cursor is None or year is None or not is_built(cursor):
        return None
    return absence_list(db(), cursor, year, threshold())


def threshold() -> int:
    """The share of class days (%) that lists a child (setting ``compulsory.absence_threshold_percent``)."""
    return runtime().settings["compulsory.absence_threshold_percent"]


@bp.get("")
@roles_required(OFFICER)
def overview():  # type: ignore[no-untyped-def]
    """Counts per status and the lists of children who need the office's attention."""
    form, year, day = control_filter()
    findings = _findings(year, day)
    log("list", "compulsory_control")
    grouped: dict[str, list[control.Finding]] = {name: [] for name in control.LISTS}
    for finding in findings or []:
        if finding.status in grouped:
            grouped[finding.status].append(finding)
    return render_template(
        "compulsory/overview.html", form=form, year=year, day=day, findings=findings, grouped=grouped,
        counts=control.counts(findings or []), snapshot=control.current_import(db()),
        register_size=control.register_size(db()), labels_=labels, warehouse=warehouse_cursor() is not None,
        absences=_absences(year), threshold=threshold(),
        args={"school_year": year or "", "day": day.isoformat() if day else ""},
    )


@bp.get("/<name>.csv")
@roles_required(OFFICER)
def list_csv(name: str):  # type: ignore[no-untyped-def]
    """One list as CSV or XLSX (``?format=xlsx``); the export is logged."""
    if name not in control.LISTS:
        abort(404)
    form, year, day = control_filter()
    findings = _findings(year, day)
    if findings is None or form.errors:
        abort(400)
    log("export", f"compulsory_list:{name}")
    header = [_("Last name"), _("First name"), _("PESEL"), _("Document"), _("Date of birth"), _("Address"),
              _("Obligation"), _("Schools"), _("Reported")]
    rows = [[f.child.last_name, f.child.first_name, f.child.pesel,
             f"{f.child.document_type} {f.child.document_number}" if f.child.document_number else None,
             f.child.birth_date, address(f.child), str(labels.OBLIGATIONS[f.obligation]),
             ", ".join(s.school for s in f.schools) or None,
             reported(f)]
            for f in findings if f.status == name]
    return csv_response(f"obowiazek-{name}-{(year or '').replace('/', '-')}.csv", header, rows)


@bp.get("/absence.csv")
@roles_required(OFFICER)
def absence_csv():  # type: ignore[no-untyped-def]
    """Children with unexcused absence on at least the threshold's share of class days, per month; logged."""
    form, year, _day = control_filter()
    rows = _absences(year)
    if rows is None or form.errors:
        abort(400)
    log("export", "compulsory_list:absence")
    header = [_("Last name"), _("First name"), _("PESEL"), _("Document"), _("Date of birth"), _("Address"),
              _("Month"), _("School"), _("Class"), _("Class days"), _("Days of unexcused absence"),
              _("Per cent of class days"), _("Per cent of lessons")]
    return csv_response(f"obowiazek-nieobecnosci-{(year or '').replace('/', '-')}.csv", header, [
        [f.child.last_name, f.child.first_name, f.child.pesel,
         f"{f.child.document_type} {f.child.document_number}" if f.child.document_number else None,
         f.child.birth_date, address(f.child), f.month.strftime("%Y-%m"), f.school, f.class_label, f.class_days,
         f.unexcused_days, round(float(f.percent), 1),
         None if f.lesson_percent is None else round(float(f.lesson_percent), 1)] for f in rows])
def reported(finding: Any) -> str | None:
    """What the city recorded and what schools reported about the child's schooling, as one cell."""
    parts = [f"{labels.EXEMPTIONS[finding.exemption.kind]}: {finding.exemption.details}"] if finding.exemption else []
    for r in finding.reports:
        what = r.decision_number if r.status == "deferred" else ", ".join(
            x for x in (r.other_school, r.other_school_address) if x)
        parts.append(f"{r.school}: {labels.REPORTS[r.status]} {what}")
    return "; ".join(parts) or None


def address(child: Any) -> str:
    """Street, postal code and town on one line."""
    return ", ".join(p for p in (child.street, " ".join(x for x in (child.postal_code, child.city) if x)) if p)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(OFFICER)
def register_import():  # type: ignore[no-untyped-def]
    """Upload the population register's CSV; good rows in, bad rows listed with line, field and reason."""
    form = ImportForm()
    if request.method == "GET":
        form.as_of.data = today().isoformat()
        return render_template("compulsory/import.html", form=form, result=None)
    upload = request.files.get("file")
    as_of = parse_day(form.as_of.data or "")
    if upload is None or not upload.filename:
        add_error(form, "file", _("Choose the file to import"))
    if as_of is None:
        add_error(form, "as_of", _("Enter a real date, e.g. 01.10.2026"))
    if form.errors:
        return render_template("compulsory/import.html", form=form, result=None), 422
    key = load_or_create_key(runtime().settings["paths.pseudonym_key"])
    parsed = parse_register(upload.read(MAX_UPLOAD + 1), key)
    try:
        snapshot = ops.save_import(db(), parsed, as_of=as_of, file_name=upload.filename, by=current_user().username)
    except ops.ControlError as exc:
        attach_errors(form, exc.errors, _)
        return render_template("compulsory/import.html", form=form, result=parsed), 422
    log("import", "population_register")
    flash(_("Imported %(count)s children of %(read)s rows.", count=snapshot.rows_imported, read=parsed.rows_read),
          "success" if not parsed.errors else "info")
    if parsed.errors:
        return render_template("compulsory/import.html", form=ImportForm(), result=parsed)
    return redirect(url_for("compulsory.overview"))


from hub.compulsory import child_views  # noqa: E402,F401 - registers the child and case pages on bp
