"""All writes of the parents' side: candidates, applications, preferences, declarations, submission,
confirmation of will and moving to the supplementary round.

Every function checks the timetable first (:func:`hub.recruitment.stages.require`), then every
field, and raises :class:`RecruitmentError` before writing anything. The order in which parents
submit never matters: nothing here records a position in a queue, and the allocation never
looks at ``submitted_at``. The caller has already checked that the application is the parent's own.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.recruitment import activity
from hub.recruitment.campaign.queries import campaign_criteria
from hub.recruitment.catchment import in_catchment, parse_rules
from hub.recruitment.errors import REQUIRED, RecruitmentError, error, fail
from hub.recruitment.models import (
    Application,
    Campaign,
    Candidate,
    Catchment,
    Declaration,
    OfferedClass,
    Preference,
)
from hub.recruitment.parse import Fields
from hub.recruitment.stages import allowed, require
from protocol import pesel as pesel_rules
from protocol.i18n import N_

DOCUMENT_TYPES = ("passport", "residence_card", "id_card_foreign", "birth_certificate_foreign", "other")
EDITABLE = ("draft", "returned")
CATCHMENT = N_("the child lives in this school's catchment area (obwód): it is admitted there on a notification "
               "submitted at the school, without recruitment; choose other schools here")


def application_round(campaign: Campaign, today: dt.date) -> str:
    """The round a new application joins today: the supplementary one during its stage, else the main one."""
    return "supplementary" if allowed(campaign, "apply", "supplementary", today) else "main"


def _edit_action(application: Application) -> str:
    return "correct" if application.status == "returned" else "apply"


def _require_editable(application: Application, today: dt.date) -> None:
    require(application.campaign, _edit_action(application), application.round, today)
    if application.status not in EDITABLE:
        raise fail("status", "submitted", N_("the application has been submitted; withdraw it for corrections first"),
                   N_("application"))


def _age_problem(campaign: Campaign, birth: dt.date) -> bool:
    """True when the child's age does not fit the level (counted in the calendar year the school year starts)."""
    age = int(campaign.school_year[:4]) - birth.year
    if campaign.level == "preschool":
        return not 2 <= age <= 6
    if campaign.level == "grade1":
        return not 6 <= age <= 7
    return not 13 <= age <= 20


def _candidate_fields(session: Session, campaign: Campaign, data: Mapping[str, Any],
                      current: Application | None) -> tuple[dict[str, Any], dict[str, Any], str]:
    fields = Fields(data)
    child = {
        "first_name": fields.text("first_name", N_("first name"), max_length=100),
        "second_name": fields.text("second_name", N_("second name"), required=False, max_length=100),
        "last_name": fields.text("last_name", N_("last name"), max_length=100),
        "street": fields.text("street", N_("street and number"), max_length=150),
        "postal_code": fields.text("postal_code", N_("postal code"), max_length=6, fmt="postal_code"),
        "city": fields.text("city", N_("town"), max_length=100),
        "pesel": None, "document_type": None, "document_number": None,
    }
    guardian = {
        "guardian_first_name": fields.text("guardian_first_name", N_("parent's first name"), max_length=100),
        "guardian_last_name": fields.text("guardian_last_name", N_("parent's last name"), max_length=100),
        "guardian_phone": fields.text("guardian_phone", N_("telephone"), max_length=20, fmt="phone"),
    }
    identity = ""
    raw_pesel = str(data.get("pesel") or "").strip()
    if raw_pesel:
        try:
            info = pesel_rules.parse(raw_pesel)
        except pesel_rules.PeselError as exc:
            fields.add("pesel", exc.code, exc.message, N_("PESEL"))
        else:
            child.update(pesel=info.pesel, birth_date=info.birth_date, sex=info.sex)
            identity = f"pesel:{info.pesel}"
    else:
        child["document_type"] = fields.choice("document_type", N_("identity document"), DOCUMENT_TYPES)
        child["document_number"] = fields.text("document_number", N_("document number"), max_length=30,
                                               fmt="document_number")
        child["birth_date"] = fields.day("birth_date", N_("date of birth"))
        child["sex"] = fields.choice("sex", N_("sex"), ("F", "M"))
        if child["document_type"] and child["document_number"]:
            identity = f"doc:{child['document_type']}:{child['document_number'].upper().replace(' ', '')}"
        elif not fields.raw("document_type") and not fields.raw("document_number"):
            fields.errors = [e for e in fields.errors if e.field not in ("document_type", "document_number")]
            fields.add("pesel", "required", N_("enter the PESEL or, for a child without one, an identity document"),
                       N_("PESEL"))
    birth = child.get("birth_date")
    if isinstance(birth, dt.date) and _age_problem(campaign, birth):
        fields.add("pesel" if raw_pesel else "birth_date", "age",
                   N_("a child born on this day is not of the age this recruitment is for"), N_("date of birth"))
    if identity:
        clash = session.scalar(select(Application.id).where(Application.campaign_id == campaign.id,
                                                            Application.identity == identity[:45]))
        if clash is not None and (current is None or clash != current.id):
            fields.add("pesel" if raw_pesel else "document_number", "duplicate",
                       N_("this child already has an application in this recruitment"),
                       N_("PESEL") if raw_pesel else N_("document number"))
    fields.check()
    return child, guardian, identity[:45]


def start_application(session: Session, parent_id: int, campaign: Campaign, data: Mapping[str, Any],
                      today: dt.date) -> Application:
    """A new draft application for a new candidate (child and parent contact details)."""
    round_ = application_round(campaign, today)
    require(campaign, "apply", round_, today)
    child, guardian, identity = _candidate_fields(session, campaign, data, None)
    candidate = Candidate(parent_id=parent_id, **child)
    session.add(candidate)
    session.flush()
    application = Application(public_id=str(uuid.uuid4()), campaign_id=campaign.id, candidate_id=candidate.id,
                              identity=identity, round=round_, status="draft", **guardian)
    session.add(application)
    session.flush()
    activity.record(session, username=f"parent:{parent_id}", role="parent", action="application_create",
                    campaign_id=campaign.id, application_id=application.id)
    return application


def update_candidate(session: Session, application: Application, data: Mapping[str, Any], today: dt.date) -> None:
    """Correct the child's and the parent's details of an application still in preparation."""
    _require_editable(application, today)
    child, guardian, identity = _candidate_fields(session, application.campaign, data, application)
    for name, value in child.items():
        setattr(application.candidate, name, value)
    for name, value in guardian.items():
        setattr(application, name, value)
    application.identity = identity
    session.flush()


def save_preferences(session: Session, application: Application, choices: Sequence[str], today: dt.date) -> None:
    """Replace the ordered list (``choices[0]`` is the first choice; empty slots are skipped).

    Each entry must be a class of this campaign, listed once; the classes may belong to at most
    the campaign's number of schools. In the supplementary round only classes with free seats count.
    """
    _require_editable(application, today)
    campaign = application.campaign
    offered = {str(c.id): c for c in session.scalars(select(OfferedClass).where(
        OfferedClass.campaign_id == campaign.id))}
    free = None
    if application.round == "supplementary":
        from hub.recruitment.results.queries import free_seats

        free = free_seats(session, campaign)
    errors = []
    chosen: list[OfferedClass] = []
    seen: dict[str, int] = {}
    for slot, value in enumerate(choices, start=1):
        value = (value or "").strip()
        if not value:
            continue
        field, label = f"choice_{slot}", N_("choice {n}")
        if value not in offered:
            errors.append(error(field, "unknown", N_("choose a class from the list"), label, n=slot))
        elif value in seen:
            errors.append(error(field, "duplicate", N_("this class is already choice {first}"), label, n=slot,
                                first=seen[value]))
        elif free is not None and free.get(offered[value].id, 0) <= 0:
            errors.append(error(field, "full", N_("this class has no free seats in the supplementary round"), label,
                                n=slot))
        else:
            seen[value] = slot
            chosen.append(offered[value])
    if not chosen and not errors:
        errors.append(error("choice_1", "required", N_("choose at least one class"), N_("choice {n}"), n=1))
    errors += _catchment_errors(session, application, chosen, choices)
    schools = list(dict.fromkeys(c.rspo for c in chosen))
    if len(schools) > campaign.max_schools:
        errors.append(error("choice_1", "schools", N_("you may choose classes in at most {max} schools"),
                            N_("preferences"), max=campaign.max_schools))
    if errors:
        raise RecruitmentError(errors)
    session.execute(delete(Preference).where(Preference.application_id == application.id))
    session.flush()
    session.expire(application, ["preferences"])
    session.add_all(Preference(application_id=application.id, rank=rank, class_id=c.id)
                    for rank, c in enumerate(chosen, start=1))
    application.first_choice_rspo = chosen[0].rspo
    session.flush()
    session.expire(application, ["preferences"])


def save_declarations(session: Session, application: Application, codes: Sequence[str], today: dt.date) -> None:
    """Replace the criteria the parent declares (each one of the campaign's criteria in effect)."""
    _require_editable(application, today)
    known = {c.code for c in campaign_criteria(session, application.campaign)}
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise fail("criteria", "unknown", N_("unknown criterion: {code}"), N_("criteria"), code=unknown[0])
    keep = {d.code: d for d in application.declarations}
    for code, declaration in keep.items():
        if code not in codes:
            session.delete(declaration)
    for code in dict.fromkeys(codes):
        if code in keep:
            keep[code].status, keep[code].reason = "declared", None
        else:
            session.add(Declaration(application_id=application.id, code=code))
    session.flush()
    session.expire(application, ["declarations"])


def _catchment_errors(session: Session, application: Application, chosen: Sequence[OfferedClass],
                      choices: Sequence[str] | None = None) -> list:
    """Grade 1: a school whose obwód holds the child's address is no choice (admission on notification)."""
    if application.campaign.level != "grade1":
        return []
    slots = {str(v).strip(): n for n, v in enumerate(choices or [str(c.id) for c in chosen], start=1)}
    areas = {c.rspo: parse_rules(c.streets)[0] for c in session.scalars(
        select(Catchment).where(Catchment.rspo.in_({o.rspo for o in chosen})))}
    return [error(f"choice_{slots.get(str(o.id), 1)}", "catchment", CATCHMENT, N_("choice {n}"),
                  n=slots.get(str(o.id), 1))
            for o in chosen if o.rspo in areas and in_catchment(areas[o.rspo], application.candidate.street,
                                                                application.candidate.city,
                                                                application.candidate.postal_code)]


def submit(session: Session, application: Application, data: Mapping[str, Any], today: dt.date) -> None:
    """Submit a complete application: at least one preference and the statement of truth accepted."""
    _require_editable(application, today)
    fields = Fields(data)
    if not application.preferences:
        fields.add("preferences", "required", N_("choose at least one class before submitting"), N_("preferences"))
    # the address may have changed since the preferences were saved
    fields.errors += _catchment_errors(session, application, [p.offered for p in application.preferences])
    if not fields.flag("statement"):
        fields.add("statement", "required", REQUIRED, N_("statement"))
    fields.check()
    application.statement_accepted = True
    application.status, application.submitted_at, application.returned_reason = "submitted", utcnow(), None
    activity.record(session, username=f"parent:{application.candidate.parent_id}", role="parent",
                    action="application_submit", campaign_id=application.campaign_id, application_id=application.id)


def withdraw_for_corrections(session: Session, application: Application, today: dt.date) -> None:
    """Take a submitted application back to correct it (the school's verification starts again)."""
    require(application.campaign, "apply", application.round, today)
    if application.status not in ("submitted", "verified"):
        raise fail("status", "not_submitted", N_("only a submitted application can be withdrawn"), N_("application"))
    application.status, application.submitted_at = "draft", None
    application.verified_at = application.verified_by = None
    for declaration in application.declarations:
        declaration.status, declaration.reason, declaration.decided_by, declaration.decided_at = \
            "declared", None, None, None


def confirm_will(session: Session, application: Application, today: dt.date, *, by: str) -> None:
    """Confirm the will to attend the class the candidate qualified for (by the deadline)."""
    from hub.recruitment.results.queries import published_run

    require(application.campaign, "confirm", application.round, today)
    run = published_run(session, application.campaign, application.round)
    if run is None or application.qualified_class_id is None:
        raise fail("confirmation", "not_qualified", N_("the candidate has not qualified for any class"),
                   N_("confirmation of will"))
    if application.confirmed_at is not None:
        raise fail("confirmation", "done", N_("the will has already been confirmed"), N_("confirmation of will"))
    application.confirmed_at, application.confirmed_by = utcnow(), by[:80]
    activity.record(session, username=by, role="parent" if by.startswith("parent:") else "school",
                    action="confirm_will", campaign_id=application.campaign_id, application_id=application.id)


def join_supplementary(session: Session, application: Application, today: dt.date) -> None:
    """Move a candidate not admitted in the main round into the supplementary round (new preferences)."""
    require(application.campaign, "apply", "supplementary", today)
    if application.round != "main" or application.admitted:
        raise fail("round", "not_eligible",
                   N_("only a candidate not admitted in the main round can join the supplementary round"),
                   N_("supplementary round"))
    session.execute(delete(Preference).where(Preference.application_id == application.id))
    application.round, application.status = "supplementary", "draft"
    application.qualified_class_id = application.confirmed_at = application.confirmed_by = None
    application.submitted_at = application.verified_at = application.verified_by = None
    session.flush()
    session.expire(application, ["preferences"])
