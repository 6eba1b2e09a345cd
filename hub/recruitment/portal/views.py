"""The parents' application pages: the list, a new application, the child's details, preferences,
criteria, submission, the printable application, confirmation of will, results and the appeal
justification.

Every page needs a logged-in parent and only ever loads an application through
:func:`~hub.recruitment.portal.queries.own_application`, so one parent can never open another's
(404, not 403, so ids reveal nothing). Every write goes through :mod:`.operations`, which checks
the timetable on the server. No page needs JavaScript.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hub.recruitment import web
from hub.recruitment.campaign.queries import campaign_criteria, offer, school_names
from hub.recruitment.errors import RecruitmentError
from hub.recruitment.models import Application, Campaign
from hub.recruitment.portal import operations as ops
from hub.recruitment.portal import queries, session
from hub.recruitment.portal.forms import ActionForm, CandidateForm, SubmitForm
from hub.recruitment.portal.pdf import application_pdf
from hub.recruitment.results.queries import justification, published_run
from hub.recruitment.stages import current_stage
from hub.web.context import db, today

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates")
bp.before_request(session.load)
web.install(bp)


@bp.context_processor
def _portal_chrome() -> dict:
    from hub.recruitment.portal.auth_views import portal_chrome

    return {"portal_chrome": portal_chrome}


def _mine(application_id: int) -> Application:
    parent = session.current()
    assert parent is not None
    found = queries.own_application(db(), parent.id, application_id)
    if found is None:
        abort(404)
    return found


def _choices(form: CandidateForm) -> None:
    form.document_type.choices = [("", _("– choose –"))] + [(k, _(v)) for k, v in web.labels.DOCUMENT_LABELS.items()]
    form.sex.choices = [("", _("– choose –")), ("F", _("girl")), ("M", _("boy"))]


@bp.get("/applications")
@session.parent_required
def applications():  # type: ignore[no-untyped-def]
    """The parent's applications and the campaigns open for new ones."""
    parent = session.current()
    assert parent is not None
    mine = queries.parent_applications(db(), parent.id)
    day = today()
    open_now = [c for c in queries.open_campaigns(db())
                if ops.application_round(c, day) == "supplementary" or current_stage(c, day) == "applications"]
    return render_template("recruitment/portal/applications.html", applications=mine, open_now=open_now,
                           statuses={a.id: queries.status(db(), a) for a in mine})


@bp.route("/applications/new/<int:campaign_id>", methods=["GET", "POST"])
@session.parent_required
def new_application(campaign_id: int):  # type: ignore[no-untyped-def]
    """Step 1: the child and the parent's contact details."""
    campaign = db().get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    form = CandidateForm()
    _choices(form)
    if request.method == "GET":
        return render_template("recruitment/portal/candidate.html", form=form, campaign=campaign, application=None)
    parent = session.current()
    assert parent is not None
    try:
        application = ops.start_application(db(), parent.id, campaign, request.form, today())
    except RecruitmentError as exc:
        web.show_errors(form, exc)
        return render_template("recruitment/portal/candidate.html", form=form, campaign=campaign,
                               application=None), 422
    flash(_("The application has been started. Now choose the classes in order of preference."), "success")
    return redirect(url_for("portal.preferences", application_id=application.id))


@bp.route("/applications/<int:application_id>/details", methods=["GET", "POST"])
@session.parent_required
def details(application_id: int):  # type: ignore[no-untyped-def]
    """Correct the child's and the parent's details."""
    application = _mine(application_id)
    candidate = application.candidate
    form = CandidateForm(obj=candidate) if request.method == "GET" else CandidateForm()
    _choices(form)
    if request.method == "GET":
        form.birth_date.data = candidate.birth_date.isoformat() if not candidate.pesel else ""
        for name in ("guardian_first_name", "guardian_last_name", "guardian_phone"):
            getattr(form, name).data = getattr(application, name)
        return render_template("recruitment/portal/candidate.html", form=form, campaign=application.campaign,
                               application=application)
    try:
        ops.update_candidate(db(), application, request.form, today())
    except RecruitmentError as exc:
        web.show_errors(form, exc)
        return render_template("recruitment/portal/candidate.html", form=form, campaign=application.campaign,
                               application=application), 422
    flash(_("The details have been saved."), "success")
    return redirect(url_for("portal.application", application_id=application.id))


@bp.route("/applications/<int:application_id>/preferences", methods=["GET", "POST"])
@session.parent_required
def preferences(application_id: int):  # type: ignore[no-untyped-def]
    """Step 2: the ordered list of classes (one drop-down per place on the list)."""
    application = _mine(application_id)
    schools = offer(db(), application.campaign)
    slots = min(20, sum(len(s.classes) for s in schools)) or 1
    form = ActionForm()
    if request.method == "GET":
        chosen = [str(p.class_id) for p in application.preferences]
        return render_template("recruitment/portal/preferences.html", application=application, schools=schools,
                               slots=slots, chosen=chosen, form=form)
    chosen = [request.form.get(f"choice_{i}", "") for i in range(1, slots + 1)]
    try:
        ops.save_preferences(db(), application, chosen, today())
    except RecruitmentError as exc:
        return render_template("recruitment/portal/preferences.html", application=application, schools=schools,
                               slots=slots, chosen=chosen, form=form, errors=web.field_errors(exc),
                               summary=web.error_summary(exc)), 422
    flash(_("The list of preferences has been saved."), "success")
    return redirect(url_for("portal.criteria", application_id=application.id))


@bp.route("/applications/<int:application_id>/criteria", methods=["GET", "POST"])
@session.parent_required
def criteria(application_id: int):  # type: ignore[no-untyped-def]
    """Step 3: the criteria the parent declares, each with the document or statement it needs."""
    application = _mine(application_id)
    available = campaign_criteria(db(), application.campaign)
    form = ActionForm()
    if request.method == "GET":
        declared = {d.code for d in application.declarations}
        return render_template("recruitment/portal/criteria.html", application=application, criteria=available,
                               declared=declared, form=form)
    codes = request.form.getlist("criteria")
    try:
        ops.save_declarations(db(), application, codes, today())
    except RecruitmentError as exc:
        return render_template("recruitment/portal/criteria.html", application=application, criteria=available,
                               declared=set(codes), form=form, errors=web.field_errors(exc),
                               summary=web.error_summary(exc)), 422
    flash(_("The criteria have been saved. Check the application and submit it."), "success")
    return redirect(url_for("portal.application", application_id=application.id))


def _application_page(application: Application, submit_form: SubmitForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template(
        "recruitment/portal/application.html", application=application, submit_form=submit_form,
        action_form=ActionForm(), status=queries.status(db(), application),
        actions=queries.actions(db(), application, today()), criteria={c.code: c for c in
                                                                      campaign_criteria(db(), application.campaign)},
        schools=school_names(db()), run=published_run(db(), application.campaign, application.round),
    ), status


@bp.get("/applications/<int:application_id>")
@session.parent_required
def application(application_id: int):  # type: ignore[no-untyped-def]
    """The application with its status at every stage and what the parent can do now."""
    return _application_page(_mine(application_id), SubmitForm())


@bp.post("/applications/<int:application_id>/submit")
@session.parent_required
def submit(application_id: int):  # type: ignore[no-untyped-def]
    """Submit the application (with the statement of truth)."""
    application = _mine(application_id)
    form = SubmitForm()
    try:
        ops.submit(db(), application, request.form, today())
    except RecruitmentError as exc:
        web.show_errors(form, exc)
        return _application_page(application, form, 422)
    flash(_("The application has been submitted. The school of first choice will verify it."), "success")
    return redirect(url_for("portal.application", application_id=application.id))


def _simple_action(application_id: int, action, message: str):  # type: ignore[no-untyped-def]
    application = _mine(application_id)
    try:
        action(application)
    except RecruitmentError as exc:
        form = SubmitForm()
        web.show_errors(form, exc)
        return _application_page(application, form, 422)
    flash(message, "success")
    return redirect(url_for("portal.application", application_id=application.id))


@bp.post("/applications/<int:application_id>/withdraw")
@session.parent_required
def withdraw(application_id: int):  # type: ignore[no-untyped-def]
    """Take a submitted application back for corrections."""
    return _simple_action(application_id, lambda a: ops.withdraw_for_corrections(db(), a, today()),
                          _("The application is back in preparation. Submit it again after the corrections."))


@bp.post("/applications/<int:application_id>/confirm")
@session.parent_required
def confirm(application_id: int):  # type: ignore[no-untyped-def]
    """Confirm the will to attend the class the candidate qualified for."""
    parent = session.current()
    assert parent is not None
    return _simple_action(application_id, lambda a: ops.confirm_will(db(), a, today(), by=f"parent:{parent.id}"),
                          _("The will to attend has been confirmed."))


@bp.post("/applications/<int:application_id>/supplementary")
@session.parent_required
def supplementary(application_id: int):  # type: ignore[no-untyped-def]
    """Join the supplementary round with a new list of classes (those with free seats)."""
    result = _simple_action(application_id, lambda a: ops.join_supplementary(db(), a, today()),
                            _("The candidate takes part in the supplementary round. Choose the classes again."))
    if result.status_code == 302:
        return redirect(url_for("portal.preferences", application_id=application_id))
    return result


@bp.get("/applications/<int:application_id>/application.pdf")
@session.parent_required
def pdf(application_id: int):  # type: ignore[no-untyped-def]
    """The application to print and sign (with Polish letters)."""
    application = _mine(application_id)
    body = application_pdf(application, campaign_criteria(db(), application.campaign), school_names(db()))
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="wniosek-{application.id}.pdf"'})


@bp.get("/applications/<int:application_id>/justification")
@session.parent_required
def appeal_justification(application_id: int):  # type: ignore[no-untyped-def]
    """Why the candidate got (or did not get) each listed class: their key beside the class's cut-off."""
    application = _mine(application_id)
    if not queries.actions(db(), application, today()).justification:
        abort(404)
    run = published_run(db(), application.campaign, application.round)
    rows = justification(db(), application) or []
    classes = {p.class_id: p.offered for p in application.preferences}
    return render_template("recruitment/portal/justification.html", application=application, rows=rows,
                           classes=classes, schools=school_names(db()),
                           lottery=run is not None and application.campaign.lottery_seed is not None)


from hub.recruitment.portal import auth_views  # noqa: E402,F401 - registers the account pages on bp
