"""The director's e-journal archive page: every school year's classes, each downloadable as the signed XML
file of :mod:`node_agent.ejournal.archive`, or all of a year's classes as one ZIP.

Thin: the files are built and signed by :mod:`node_agent.ejournal.archive` with the node's key, exactly
as ``zszo node ejournal export`` makes them. Each download writes an audit row (the file holds every
pupil's data of the class).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from flask import Blueprint, Response, abort, current_app, render_template
from sqlalchemy import select

from node_agent.ejournal import archive, build
from node_agent.register.models import ClassUnit
from node_agent.school.models import SchoolYear
from node_agent.sync import identity
from node_agent.web.context import audit, db, roles_required, writes_on_get

bp = Blueprint("ejournal", __name__, url_prefix="/ejournal", template_folder="templates")


def _keys():  # type: ignore[no-untyped-def]
    return identity.load_or_create_keys(current_app.config["ZSZO_SETTINGS"]["paths.keys"])


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("")
@roles_required("director")
def overview():  # type: ignore[no-untyped-def]
    """School years, newest first, with their classes and download links."""
    years = list(db().scalars(select(SchoolYear).order_by(SchoolYear.starts_on.desc())))
    classes: dict[str, list[ClassUnit]] = {y.id: build.classes(db(), y) for y in years}
    keys = _keys()
    return render_template("ejournal/overview.html", years=years, classes=classes, kid=keys.public.kid,
                           fingerprint=keys.public.fingerprint)


def _year(year_id: str) -> SchoolYear:
    year = db().get(SchoolYear, year_id)
    if year is None:
        abort(404)
    return year


@bp.get("/<year_id>/<class_id>.xml")
@roles_required("director")
@writes_on_get
def class_file(year_id: str, class_id: str):  # type: ignore[no-untyped-def]
    """One class's signed archive file."""
    year = _year(year_id)
    unit = db().get(ClassUnit, class_id)
    if unit is None or unit.school_year_id != year.id:
        abort(404)
    history = build.history_by_class(db(), year).get(unit.id, [])
    body = archive.signed_class(db(), _keys(), unit, history, now=dt.datetime.now(dt.UTC))
    audit("export", "class_unit", unit.id, "ejournal_archive")
    return _download(body, "application/xml", archive.file_name(year.label, unit))


@bp.get("/<year_id>.zip")
@roles_required("director")
@writes_on_get
def year_zip(year_id: str):  # type: ignore[no-untyped-def]
    """All classes of the school year, one signed file each, in a ZIP."""
    year = _year(year_id)
    keys, now = _keys(), dt.datetime.now(dt.UTC)
    history = build.history_by_class(db(), year)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for unit in build.classes(db(), year):
            zipped.writestr(archive.file_name(year.label, unit),
                            archive.signed_class(db(), keys, unit, history.get(unit.id, []), now=now))
            audit("export", "class_unit", unit.id, "ejournal_archive")
    return _download(buffer.getvalue(), "application/zip", f"dziennik-{year.label.replace('/', '-')}.zip")
