"""The schools' recruitment pages: the applications whose first choice is this school, verification
(criteria with reasons, exam results and grades, aptitude tests), an import of exam results from
a CSV/XLSX file that fills in the verification form, returning an application for corrections, a
confirmation of will brought on paper, and the school's lists.

Only accounts of role ``school`` tied to an institution reach these pages, and each application is
checked on the server to have this school as its first choice (404 otherwise: numbers reveal
nothing). Every view of an application is logged (ids only).
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hub.recruitment import activity, web
from hub.recruitment.campaign.queries import campaign_criteria, school_names
from hub.recruitment.errors import RecruitmentError
from hub.recruitment.models import Application, Campaign, OfferedClass
from hub.recruitment.portal import operations as portal_ops
from hub.recruitment.portal.forms import ActionForm
from hub.recruitment.portal.queries import status
from hub.recruitment.schools import exam_import
from hub.recruitment.schools import operations as ops
from hub.recruitment.schools.forms import ExamImportForm
from hub.web.context import current_user, db, deny, roles_required, today, writes_on_get
from zszo.web.forms import add_error

bp = Blueprint("recruitment_school", __name__, url_prefix="/recruitment/school", template_folder="templates")
web.install(bp)
SCHOOL = "school"


def _rspo() -> str:
    user = current_user()
    rspo = ops.school_of(db(), user) if user is not None else None
    if rspo is None:
        deny("school account without an institution")
    return rspo  # type: ignore[return-value]


def _application(application_id: int) -> Application:
    found = db().get(Application, application_id)
    if found is None or not ops.may_handle(found, _rspo()):
        abort(404)
    return found


def _log(application: Application, action: str) -> None:
    user = current_user()
    activity.record(db(), username=user.username if user else "-", role=SCHOOL, action=action,
                    campaign_id=application.campaign_id, application_id=application.id)


@bp.get("")
@roles_required(SCHOOL)
def applications():  # type: ignore[no-untyped-def]
    """Applications whose first choice is this school, by campaign; pending ones first."""
    rspo = _rspo()
    rows = db().scalars(select(Application).where(Application.first_choice_rspo == rspo,
                                                  Application.status != "draft")
                        .options(selectinload(Application.candidate), selectinload(Application.campaign))
                        .order_by(Application.campaign_id.desc(), Application.status != "submitted",
                                  Application.id)).all()
    qualified = db().scalars(select(Application).join(OfferedClass, OfferedClass.id == Application.qualified_class_id)
                             .where(OfferedClass.rspo == rspo)
                             .options(selectinload(Application.candidate), selectinload(Application.campaign))
                             .order_by(Application.campaign_id.desc(), Application.id)).all()
    return render_template("recruitment/schools/applications.html", applications=rows, rspo=rspo,
                           school=school_names(db()).get(rspo, rspo), qualified=qualified, form=ActionForm(),
                           campaigns=list(db().scalars(select(Campaign).order_by(Campaign.id.desc()))),
                           statuses={a.id: status(db(), a) for a in [*rows, *qualified]})


def _page(application: Application, *, exc: RecruitmentError | None = None, values: dict | None = None,
          status_code: int = 200):  # type: ignore[no-untyped-def]
    evidence = application.evidence
    if values is None:
        values = {}
        for d in application.declarations:
            if d.status != "declared":
                values[f"decision_{d.code}"], values[f"reason_{d.code}"] = d.status, d.reason or ""
        if evidence is not None:
            for part in ops.EXAM_PARTS:
                result = getattr(evidence, f"exam_{part}")
                values[f"exam_{part}"] = "" if result is None else result.replace(".", ",")
                values[f"exempt_{part}"] = result is None
            for name in ("grade_polish", "grade_maths", "grade_language"):
                value = getattr(evidence, name)
                values[name] = "" if value is None else str(value)
            values.update({f"grade_{code}": str(grade) for code, grade in json.loads(evidence.subject_grades).items()})
            for i, contest in enumerate(json.loads(evidence.contests), start=1):
                values.update({f"contest_{i}_name": contest["contest"], f"contest_{i}_level": contest["level"],
                               f"contest_{i}_points": str(contest["points"])})
            for flag in ("distinction", "volunteering", "olympiad", "health_limited"):
                values[flag] = getattr(evidence, flag)
        elif application.exam_result is not None:  # imported results fill in the form for the school to check
            for part in ops.EXAM_PARTS:
                result = getattr(application.exam_result, f"exam_{part}")
                values[f"exam_{part}"] = "" if result is None else result.replace(".", ",")
                values[f"exempt_{part}"] = result is None
        values.update({f"aptitude_{a.class_id}": "passed" if a.passed else "failed" for a in application.aptitude})
    return render_template(
        "recruitment/schools/application.html", application=application, values=values,
        errors=web.field_errors(exc), summary=web.error_summary(exc), form=ActionForm(),
        criteria={c.code: c for c in campaign_criteria(db(), application.campaign)},
        subjects=[(code, ops.subject_name(code)) for code in ops.subjects_needed(application)],
        contests=range(1, ops.MAX_CONTESTS + 1), schools=school_names(db()), exam_parts=ops.EXAM_PARTS,
        exam_labels=ops.EXAM_LABELS, grade_labels=ops.GRADE_LABELS, status=status(db(), application),
    ), status_code


@bp.get("/applications/<int:application_id>")
@roles_required(SCHOOL)
@writes_on_get  # logs the view
def application(application_id: int):  # type: ignore[no-untyped-def]
    """One application with the verification form."""
    found = _application(application_id)
    _log(found, "application_view")
    return _page(found)


@bp.post("/applications/<int:application_id>/verify")
@roles_required(SCHOOL)
def verify(application_id: int):  # type: ignore[no-untyped-def]
    """Record the verification; on any error nothing is saved and the form comes back."""
    found = _application(application_id)
    user = current_user()
    try:
        ops.save_verification(db(), found, request.form, by=user.username if user else "-", today=today())
    except RecruitmentError as exc:
        return _page(found, exc=exc, values=request.form.to_dict(), status_code=422)
    flash(_("The application has been verified."), "success")
    return redirect(url_for("recruitment_school.applications"))


@bp.post("/applications/<int:application_id>/return")
@roles_required(SCHOOL)
def return_application(application_id: int):  # type: ignore[no-untyped-def]
    """Return the application to the parent, saying what to correct."""
    found = _application(application_id)
    user = current_user()
    try:
        ops.return_application(db(), found, request.form, by=user.username if user else "-", today=today())
    except RecruitmentError as exc:
        return _page(found, exc=exc, values=request.form.to_dict(), status_code=422)
    flash(_("The application has been returned to the parent for corrections."), "success")
    return redirect(url_for("recruitment_school.applications"))


@bp.post("/applications/<int:application_id>/confirm")
@roles_required(SCHOOL)
def confirm(application_id: int):  # type: ignore[no-untyped-def]
    """Record a confirmation of will the parent brought to the school on paper."""
    found = db().get(Application, application_id)
    if found is None or found.qualified_class is None or found.qualified_class.rspo != _rspo():
        abort(404)  # only the school the candidate qualified for records the confirmation
    user = current_user()
    try:
        portal_ops.confirm_will(db(), found, today(), by=f"school:{user.username if user else '-'}")
    except RecruitmentError as exc:
        for message in exc.messages(_):
            flash(message, "error")
        return redirect(url_for("recruitment_school.applications"))
    _log(found, "confirm_will")
    flash(_("The confirmation of will has been recorded."), "success")
    return redirect(url_for("recruitment_school.applications"))


def _render_import(form: ExamImportForm, result: exam_import.ExamImport | None = None, status_code: int = 200):  # type: ignore[no-untyped-def]
    campaigns = db().scalars(select(Campaign).where(Campaign.level == "secondary").order_by(Campaign.id.desc()))
    form.campaign_id.choices = [(str(c.id), c.name) for c in campaigns]
    return render_template("recruitment/schools/exam_import.html", form=form, result=result), status_code


@bp.route("/exam-results", methods=["GET", "POST"])
@roles_required(SCHOOL)
def exam_results():  # type: ignore[no-untyped-def]
    """Upload exam results; good rows fill in the verification forms, bad rows are listed with the reason."""
    rspo = _rspo()
    form = ExamImportForm()
    if request.method == "GET":
        return _render_import(form)
    campaign = db().get(Campaign, int(form.campaign_id.data)) if (form.campaign_id.data or "").isdigit() else None
    upload = request.files.get("file")
    if campaign is None:
        add_error(form, "campaign_id", _("Choose the recruitment"))
    if upload is None or not upload.filename:
        add_error(form, "file", _("Choose the file to import"))
    if form.errors:
        return _render_import(form, status_code=422)
    user = current_user()
    try:
        result = exam_import.import_exam_results(
            db(), campaign, upload.read(exam_import.MAX_BYTES + 1), filename=upload.filename, rspo=rspo,
            by=user.username if user else "-", role=SCHOOL, today=today())
    except RecruitmentError as exc:
        web.show_errors(form, exc)
        return _render_import(form, status_code=422)
    flash(_("Exam results saved: %(count)s of %(read)s rows. Check them on each application when you verify it.",
            count=result.saved, read=result.rows_read), "success" if not result.errors else "info")
    if result.errors:
        return _render_import(ExamImportForm(formdata=None, campaign_id=str(campaign.id)), result)
    return redirect(url_for("recruitment_school.applications"))
