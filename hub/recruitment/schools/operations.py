"""All writes of the schools' side: verifying an application and its evidence, or returning it.

Only the school of first choice verifies (the views check it on the server with
:func:`may_handle`). A criterion not confirmed always carries the reason. For secondary
candidates the school enters the exam results and certificate grades; they are scored with
:mod:`hub.recruitment.points` for every class the candidate listed before anything is saved, so
evidence that cannot be scored is refused field by field and nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import HubUser
from hub.db import utcnow
from hub.recruitment import activity
from hub.recruitment.campaign.queries import campaign_criteria
from hub.recruitment.errors import REQUIRED, TOO_LONG, fail
from hub.recruitment.models import Application, AptitudeResult, SchoolRecruiter, SecondaryEvidenceRow
from hub.recruitment.parse import Fields
from hub.recruitment.points import PointsInputError
from hub.recruitment.stages import require
from hub.sync.downlink import STANDARD_SUBJECTS
from protocol.i18n import N_

MAX_CONTESTS = 6
SUBJECT_NAMES = dict(STANDARD_SUBJECTS)
EXAM_PARTS = ("polish", "maths", "language")
EXAM_LABELS = {"polish": N_("exam result in per cent: Polish"), "maths": N_("exam result in per cent: mathematics"),
               "language": N_("exam result in per cent: foreign language")}
GRADE_LABELS = {"polish": N_("certificate grade: Polish"), "maths": N_("certificate grade: mathematics"),
                "language": N_("certificate grade: foreign language")}


def subject_name(code: str) -> str:
    """The subject's name in the city's dictionary (the code when it is not there)."""
    return SUBJECT_NAMES.get(code, code)


def school_of(session: Session, user: HubUser) -> str | None:
    """The RSPO of the institution a ``school`` account works for (None when it has none)."""
    return session.scalar(select(SchoolRecruiter.rspo).where(SchoolRecruiter.user_id == user.id))


def may_handle(application: Application, rspo: str | None) -> bool:
    """True when ``rspo`` is the application's first choice and the parent has submitted it."""
    return rspo is not None and application.first_choice_rspo == rspo and application.status != "draft"


def subjects_needed(application: Application) -> list[str]:
    """Subject codes the candidate's listed classes count (secondary), in first-seen order."""
    codes: list[str] = []
    for preference in application.preferences:
        for code in (preference.offered.subject_1, preference.offered.subject_2):
            if code and code not in codes:
                codes.append(code)
    return codes


def _grade(fields: Fields, name: str, label: str, *, required: bool = True, **params: object) -> int | None:
    return fields.integer(name, label, minimum=2, maximum=6, required=required, params=params)


def _evidence(fields: Fields, application: Application) -> dict[str, Any]:
    """Read the secondary evidence fields into the evidence row's values."""
    values: dict[str, Any] = {}
    for part in EXAM_PARTS:
        exempt = fields.flag(f"exempt_{part}")
        result = fields.percent(f"exam_{part}", EXAM_LABELS[part])
        if not exempt and result is None and not fields.raw(f"exam_{part}"):
            fields.add(f"exam_{part}", "required", N_("enter the result or mark the exemption"), EXAM_LABELS[part])
        values[f"exam_{part}"] = None if exempt else (str(result) if result is not None else None)
    values["grade_polish"] = _grade(fields, "grade_polish", GRADE_LABELS["polish"])
    values["grade_maths"] = _grade(fields, "grade_maths", GRADE_LABELS["maths"])
    values["grade_language"] = _grade(fields, "grade_language", GRADE_LABELS["language"],
                                      required=fields.flag("exempt_language"))
    grades = {}
    for code in subjects_needed(application):
        grade = _grade(fields, f"grade_{code}", N_("certificate grade: {subject}"), subject=subject_name(code))
        if grade is not None:
            grades[code] = grade
    values["subject_grades"] = json.dumps(grades, sort_keys=True)
    contests = []
    for i in range(1, MAX_CONTESTS + 1):
        name, level = fields.raw(f"contest_{i}_name"), fields.raw(f"contest_{i}_level")
        if not (name or level or fields.raw(f"contest_{i}_points")):
            continue
        row = {"n": i}
        name_ok = fields.text(f"contest_{i}_name", N_("contest {n}: name"), max_length=200, params=row)
        level_ok = fields.text(f"contest_{i}_level", N_("contest {n}: level"), max_length=100, params=row)
        points = fields.integer(f"contest_{i}_points", N_("contest {n}: points"), minimum=1, maximum=10,
                                params=row)
        if name_ok and level_ok and points:
            contests.append({"contest": name_ok, "level": level_ok, "points": points})
    values["contests"] = json.dumps(contests, ensure_ascii=False)
    for flag in ("distinction", "volunteering", "olympiad", "health_limited"):
        values[flag] = fields.flag(flag)
    return values


def save_verification(session: Session, application: Application, data: Mapping[str, Any], *, by: str,
                      today: dt.date) -> None:
    """Record the school's decision on every declared criterion (with reasons), the secondary evidence
    and aptitude test results, and mark the application verified."""
    require(application.campaign, "verify", application.round, today)
    if application.status not in ("submitted", "verified"):
        raise fail("status", "not_submitted", N_("the application is not waiting for verification"),
                   N_("application"))
    fields = Fields(data)
    criterion_labels = {c.code: c.label for c in campaign_criteria(session, application.campaign)}
    decisions: dict[str, tuple[str, str | None]] = {}
    for declaration in application.declarations:
        label, named = N_("criterion: {criterion}"), {"criterion": criterion_labels.get(declaration.code,
                                                                                       declaration.code)}
        decision = fields.choice(f"decision_{declaration.code}", label, ("confirmed", "not_confirmed"),
                                 params=named)
        reason = fields.raw(f"reason_{declaration.code}")
        if decision == "not_confirmed" and not reason:
            fields.add(f"reason_{declaration.code}", "required", N_("give the reason the criterion is not confirmed"),
                       label, **named)
        elif len(reason) > 500:
            fields.add(f"reason_{declaration.code}", "too_long", TOO_LONG, label, max=500, **named)
        if decision:
            decisions[declaration.code] = (decision, reason if decision == "not_confirmed" else None)
    aptitude: dict[int, bool] = {}
    evidence: dict[str, Any] | None = None
    if application.campaign.level == "secondary":
        for preference in application.preferences:
            if preference.offered.aptitude_test:
                name = f"aptitude_{preference.class_id}"
                outcome = fields.choice(name, N_("aptitude test"), ("passed", "failed"))
                if outcome:
                    aptitude[preference.class_id] = outcome == "passed"
        evidence = _evidence(fields, application)
    fields.check()
    if evidence is not None:
        _check_scores(application, evidence)
    now = utcnow()
    for declaration in application.declarations:
        declaration.status, declaration.reason = decisions[declaration.code]
        declaration.decided_by, declaration.decided_at = by[:64], now
    if evidence is not None:
        row = application.evidence or SecondaryEvidenceRow(application_id=application.id)
        for name, value in evidence.items():
            setattr(row, name, value)
        application.evidence = row
        existing = {a.class_id: a for a in application.aptitude}
        for class_id, passed in aptitude.items():
            if class_id in existing:
                existing[class_id].passed = passed
            else:
                application.aptitude.append(AptitudeResult(class_id=class_id, passed=passed))
    application.status, application.verified_at, application.verified_by = "verified", now, by[:64]
    application.returned_reason = None
    session.flush()
    activity.record(session, username=by, role="school", action="application_verify",
                    campaign_id=application.campaign_id, application_id=application.id)


def _check_scores(application: Application, evidence: dict[str, Any]) -> None:
    """Score the evidence for every listed class; raise the points rules' complaint as a field error."""
    from hub.recruitment.results.keys import class_points

    row = SecondaryEvidenceRow(**evidence)
    fields = {"polish_grade": "grade_polish", "maths_grade": "grade_maths", "language_grade": "grade_language"}
    for preference in application.preferences:
        offered = preference.offered
        try:
            class_points(row, offered)
        except PointsInputError as exc:
            subjects = {"class_subject_grades[0]": offered.subject_1, "class_subject_grades[1]": offered.subject_2}
            field = fields.get(exc.field) or (f"grade_{subjects[exc.field]}" if exc.field in subjects else exc.field)
            raise fail(field, "points", exc.message, N_("evidence"), **exc.params) from None


def return_application(session: Session, application: Application, data: Mapping[str, Any], *, by: str,
                       today: dt.date) -> None:
    """Send the application back to the parent for corrections, saying what to correct."""
    require(application.campaign, "verify", application.round, today)
    if application.status not in ("submitted", "verified"):
        raise fail("status", "not_submitted", N_("the application is not waiting for verification"),
                   N_("application"))
    reason = str(data.get("returned_reason") or "").strip()
    if not reason:
        raise fail("returned_reason", "required", REQUIRED, N_("what to correct"))
    if len(reason) > 500:
        raise fail("returned_reason", "too_long", TOO_LONG, N_("what to correct"), max=500)
    application.status, application.returned_reason = "returned", reason
    application.verified_at = application.verified_by = None
    activity.record(session, username=by, role="school", action="application_return",
                    campaign_id=application.campaign_id, application_id=application.id)
