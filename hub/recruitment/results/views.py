"""Results pages: running the allocation, a run with its ties and audit files, publishing the lists,
sending admissions to the schools, and the lists themselves.

The office's ``admin`` runs and publishes. The lists of a school are for posting at that school:
the office and that school's own recruitment accounts may open them, nobody else (checked on the
server). Lists show names only, never PESEL. Opening a run's ties (names, for the commission) is logged.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from hub.recruitment import activity, web
from hub.recruitment.errors import RecruitmentError
from hub.recruitment.models import ROUNDS, AllocationRun, Application, Campaign
from hub.recruitment.results import operations as ops
from hub.recruitment.results.queries import school_lists
from hub.recruitment.schools.operations import school_of
from hub.web.context import ADMIN, current_user, db, deny, roles_required, today, writes_on_get
from zszo.web.text import polish_key

bp = Blueprint("recruitment_results", __name__, url_prefix="/recruitment", template_folder="templates")
web.install(bp)


def _by() -> str:
    user = current_user()
    return user.username if user else "-"


def _campaign(campaign_id: int, round_: str | None = None) -> Campaign:
    found = db().get(Campaign, campaign_id)
    if found is None or (round_ is not None and round_ not in ROUNDS):
        abort(404)
    return found


def _act(campaign: Campaign, action, message: str):  # type: ignore[no-untyped-def]
    try:
        outcome = action()
    except RecruitmentError as exc:
        for text in exc.messages(_):
            flash(text, "error")
        return redirect(url_for("recruitment.campaign", campaign_id=campaign.id))
    flash(message(outcome) if callable(message) else message, "success")
    return redirect(url_for("recruitment.campaign", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/rounds/<round_>/run")
@roles_required(ADMIN)
def run(campaign_id: int, round_: str):  # type: ignore[no-untyped-def]
    """Run the allocation of a round (stored with its input and output)."""
    campaign = _campaign(campaign_id, round_)
    return _act(campaign, lambda: ops.run_allocation(db(), campaign, round_, by=_by(), today=today()),
                lambda r: _("The allocation has run. It can be published.") if r.publishable
                else _("The allocation has run, but exact ties decide seats: the commission must decide them."))


@bp.post("/<int:campaign_id>/rounds/<round_>/publish-qualified")
@roles_required(ADMIN)
def publish_qualified(campaign_id: int, round_: str):  # type: ignore[no-untyped-def]
    """Publish the lists of qualified candidates."""
    campaign = _campaign(campaign_id, round_)
    return _act(campaign, lambda: ops.publish_qualified(db(), campaign, round_, by=_by(), today=today()),
                _("The lists of qualified candidates are published."))


@bp.post("/<int:campaign_id>/rounds/<round_>/publish-admitted")
@roles_required(ADMIN)
def publish_admitted(campaign_id: int, round_: str):  # type: ignore[no-untyped-def]
    """Publish the lists of admitted candidates and send the admitted pupils to their schools."""
    campaign = _campaign(campaign_id, round_)
    return _act(campaign, lambda: ops.publish_admitted(db(), campaign, round_, by=_by(), today=today()),
                lambda a: _("Admitted: %(admitted)s. Sent to the schools' servers: %(sent)s; waiting for a server: "
                            "%(waiting)s.", admitted=a.admitted, sent=a.sent, waiting=a.waiting))


@bp.post("/<int:campaign_id>/send-admissions")
@roles_required(ADMIN)
def send_admissions(campaign_id: int):  # type: ignore[no-untyped-def]
    """Send admitted pupils whose school had no server before (e.g. it has enrolled since)."""
    campaign = _campaign(campaign_id)
    return _act(campaign, lambda: ops.send_admissions(db(), campaign),
                lambda r: _("Sent to the schools' servers: %(sent)s; waiting for a server: %(waiting)s.",
                            sent=r[0], waiting=r[1]))


def _run(campaign: Campaign, run_id: int) -> AllocationRun:
    found = db().get(AllocationRun, run_id)
    if found is None or found.campaign_id != campaign.id:
        abort(404)
    return found


@bp.get("/<int:campaign_id>/runs/<int:run_id>")
@roles_required(ADMIN)
@writes_on_get  # the view of tied candidates' names is logged
def run_detail(campaign_id: int, run_id: int):  # type: ignore[no-untyped-def]
    """A run: whether it may be published, its ties (for the commission, with names) and its files."""
    import json

    campaign = _campaign(campaign_id)
    found = _run(campaign, run_id)
    ties = json.loads(found.ties_json)
    ids = {int(i) for tie in ties for i in tie["candidates"]}
    names = {a.id: a.candidate.full_name for a in db().scalars(select(Application).where(Application.id.in_(ids)))}
    if ids:
        activity.record(db(), username=_by(), role=ADMIN, action="ties_view", campaign_id=campaign.id,
                        detail=f"run {found.id}")
    return render_template("recruitment/results/run.html", campaign=campaign, run=found, ties=ties, names=names)


@bp.get("/<int:campaign_id>/runs/<int:run_id>/<any(input, output):which>.json")
@roles_required(ADMIN)
def run_file(campaign_id: int, run_id: int, which: str):  # type: ignore[no-untyped-def]
    """The run's input or output file, for ``zszo recruitment verify`` (numbers only, no names)."""
    found = _run(_campaign(campaign_id), run_id)
    body = found.input_json if which == "input" else found.output_json
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="run-{found.id}-{which}.json"'})


@bp.get("/<int:campaign_id>/rounds/<round_>/lists/<rspo>/<any(qualified, admitted):kind>")
@roles_required(ADMIN, "school")
def school_list(campaign_id: int, round_: str, rspo: str, kind: str):  # type: ignore[no-untyped-def]
    """A school's published list (qualified or admitted) for posting at the school."""
    campaign = _campaign(campaign_id, round_)
    user = current_user()
    if user is not None and user.role == "school" and school_of(db(), user) != rspo:
        deny("list of another school")
    from hub.fleet.models import Institution

    institution = db().get(Institution, rspo)
    if institution is None:
        abort(404)
    lists = school_lists(db(), campaign, rspo, round_, kind)
    return render_template("recruitment/results/list.html", campaign=campaign, institution=institution, kind=kind,
                           lists=lists, round_=round_, sort=polish_key)
