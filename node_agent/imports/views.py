"""The office's import pages: upload a CSV/XLSX file → preview (a dry run) → confirm → result.

The preview runs the real import inside a savepoint that is rolled back
(:func:`~node_agent.imports.runner.run_import` with ``dry_run``), so it shows exactly the rows a
confirmation will create and update and every row error with its row, column and Polish reason.
The file waits on the server (:mod:`node_agent.imports.uploads`) and is removed on confirmation or
cancellation. Office roles only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy.orm import Session
from wtforms import HiddenField

from node_agent.imports import uploads
from node_agent.imports.catchment_streets import import_catchment_streets
from node_agent.imports.guardians import import_guardians
from node_agent.imports.pupils import import_pupils
from node_agent.imports.qualifications import import_qualifications
from node_agent.imports.reader import MAX_BYTES
from node_agent.imports.report import ImportReport
from node_agent.imports.staff import import_staff
from node_agent.web.context import OFFICE_ROLES, audit, current_user, db, roles_required

bp = Blueprint("imports", __name__, url_prefix="/import", template_folder="templates")

Importer = Callable[..., ImportReport]
# kind → (importer, page title, where to go afterwards)
KINDS: dict[str, tuple[Importer, object, str]] = {
    "staff": (import_staff, _l("Import staff"), "staff.staff_list"),
    "qualifications": (import_qualifications, _l("Import staff qualifications"), "staff.staff_list"),
    "pupils": (import_pupils, _l("Import pupils"), "register.pupil_list"),
    "guardians": (import_guardians, _l("Import guardians"), "register.pupil_list"),
    "catchment_streets": (import_catchment_streets, _l("Import catchment streets"), "catchment.streets"),
}


UPLOAD_LIMIT = MAX_BYTES + 256 * 1024  # the file plus the form around it


@bp.url_value_preprocessor
def _allow_file_uploads(_endpoint: str | None, _values: dict | None) -> None:
    """These pages take files up to the reader's limit; every other form keeps zszo.web's 2 MiB.

    A URL value preprocessor because it runs before every ``before_request`` function, and the CSRF
    check (one of those) reads the form, which is when the body's size is enforced.
    """
    request.max_content_length = UPLOAD_LIMIT


@bp.context_processor
def _helpers() -> dict[str, object]:
    # The report renders its own messages: it needs a plain gettext, not Jinja's context-bound ``_``.
    return {"gt": _}


class UploadForm(FlaskForm):
    """The file to import."""

    file = FileField(_l("CSV or XLSX file"))


class ConfirmForm(FlaskForm):
    """Confirm or cancel a previewed import."""

    token = HiddenField()


def _directory() -> Path:
    return Path(current_app.config["ZSZO_SETTINGS"]["paths.data_dir"]) / "uploads"


def _kind(kind: str) -> tuple[Importer, object, str]:
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _run(session: Session, kind: str, path: Path, *, dry_run: bool) -> ImportReport:
    return _kind(kind)[0](session, path, dry_run=dry_run)


@bp.route("/<kind>", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def upload(kind: str):  # type: ignore[no-untyped-def]
    """Choose a file; POST stores it and shows the preview."""
    _importer, title, _done = _kind(kind)
    form = UploadForm()
    if request.method != "POST":
        return render_template("imports/upload.html", form=form, kind=kind, title=title)
    if not form.validate():
        return render_template("imports/upload.html", form=form, kind=kind, title=title), 400
    file = request.files.get("file")
    data = file.stream.read(MAX_BYTES + 1) if file else b""
    problem = None
    if not file or not file.filename or not data:
        problem = _("CSV or XLSX file: choose a file to import")
    elif len(data) > MAX_BYTES:
        problem = _("CSV or XLSX file: the file is larger than %(max)s MB", max=MAX_BYTES // 2**20)
    elif Path(file.filename).suffix.lower() not in uploads.SUFFIXES:
        problem = _("CSV or XLSX file: only .csv and .xlsx files can be imported")
    if problem:
        form.file.errors = [problem]
        return render_template("imports/upload.html", form=form, kind=kind, title=title), 422
    user = current_user()
    assert user is not None
    stored = uploads.store(_directory(), data, filename=file.filename, kind=kind, user_id=user.id)
    report = _run(db(), kind, stored.path, dry_run=True)
    if report.file_errors:
        uploads.discard(_directory(), stored.token)
        return render_template("imports/preview.html", report=report, kind=kind, title=title, form=None,
                               filename=stored.filename), 422
    return render_template("imports/preview.html", report=report, kind=kind, title=title,
                           form=ConfirmForm(token=stored.token), filename=stored.filename)


@bp.post("/<kind>/confirm")
@roles_required(*OFFICE_ROLES)
def confirm(kind: str):  # type: ignore[no-untyped-def]
    """Import the previewed file for real and show the result; the stored file is removed."""
    _importer, title, done = _kind(kind)
    form = ConfirmForm()
    user = current_user()
    assert user is not None
    stored = uploads.load(_directory(), form.token.data or "", kind=kind, user_id=user.id) \
        if form.validate() else None
    if stored is None:
        flash(_("The previewed file is no longer available (it is kept for an hour). Upload it again."), "error")
        return redirect(url_for("imports.upload", kind=kind))
    try:
        report = _run(db(), kind, stored.path, dry_run=False)
    finally:
        uploads.discard(_directory(), stored.token)
    audit("import", kind, None, "import")
    return render_template("imports/result.html", report=report, kind=kind, title=title, done=done,
                           filename=stored.filename)


@bp.post("/<kind>/cancel")
@roles_required(*OFFICE_ROLES)
def cancel(kind: str):  # type: ignore[no-untyped-def]
    """Drop the previewed file without importing anything."""
    _kind(kind)
    form = ConfirmForm()
    if form.validate():
        user = current_user()
        assert user is not None
        if uploads.load(_directory(), form.token.data or "", kind=kind, user_id=user.id) is not None:
            uploads.discard(_directory(), form.token.data or "")
    flash(_("The import was cancelled; nothing was saved."), "success")
    return redirect(url_for("imports.upload", kind=kind))
