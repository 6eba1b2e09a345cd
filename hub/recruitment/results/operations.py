"""All writes of results: allocation runs, publishing the lists, admission, sending admitted pupils
down to their schools' nodes.

A run stores its exact input and output (the audit trail) whatever its outcome. A run whose exact
ties decide seats is never published: the commission decides (e.g. the city adopts a lottery or
the school adds a seat) and the allocation runs again. Publishing the admitted list admits the
qualified candidates who confirmed their will and queues each of them, once, to the node of
their school as a ``recruitment_admission`` downlink message; a school without an enrolled node
gets its admissions when :func:`send_admissions` runs again after it enrols.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from hub.db import utcnow
from hub.fleet.models import Node
from hub.recruitment import activity
from hub.recruitment.allocation import AllocationInputError, allocate
from hub.recruitment.audit_io import json_key, write_output
from hub.recruitment.certificate import certificate_violations
from hub.recruitment.errors import fail
from hub.recruitment.models import AllocationRun, Application, Campaign, OfferedClass, ParentAccount
from hub.recruitment.results.keys import round_input
from hub.recruitment.results.queries import free_seats, latest_run, published_run
from hub.recruitment.stages import require
from hub.sync import downlink
from protocol.i18n import N_

ADMISSION_KIND = "recruitment_admission"


def _log(session: Session, by: str, action: str, campaign: Campaign, detail: str | None = None) -> None:
    activity.record(session, username=by, role="admin", action=action, campaign_id=campaign.id, detail=detail)


def run_allocation(session: Session, campaign: Campaign, round_: str, *, by: str, today: dt.date) -> AllocationRun:
    """Allocate the round's verified candidates to the seats on offer and store the run.

    Main round: every class's seats. Supplementary round: the seats left after the admitted
    candidates. Refused once the round's qualified list is published.
    """
    require(campaign, "allocate", round_, today)
    if published_run(session, campaign, round_) is not None:
        raise fail("run", "published", N_("the list of qualified candidates of this round is already published"),
                   N_("allocation"))
    if round_ == "main":
        seats = {c.id: c.seats for c in session.scalars(select(OfferedClass).where(
            OfferedClass.campaign_id == campaign.id))}
    else:
        seats = free_seats(session, campaign)
    data = round_input(session, campaign, round_, seats)
    if not data.candidates:
        raise fail("run", "empty", N_("no verified application takes part in this round"), N_("allocation"))
    try:
        result = allocate(data.classes, data.candidates, campaign.lottery_seed)
    except AllocationInputError as exc:  # never expected: the hub builds the input itself
        raise fail("run", "input", N_("the allocation refused its input: {error}"), N_("allocation"),
                   error=str(exc)) from None
    if result.publishable and certificate_violations(data.classes, data.candidates, result, campaign.lottery_seed):
        raise fail("run", "certificate", N_("the result failed the cut-off certificate; report this fault"),
                   N_("allocation"))
    ties = [{"class_id": t.class_id, "key": json_key(t.key), "candidates": list(t.candidate_ids), "kind": t.kind}
            for t in result.ties]
    run = AllocationRun(
        campaign_id=campaign.id, round=round_, ran_by=by[:64], input_json=data.to_json(campaign.lottery_seed),
        output_json=write_output(result), publishable=result.publishable,
        cutoffs_json=json.dumps({c: None if k is None else json_key(k) for c, k in result.cutoffs.items()}),
        ties_json=json.dumps(ties),
    )
    session.add(run)
    session.flush()
    _log(session, by, "allocation_run", campaign, detail=f"run {run.id} {round_} publishable={run.publishable}")
    return run


def publish_qualified(session: Session, campaign: Campaign, round_: str, *, by: str, today: dt.date) -> AllocationRun:
    """Publish the latest run of the round: each candidate's qualified class (or none) becomes visible."""
    require(campaign, "publish_qualified", round_, today)
    if published_run(session, campaign, round_) is not None:
        raise fail("run", "published", N_("the list of qualified candidates of this round is already published"),
                   N_("allocation"))
    run = latest_run(session, campaign, round_)
    if run is None:
        raise fail("run", "missing", N_("run the allocation first"), N_("allocation"))
    if not run.publishable:
        raise fail("run", "ties", N_("exact ties decide seats: the commission must decide them before publication"),
                   N_("allocation"))
    changed = session.scalar(select(func.max(Application.verified_at)).where(
        Application.campaign_id == campaign.id, Application.round == round_))
    if changed is not None and changed > run.ran_at:
        raise fail("run", "stale", N_("applications were verified after the allocation ran: run it again"),
                   N_("allocation"))
    assignments = json.loads(run.output_json)["assignments"]
    for application in session.scalars(select(Application).where(Application.campaign_id == campaign.id,
                                                                 Application.round == round_)):
        held = assignments.get(str(application.id))
        application.qualified_class_id = int(held) if held is not None else None
    run.qualified_published_at = utcnow()
    _log(session, by, "publish_qualified", campaign, detail=f"run {run.id}")
    return run


@dataclass(frozen=True)
class Admission:
    """What publishing the admitted list did."""

    admitted: int
    sent: int
    waiting: int  # admitted pupils whose school has no enrolled node yet


def publish_admitted(session: Session, campaign: Campaign, round_: str, *, by: str, today: dt.date) -> Admission:
    """Admit the qualified candidates who confirmed their will; publish; queue them for their schools' nodes."""
    require(campaign, "publish_admitted", round_, today)
    run = published_run(session, campaign, round_)
    if run is None:
        raise fail("run", "missing", N_("the list of qualified candidates of this round is not published yet"),
                   N_("allocation"))
    if run.admitted_published_at is not None:
        raise fail("run", "published", N_("the list of admitted candidates of this round is already published"),
                   N_("allocation"))
    admitted = 0
    for application in session.scalars(select(Application).where(
            Application.campaign_id == campaign.id, Application.round == round_,
            Application.qualified_class_id.is_not(None))):
        application.admitted = application.confirmed_at is not None
        admitted += application.admitted
    run.admitted_published_at = utcnow()
    session.flush()
    sent, waiting = send_admissions(session, campaign)
    _log(session, by, "publish_admitted", campaign, detail=f"run {run.id} admitted {admitted}")
    return Admission(admitted, sent, waiting)


def _school_node(session: Session, rspo: str) -> Node | None:
    return session.scalar(select(Node).where(Node.rspo == rspo, Node.status == "active")
                          .order_by(Node.enrolled_at.desc()).limit(1))


def admission_body(application: Application, email: str) -> dict:
    """The ``recruitment_admission`` message: the pupil, the class and the parent's contact details."""
    candidate, campaign, offered = application.candidate, application.campaign, application.qualified_class
    assert offered is not None
    return {
        "admission_id": application.public_id, "campaign": campaign.name, "school_year": campaign.school_year,
        "level": campaign.level, "round": application.round, "rspo": offered.rspo, "class_name": offered.name,
        "pupil": {"first_name": candidate.first_name, "second_name": candidate.second_name,
                  "last_name": candidate.last_name, "pesel": candidate.pesel,
                  "document_type": candidate.document_type, "document_number": candidate.document_number,
                  "birth_date": candidate.birth_date.isoformat(), "sex": candidate.sex, "street": candidate.street,
                  "postal_code": candidate.postal_code, "city": candidate.city},
        "guardian": {"first_name": application.guardian_first_name, "last_name": application.guardian_last_name,
                     "phone": application.guardian_phone, "email": email},
    }


def send_admissions(session: Session, campaign: Campaign) -> tuple[int, int]:
    """Queue every admitted pupil not sent yet to their school's node; return (sent, still waiting)."""
    sent = waiting = 0
    pending = session.scalars(select(Application).where(
        Application.campaign_id == campaign.id, Application.admitted.is_(True), Application.sent_at.is_(None))
        .options(selectinload(Application.candidate), selectinload(Application.qualified_class))
        .order_by(Application.id))
    for application in pending:
        offered = application.qualified_class
        node = _school_node(session, offered.rspo) if offered is not None else None
        if node is None:
            waiting += 1
            continue
        email = session.scalar(select(ParentAccount.email).where(ParentAccount.id == application.candidate.parent_id))
        downlink.enqueue(session, node.id, ADMISSION_KIND, admission_body(application, email or ""))
        application.sent_at = utcnow()
        sent += 1
    return sent, waiting
