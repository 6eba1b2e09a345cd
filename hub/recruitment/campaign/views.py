"""The city office's recruitment set-up pages: campaigns, timetable, offer, lottery, criteria settings,
school accounts, primary schools' catchment areas (obwody), and the complaint flag of an application.

Only the ``admin`` role opens them. Pages showing a candidate are logged (ids only). Every write
goes through :mod:`.operations`; a refused form comes back with its errors and status 422.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from hub.recruitment import activity, web
from hub.recruitment.campaign import operations as ops
from hub.recruitment.campaign import queries
from hub.recruitment.campaign.forms import (
    CampaignForm,
    CatchmentForm,
    ClassForm,
    ComplaintForm,
    CriterionForm,
    LotteryForm,
    SchoolAccountForm,
    StatutoryForm,
    TimetableForm,
)
from hub.recruitment.errors import RecruitmentError
from hub.recruitment.models import LEVELS, STAGES, Application, Campaign, Catchment, OfferedClass
from hub.recruitment.results.queries import latest_run, published_run
from hub.recruitment.stages import STAGE_LABELS, current_stage, stages_by_name
from hub.sync.downlink import STANDARD_SUBJECTS
from hub.web.context import ADMIN, current_user, db, roles_required, runtime, today, writes_on_get
from zszo.i18n import gettext_for

bp = Blueprint("recruitment", __name__, url_prefix="/recruitment", template_folder="templates")
web.install(bp)


def _by() -> str:
    user = current_user()
    return user.username if user else "-"


def _campaign(campaign_id: int) -> Campaign:
    found = db().get(Campaign, campaign_id)
    if found is None:
        abort(404)
    return found


def _levels(blank: bool = True) -> list[tuple[str, str]]:
    return ([("", _("– choose –"))] if blank else []) + [(lvl, _(ops.LEVEL_LABELS[lvl])) for lvl in LEVELS]


@bp.get("")
@roles_required(ADMIN)
def campaigns():  # type: ignore[no-untyped-def]
    """Every campaign, with the stage it is in today."""
    rows = queries.campaigns(db())
    day = today()
    return render_template("recruitment/campaign/campaigns.html", campaigns=rows,
                           stages={c.id: current_stage(c, day) for c in rows})


@bp.route("/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def campaign_new():  # type: ignore[no-untyped-def]
    """Create a campaign."""
    form = CampaignForm()
    form.level.choices = _levels()
    if request.method == "GET":
        form.max_schools.data = "3"
        return render_template("recruitment/campaign/campaign_new.html", form=form)
    try:
        campaign = ops.create_campaign(db(), request.form, by=_by())
    except RecruitmentError as exc:
        web.show_errors(form, exc)
        return render_template("recruitment/campaign/campaign_new.html", form=form), 422
    flash(_("The campaign has been created. Set its timetable next."), "success")
    return redirect(url_for("recruitment.timetable", campaign_id=campaign.id))


@bp.get("/<int:campaign_id>")
@roles_required(ADMIN)
def campaign(campaign_id: int):  # type: ignore[no-untyped-def]
    """A campaign: timetable, offer, criteria in effect, applications and results."""
    found = _campaign(campaign_id)
    return render_template(
        "recruitment/campaign/campaign.html", campaign=found, stage=current_stage(found, today()),
        offer=queries.offer(db(), found), criteria=queries.campaign_criteria(db(), found),
        counts=queries.application_counts(db(), found), lottery_form=LotteryForm(data={
            "lottery_seed": "" if found.lottery_seed is None else str(found.lottery_seed)}),
        runs={r: latest_run(db(), found, r) for r in ("main", "supplementary")},
        published={r: published_run(db(), found, r) for r in ("main", "supplementary")},
    )


@bp.route("/<int:campaign_id>/timetable", methods=["GET", "POST"])
@roles_required(ADMIN)
def timetable(campaign_id: int):  # type: ignore[no-untyped-def]
    """Set or amend the timetable (every stage, in order, not overlapping)."""
    found = _campaign(campaign_id)
    form = TimetableForm()
    if request.method == "GET":
        for name, stage in stages_by_name(found).items():
            getattr(form, f"{name}_starts_on").data = stage.starts_on.isoformat()
            getattr(form, f"{name}_ends_on").data = stage.ends_on.isoformat()
        return render_template("recruitment/campaign/timetable.html", form=form, campaign=found, stages=STAGES,
                               labels_=STAGE_LABELS)
    try:
        ops.save_timetable(db(), found, request.form, by=_by())
    except RecruitmentError as exc:
        web.show_errors(form, exc)
        return render_template("recruitment/campaign/timetable.html", form=form, campaign=found, stages=STAGES,
                               labels_=STAGE_LABELS), 422
    flash(_("The timetable has been saved."), "success")
    return redirect(url_for("recruitment.campaign", campaign_id=found.id))


def _class_form(found: Campaign, form: ClassForm) -> None:
    institutions = queries.institutions_for(db(), ops.LEVEL_KINDS[found.level])
    form.rspo.choices = [("", _("– choose –"))] + [(i.rspo, f"{i.name} ({i.rspo})") for i in institutions]
    subjects = [("", _("– choose –"))] + [(code, name) for code, name in STANDARD_SUBJECTS if code in
                                          ops.EXTRA_SUBJECTS]
    form.subject_1.choices = form.subject_2.choices = subjects


@bp.route("/<int:campaign_id>/classes/new", methods=["GET", "POST"])
@bp.route("/<int:campaign_id>/classes/<int:class_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def class_form(campaign_id: int, class_id: int | None = None):  # type: ignore[no-untyped-def]
    """Add a class (group) to the offer, or change one."""
    found = _campaign(campaign_id)
    offered = db().get(OfferedClass, class_id) if class_id is not None else None
    if class_id is not None and (offered is None or offered.campaign_id != found.id):
        abort(404)
    form = ClassForm(obj=offered) if request.method == "GET" and offered else ClassForm()
    _class_form(found, form)
    page = "recruitment/campaign/class_form.html"
    if request.method == "GET":
        return render_template(page, form=form, campaign=found, offered=offered)
    try:
        ops.save_class(db(), found, request.form, by=_by(), offered=offered)
    except RecruitmentError as exc:
        web.show_errors(form, exc)
        return render_template(page, form=form, campaign=found, offered=offered), 422
    flash(_("The class has been saved."), "success")
    return redirect(url_for("recruitment.campaign", campaign_id=found.id))


@bp.post("/<int:campaign_id>/classes/<int:class_id>/delete")
@roles_required(ADMIN)
def class_delete(campaign_id: int, class_id: int):  # type: ignore[no-untyped-def]
    """Remove a class nobody has chosen."""
    found = _campaign(campaign_id)
    offered = db().get(OfferedClass, class_id)
    if offered is None or offered.campaign_id != found.id:
        abort(404)
    try:
        ops.delete_class(db(), offered, by=_by())
    except RecruitmentError as exc:
        for message in exc.messages(_):
            flash(message, "error")
        return redirect(url_for("recruitment.campaign", campaign_id=found.id))
    flash(_("The class has been removed."), "success")
    return redirect(url_for("recruitment.campaign", campaign_id=found.id))


@bp.post("/<int:campaign_id>/lottery")
@roles_required(ADMIN)
def lottery(campaign_id: int):  # type: ignore[no-untyped-def]
    """Record the city's lottery seed (or clear it)."""
    found = _campaign(campaign_id)
    try:
        ops.set_lottery(db(), found, request.form, by=_by())
    except RecruitmentError as exc:
        for message in exc.messages(_):
            flash(message, "error")
        return redirect(url_for("recruitment.campaign", campaign_id=found.id))
    flash(_("The lottery decision has been saved."), "success")
    return redirect(url_for("recruitment.campaign", campaign_id=found.id))


def _criteria_page(form: CriterionForm, statutory: StatutoryForm, status: int = 200):  # type: ignore[no-untyped-def]
    form.level.choices = statutory.level.choices = _levels()
    form.kind.choices = [("", _("– choose –")), ("statutory", _("statutory (stage 1)")),
                         ("municipal", _("municipal (stage 2)"))]
    return render_template("recruitment/campaign/criteria.html", form=form, statutory_form=statutory,
                           history=queries.criteria_history(db()), day=today()), status


@bp.route("/criteria", methods=["GET", "POST"])
@roles_required(ADMIN)
def criteria():  # type: ignore[no-untyped-def]
    """The criteria settings with their history; add a dated setting."""
    form, statutory = CriterionForm(), StatutoryForm(prefix="st")
    if request.method == "GET":
        return _criteria_page(form, statutory)
    try:
        ops.save_criterion(db(), request.form, by=_by())
    except RecruitmentError as exc:
        web.show_errors(form, exc)
        return _criteria_page(form, statutory, 422)
    flash(_("The criterion setting has been saved."), "success")
    return redirect(url_for("recruitment.criteria"))


@bp.post("/criteria/statutory")
@roles_required(ADMIN)
def criteria_statutory():  # type: ignore[no-untyped-def]
    """Add the seven statutory criteria for a level from a date."""
    from hub.recruitment.parse import Fields

    form, statutory = CriterionForm(), StatutoryForm(prefix="st")
    fields = Fields({"level": request.form.get("st-level"), "valid_from": request.form.get("st-valid_from")})
    level = fields.choice("level", "level", LEVELS)
    day = fields.day("valid_from", "valid from")
    try:
        fields.check()
        locale = runtime().settings["web.locale"]  # the wording is stored as data, in the office's language
        added = ops.add_statutory(db(), level or "", day, by=_by(), gettext=gettext_for(locale))  # type: ignore[arg-type]
    except RecruitmentError as exc:
        web.show_errors(statutory, exc)
        return _criteria_page(form, statutory, 422)
    flash(_("Statutory criteria added: %(count)s.", count=added), "success")
    return redirect(url_for("recruitment.criteria"))


@bp.route("/schools", methods=["GET", "POST"])
@roles_required(ADMIN)
def schools():  # type: ignore[no-untyped-def]
    """School recruitment accounts: each verifies the applications of its own institution."""
    form = SchoolAccountForm()
    form.rspo.choices = [("", _("– choose –"))] + [
        (i.rspo, f"{i.name} ({i.rspo})") for i in queries.institutions_for(db(), ("preschool", "primary", "secondary",
                                                                                  "special", "centre"))]
    page = "recruitment/campaign/schools.html"
    if request.method == "GET":
        return render_template(page, form=form, accounts=queries.school_accounts(db()))
    try:
        ops.create_school_account(db(), request.form, by=_by())
    except RecruitmentError as exc:
        web.show_errors(form, exc, field_map={"password": "password"})
        form.password.data = ""
        return render_template(page, form=form, accounts=queries.school_accounts(db())), 422
    flash(_("The school account has been created. Its user sets up two-step login at the first login."), "success")
    return redirect(url_for("recruitment.schools"))


@bp.route("/catchment", methods=["GET", "POST"])
@roles_required(ADMIN)
def catchment():  # type: ignore[no-untyped-def]
    """Primary schools' catchment areas: grade-1 recruitment refuses a child's own catchment school."""
    form = CatchmentForm()
    schools = queries.institutions_for(db(), ("primary", "special"))
    form.rspo.choices = [("", _("– choose –"))] + [(i.rspo, f"{i.name} ({i.rspo})") for i in schools]
    areas = {c.rspo: c for c in db().scalars(select(Catchment))}
    page = "recruitment/campaign/catchment.html"
    if request.method == "GET":
        chosen = request.args.get("rspo", "")
        if chosen in areas:
            form.rspo.data, form.streets.data = chosen, areas[chosen].streets
        return render_template(page, form=form, areas=areas, schools=schools)
    try:
        ops.save_catchment(db(), request.form, by=_by())
    except RecruitmentError as exc:
        web.show_errors(form, exc)
        return render_template(page, form=form, areas=areas, schools=schools), 422
    flash(_("The catchment area has been saved."), "success")
    return redirect(url_for("recruitment.catchment"))


@bp.get("/applications")
@roles_required(ADMIN)
def application_lookup():  # type: ignore[no-untyped-def]
    """Go to an application by its number (as printed on the application and in allocation files)."""
    number = (request.args.get("number") or "").strip()
    if not number.isdigit() or db().get(Application, int(number)) is None:
        flash(_("There is no application with this number."), "error")
        return redirect(url_for("recruitment.campaigns"))
    return redirect(url_for("recruitment.application", application_id=int(number)))


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
@writes_on_get  # the view writes its log line
def application(application_id: int):  # type: ignore[no-untyped-def]
    """One application for the office (e.g. to flag a complaint); the view is logged."""
    found = db().get(Application, application_id)
    if found is None:
        abort(404)
    form = ComplaintForm(data={"complaint": found.complaint, "complaint_note": found.complaint_note or ""}) \
        if request.method == "GET" else ComplaintForm()
    user = current_user()
    activity.record(db(), username=_by(), role=user.role if user else "-", action="application_view",
                    campaign_id=found.campaign_id, application_id=found.id)
    if request.method == "POST":
        try:
            ops.set_complaint(db(), found, request.form, by=_by())
        except RecruitmentError as exc:
            web.show_errors(form, exc)
            return render_template("recruitment/campaign/application.html", application=found, form=form), 422
        flash(_("The complaint flag has been saved."), "success")
        return redirect(url_for("recruitment.application", application_id=found.id))
    return render_template("recruitment/campaign/application.html", application=found, form=form)

