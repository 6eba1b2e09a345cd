"""All writes of the campaign set-up: campaigns, timetables, the offer, criteria settings, school accounts.

Each function validates the raw form values first and raises :class:`RecruitmentError` naming
every bad field before it writes anything; the caller's transaction makes the write all or
nothing. Criteria and their points are dated settings kept with their history (never edited in
place): a new row with a later ``valid_from`` replaces an older one for campaigns starting after it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth import operations as auth_ops
from hub.db import utcnow
from hub.fleet.models import Institution
from hub.recruitment import activity
from hub.recruitment.catchment import parse_rules
from hub.recruitment.errors import RecruitmentError, error, fail
from hub.recruitment.models import (
    LEVELS,
    STAGES,
    Application,
    Campaign,
    CampaignStage,
    Catchment,
    CriterionSetting,
    OfferedClass,
    Preference,
    SchoolRecruiter,
)
from hub.recruitment.parse import Fields
from hub.recruitment.points import STATUTORY_CRITERIA
from hub.recruitment.stages import STAGE_LABELS, check_timetable
from hub.sync.downlink import STANDARD_SUBJECTS
from protocol.i18n import N_

SCHOOL_ROLE = "school"
# Which institutions may offer places at each level (special schools run every kind of class).
LEVEL_KINDS = {"preschool": ("preschool", "primary", "special"), "grade1": ("primary", "special"),
               "secondary": ("secondary", "special")}
LEVEL_LABELS = {"preschool": N_("preschool"), "grade1": N_("grade 1 outside the catchment area"),
                "secondary": N_("secondary school")}
MAX_SECONDARY_SCHOOLS = 3  # the law: up to three secondary schools
# Subjects a secondary class may count besides Polish and maths (always counted).
EXTRA_SUBJECTS = tuple(code for code, _name in STANDARD_SUBJECTS if code not in ("pol", "mat"))
_SCHOOL_YEAR = re.compile(r"([0-9]{4})/([0-9]{4})")
_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")

# The seven statutory criteria (art. 131 ust. 2) with the statements the law asks for (art. 150 ust. 2).
STATUTORY_TEXTS = {
    "large_family": (N_("Large family (three or more children)"), N_("Statement of a large family")),
    "candidate_disability": (N_("Disability of the candidate"), N_("Disability certificate of the candidate")),
    "one_parent_disability": (N_("Disability of one of the candidate's parents"),
                              N_("Disability certificate of the parent")),
    "both_parents_disability": (N_("Disability of both of the candidate's parents"),
                                N_("Disability certificates of both parents")),
    "sibling_disability": (N_("Disability of the candidate's sibling"), N_("Disability certificate of the sibling")),
    "single_parent": (N_("Single parent bringing up the candidate"),
                      N_("Final divorce or separation judgment or death certificate, and a statement of not "
                         "bringing up a child together with its other parent")),
    "foster_care": (N_("Candidate in foster care"), N_("Document confirming foster care")),
}


def _actor(session: Session, by: str, action: str, campaign_id: int | None = None, detail: str | None = None,
           application_id: int | None = None) -> None:
    activity.record(session, username=by, role="admin", action=action, campaign_id=campaign_id, detail=detail,
                 application_id=application_id)


def _school_year(fields: Fields) -> str | None:
    value = fields.raw("school_year")
    match = _SCHOOL_YEAR.fullmatch(value)
    if match is None or int(match.group(2)) != int(match.group(1)) + 1:
        fields.add("school_year", "school_year", N_("use the form 2027/2028"), N_("school year"))
        return None
    return value


def create_campaign(session: Session, data: Mapping[str, Any], *, by: str) -> Campaign:
    """A new campaign (name, level, school year, schools per candidate, the optional city lottery seed)."""
    fields = Fields(data)
    name = fields.text("name", N_("campaign name"), max_length=200)
    level = fields.choice("level", N_("level"), LEVELS)
    year = _school_year(fields)
    limit = MAX_SECONDARY_SCHOOLS if level == "secondary" else 10
    max_schools = fields.integer("max_schools", N_("schools a candidate may list"), minimum=1, maximum=limit)
    seed = fields.integer("lottery_seed", N_("lottery seed"), minimum=0, maximum=2**31 - 1, required=False)
    fields.check()
    campaign = Campaign(name=name, level=level, school_year=year, max_schools=max_schools, lottery_seed=seed,
                        created_by=by[:64])
    session.add(campaign)
    session.flush()
    _actor(session, by, "campaign_create", campaign.id)
    return campaign


def set_lottery(session: Session, campaign: Campaign, data: Mapping[str, Any], *, by: str) -> None:
    """Record (or clear) the seed of the single lottery the city adopted to break exact ties."""
    fields = Fields(data)
    seed = fields.integer("lottery_seed", N_("lottery seed"), minimum=0, maximum=2**31 - 1, required=False)
    fields.check()
    campaign.lottery_seed = seed
    _actor(session, by, "lottery_set", campaign.id, detail=str(seed))


def save_timetable(session: Session, campaign: Campaign, data: Mapping[str, Any], *, by: str) -> None:
    """Replace the campaign's timetable: every stage with its first and last day, in order, not overlapping.

    The city may amend its timetable at any time (a new ordinance); each change is logged.
    """
    fields = Fields(data)
    dates = {name: (fields.day(f"{name}_starts_on", STAGE_LABELS[name]), fields.day(f"{name}_ends_on",
                                                                                       STAGE_LABELS[name]))
             for name in STAGES}
    fields.check()
    problems = check_timetable(dates)
    if problems:
        raise RecruitmentError(problems)
    existing = {stage.stage: stage for stage in campaign.stages}
    for name in STAGES:
        start, end = dates[name]
        stage = existing.get(name)
        if stage is None:
            campaign.stages.append(CampaignStage(stage=name, starts_on=start, ends_on=end))
        else:
            stage.starts_on, stage.ends_on = start, end
    session.flush()
    session.expire(campaign, ["stages"])
    _actor(session, by, "timetable_save", campaign.id)


def save_class(session: Session, campaign: Campaign, data: Mapping[str, Any], *, by: str,
               offered: OfferedClass | None = None) -> OfferedClass:
    """Add a class (or group) to the campaign's offer, or change one: school, name, seats, subjects, test."""
    fields = Fields(data)
    rspo = fields.text("rspo", N_("school"), max_length=10)
    name = fields.text("name", N_("class name"), max_length=100)
    seats = fields.integer("seats", N_("seats"), minimum=1, maximum=999)
    subjects: tuple[str | None, str | None] = (None, None)
    if campaign.level == "secondary":
        subjects = (fields.choice("subject_1", N_("first subject counted"), EXTRA_SUBJECTS),
                    fields.choice("subject_2", N_("second subject counted"), EXTRA_SUBJECTS))
        if subjects[0] and subjects[0] == subjects[1]:
            fields.add("subject_2", "same", N_("choose a subject other than the first one"),
                       N_("second subject counted"))
    aptitude = fields.flag("aptitude_test")
    if rspo is not None:
        institution = session.get(Institution, rspo)
        if institution is None:
            fields.add("rspo", "unknown", N_("no institution with this RSPO number"), N_("school"))
        elif institution.kind not in LEVEL_KINDS[campaign.level]:
            fields.add("rspo", "kind", N_("this institution does not admit at this level"), N_("school"))
    if rspo and name:
        clash = session.scalar(select(OfferedClass.id).where(
            OfferedClass.campaign_id == campaign.id, OfferedClass.rspo == rspo, OfferedClass.name == name))
        if clash is not None and (offered is None or clash != offered.id):
            fields.add("name", "taken", N_("this school already offers a class of this name"), N_("class name"))
    fields.check()
    if offered is not None and offered.rspo != rspo and _chosen(session, offered):
        raise fail("rspo", "in_use", N_("candidates have already chosen this class; its school cannot change"),
                   N_("school"))
    if offered is None:
        offered = OfferedClass(campaign_id=campaign.id)
        campaign.classes.append(offered)
    offered.rspo, offered.name, offered.seats, offered.aptitude_test = rspo, name, seats, aptitude
    offered.subject_1, offered.subject_2 = subjects
    session.flush()
    _actor(session, by, "class_save", campaign.id, detail=f"class {offered.id}")
    return offered


def _chosen(session: Session, offered: OfferedClass) -> bool:
    return session.scalar(select(Preference.id).where(Preference.class_id == offered.id).limit(1)) is not None


def delete_class(session: Session, offered: OfferedClass, *, by: str) -> None:
    """Remove a class nobody has chosen yet."""
    if _chosen(session, offered):
        raise fail("class", "in_use", N_("candidates have already chosen this class; it cannot be removed"),
                   N_("class"))
    _actor(session, by, "class_delete", offered.campaign_id, detail=f"class {offered.id}")
    session.delete(offered)
    session.flush()


def save_criterion(session: Session, data: Mapping[str, Any], *, by: str) -> CriterionSetting:
    """Add a dated criterion setting (level, code, kind, wording, evidence, points, valid from, withdrawn)."""
    fields = Fields(data)
    level = fields.choice("level", N_("level"), LEVELS)
    kind = fields.choice("kind", N_("kind of criterion"), ("statutory", "municipal"))
    code = fields.raw("code")
    label = fields.text("label", N_("criterion"), max_length=300)
    evidence = fields.text("evidence", N_("document or statement"), max_length=500)
    valid_from = fields.day("valid_from", N_("valid from"))
    withdrawn = fields.flag("withdrawn")
    points = 1  # statutory criteria are of equal value: stage 1 counts them
    if kind == "statutory":
        if code not in STATUTORY_CRITERIA:
            fields.add("code", "statutory", N_("choose one of the seven statutory criteria"), N_("code"))
        if level == "grade1":
            fields.add("kind", "grade1", N_("grade 1 recruitment has only municipal criteria"),
                       N_("kind of criterion"))
    elif kind == "municipal":
        if not _CODE.fullmatch(code) or code in STATUTORY_CRITERIA:
            fields.add("code", "code", N_("use small letters, digits and _ (up to 40), starting with a letter"),
                       N_("code"))
        if level == "secondary":
            fields.add("kind", "secondary", N_("secondary recruitment has no municipal criteria"),
                       N_("kind of criterion"))
        points = fields.integer("points", N_("points"), minimum=0, maximum=1000) or 0
    if level and code and valid_from and session.scalar(select(CriterionSetting.id).where(
            CriterionSetting.level == level, CriterionSetting.code == code,
            CriterionSetting.valid_from == valid_from)) is not None:
        fields.add("valid_from", "taken", N_("this criterion already has a setting from this day"), N_("valid from"))
    fields.check()
    row = CriterionSetting(level=level, code=code, kind=kind, label=label, evidence=evidence, points=points,
                           valid_from=valid_from, withdrawn=withdrawn, created_by=by[:64])
    session.add(row)
    session.flush()
    _actor(session, by, "criterion_save", detail=f"{level}:{code}:{valid_from}")
    return row


def add_statutory(session: Session, level: str, valid_from: dt.date, *, by: str,
                  gettext: Any = lambda s: s) -> int:
    """Add the seven statutory criteria for ``level`` from ``valid_from`` (those not set that day); return how many."""
    added = 0
    for code in STATUTORY_CRITERIA:
        label, evidence = STATUTORY_TEXTS[code]
        exists = session.scalar(select(CriterionSetting.id).where(
            CriterionSetting.level == level, CriterionSetting.code == code, CriterionSetting.valid_from == valid_from))
        if exists is None:
            save_criterion(session, {"level": level, "kind": "statutory", "code": code, "label": gettext(label),
                                     "evidence": gettext(evidence), "valid_from": valid_from.isoformat()}, by=by)
            added += 1
    return added


def create_school_account(session: Session, data: Mapping[str, Any], *, by: str) -> SchoolRecruiter:
    """A hub account of role ``school`` tied to one institution (its staff verify their first-choice applications)."""
    fields = Fields(data)
    rspo = fields.text("rspo", N_("school"), max_length=10)
    if rspo is not None and session.get(Institution, rspo) is None:
        fields.add("rspo", "unknown", N_("no institution with this RSPO number"), N_("school"))
    display_name = fields.text("display_name", N_("full name"), max_length=200)
    username, password = fields.raw("username"), str(data.get("password") or "")
    if not username:
        fields.add("username", "required", N_("this field is required"), N_("user name"))
    fields.check()
    try:
        user = auth_ops.create_user(session, username=username, display_name=display_name or "", role=SCHOOL_ROLE,
                                    password=password)
    except auth_ops.AccountError as exc:
        label = {"username": N_("user name"), "password": N_("password")}.get(exc.field, N_("account"))
        raise RecruitmentError([error(exc.field, "account", exc.message, label)]) from None
    link = SchoolRecruiter(user_id=user.id, rspo=rspo)
    session.add(link)
    session.flush()
    _actor(session, by, "school_account_create", detail=f"user {user.id} rspo {rspo}")
    return link


def save_catchment(session: Session, data: Mapping[str, Any], *, by: str) -> Catchment | None:
    """Set a school's catchment area (obwód) from the council's resolution, one street a line.

    Every bad line is named; an empty text removes the school's obwód (None is returned then).
    """
    fields = Fields(data)
    rspo = fields.text("rspo", N_("school"), max_length=10)
    if rspo is not None and session.get(Institution, rspo) is None:
        fields.add("rspo", "unknown", N_("no institution with this RSPO number"), N_("school"))
    text = str(data.get("streets") or "").strip()
    fields.errors += parse_rules(text)[1]
    fields.check()
    assert rspo is not None
    found = session.get(Catchment, rspo)
    if not text:
        if found is not None:
            session.delete(found)
        _actor(session, by, "catchment_clear", detail=f"rspo {rspo}")
        return None
    found = found or Catchment(rspo=rspo)
    found.streets, found.updated_by, found.updated_at = text, by[:64], utcnow()
    session.add(found)
    session.flush()
    _actor(session, by, "catchment_save", detail=f"rspo {rspo}")
    return found


def set_complaint(session: Session, application: Application, data: Mapping[str, Any], *, by: str) -> None:
    """Flag (or unflag) a complaint or court case about an application: its data outlives the retention year."""
    fields = Fields(data)
    flagged = fields.flag("complaint")
    note = fields.text("complaint_note", N_("note"), required=flagged, max_length=500)
    fields.check()
    application.complaint, application.complaint_note = flagged, note if flagged else None
    _actor(session, by, "complaint_set" if flagged else "complaint_clear", application.campaign_id,
           application_id=application.id)

