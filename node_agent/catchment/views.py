"""Catchment pages (primary schools): the obwód's streets, the children due to start from the register
extract, each child's status and the summary for the city. Office roles only (the lists hold children's
PESEL and addresses): teachers are refused on the server.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from node_agent.catchment import labels, operations, queries
from node_agent.catchment.forms import ExtractForm, StatusForm, StreetForm, YearForm
from node_agent.catchment.models import CatchmentChild, CatchmentStreet
from node_agent.db import utcnow
from node_agent.imports.reader import MAX_BYTES
from node_agent.records import ValidationFailed
from node_agent.web.context import OFFICE_ROLES, audit, db, roles_required, today, writes_on_get
from protocol.resident_register import parse_resident_register
from zszo.web.forms import attach_errors

bp = Blueprint("catchment", __name__, url_prefix="/catchment", template_folder="templates")
_YEAR = re.compile(r"(20[0-9]{2})/(20[0-9]{2})")


@bp.url_value_preprocessor
def _allow_file_uploads(endpoint: str | None, _values: dict | None) -> None:
    """The register extract may be as large as the reader's limit; other forms keep zszo.web's 2 MiB
    (set before the CSRF check reads the form: see node_agent.imports.views)."""
    if endpoint == "catchment.children_import":
        request.max_content_length = MAX_BYTES + 256 * 1024


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {"catchment_labels": labels, "gt": _}


def _valid_year(text: str) -> bool:
    match = _YEAR.fullmatch(text or "")
    return bool(match) and int(match.group(2)) == int(match.group(1)) + 1  # type: ignore[union-attr]


@bp.get("")
@roles_required(*OFFICE_ROLES)
@writes_on_get
def overview():  # type: ignore[no-untyped-def]
    """The intake of one school year: the summary for the city and the list of children."""
    form = YearForm(request.args)
    year = form.school_year.data if _valid_year(form.school_year.data or "") else queries.default_school_year(today())
    form.school_year.data = year
    rows = queries.children(db(), year, form.status.data or "")
    audit("read", "catchment_child", None, "compulsory_schooling")
    return render_template("catchment/overview.html", form=form, year=year, rows=rows,
                           summary=queries.summary(db(), year), years=queries.school_years(db()),
                           streets=len(queries.streets(db())))


@bp.route("/streets", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def streets():  # type: ignore[no-untyped-def]
    """The obwód's streets; POST adds one."""
    form = StreetForm()
    if request.method == "POST":
        try:
            _rule, created = operations.add_street(db(), {k: form[k].data for k in ("street", "number_from",
                                                                                   "number_to", "parity")})
        except ValidationFailed as exc:
            attach_errors(form, exc.errors, _)
            return render_template("catchment/streets.html", form=form, streets=queries.streets(db())), 422
        flash(_("The street has been added to the catchment area.") if created
              else _("The catchment area already has this street."), "success")
        return redirect(url_for("catchment.streets"))
    return render_template("catchment/streets.html", form=form, streets=queries.streets(db()))


@bp.post("/streets/<int:street_id>/delete")
@roles_required(*OFFICE_ROLES)
def street_delete(street_id: int):  # type: ignore[no-untyped-def]
    """Remove a street rule."""
    rule = db().get(CatchmentStreet, street_id)
    if rule is None:
        abort(404)
    operations.delete_street(db(), rule)
    flash(_("Removed."), "success")
    return redirect(url_for("catchment.streets"))


@bp.route("/children/import", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def children_import():  # type: ignore[no-untyped-def]
    """Load the municipality's register extract: valid rows are saved, bad rows listed with the reason."""
    form = ExtractForm()
    if request.method != "POST":
        form.school_year.data = queries.default_school_year(today())
        return render_template("catchment/import.html", form=form, parsed=None)
    if not form.validate():
        return render_template("catchment/import.html", form=form, parsed=None), 400
    file = request.files.get("file")
    data = file.stream.read(MAX_BYTES + 1) if file else b""
    year = (form.school_year.data or "").strip()
    if not _valid_year(year):
        form.school_year.errors = [_("School year: use the format 2027/2028")]
    if not data:
        form.file.errors = [_("CSV file from the population register: choose a file to import")]
    elif len(data) > MAX_BYTES:
        form.file.errors = [_("CSV file from the population register: the file is larger than %(max)s MB",
                              max=MAX_BYTES // 2**20)]
    if form.school_year.errors or form.file.errors:
        return render_template("catchment/import.html", form=form, parsed=None), 422
    parsed = parse_resident_register(data)
    if parsed.file_error is not None:
        form.file.errors = [parsed.file_error.render(_)]
        return render_template("catchment/import.html", form=form, parsed=None), 422
    result = operations.load_children(db(), parsed, year, utcnow())
    audit("import", "catchment_child", None, "compulsory_schooling")
    return render_template("catchment/import.html", form=form, parsed=parsed, result=result, year=year)


@bp.route("/children/<child_id>", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get
def child(child_id: str):  # type: ignore[no-untyped-def]
    """One child: the data from the extract and what is known about their schooling."""
    record = db().get(CatchmentChild, child_id)
    if record is None:
        abort(404)
    audit("read" if request.method != "POST" else "update", "catchment_child", record.id, "compulsory_schooling")
    form = StatusForm(obj=record)
    if request.method == "POST":
        try:
            operations.set_status(db(), record, {k: form[k].data for k in (
                "status", "decision_number", "other_school", "other_school_address")})
        except ValidationFailed as exc:
            attach_errors(form, exc.errors, _)
            return render_template("catchment/child.html", form=form, child=record), 422
        flash(_("The changes have been saved."), "success")
        return redirect(url_for("catchment.overview", school_year=record.school_year))
    return render_template("catchment/child.html", form=form, child=record)
