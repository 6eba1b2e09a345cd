"""From verified applications to the allocation's input: seats per class, preferences and keys.

Only verified applications of the round take part, and only criteria the school confirmed count.
Classes with an aptitude test are kept on a candidate's list only when the candidate passed it.
The keys come from :mod:`hub.recruitment.points` (secondary: per class, because each class counts
its own two subjects; preschool and grade 1: the same key for every class) with the municipal
points of the criteria settings in effect for the campaign. Nothing here looks at when or in what
order applications were submitted. This module reads only; it never writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hub.recruitment.allocation import Applicant, ClassSeats
from hub.recruitment.audit_io import json_key
from hub.recruitment.campaign.queries import campaign_criteria
from hub.recruitment.models import Application, Campaign, OfferedClass, SecondaryEvidenceRow
from hub.recruitment.points import (
    ContestAward,
    SecondaryEvidence,
    SecondaryPoints,
    municipal_points,
    preschool_key,
    secondary_key,
    secondary_points,
)


def secondary_evidence(row: SecondaryEvidenceRow, offered: OfferedClass) -> SecondaryEvidence:
    """The points rules' evidence for one class: its two subjects' grades picked from the row."""
    grades = json.loads(row.subject_grades or "{}")
    contests = tuple(ContestAward(c["contest"], c["level"], c["points"]) for c in json.loads(row.contests or "[]"))

    def exam(value: str | None) -> Decimal | None:
        return None if value is None else Decimal(value)

    return SecondaryEvidence(
        polish_grade=row.grade_polish, maths_grade=row.grade_maths,
        class_subject_grades=(grades.get(offered.subject_1 or ""), grades.get(offered.subject_2 or "")),
        exam_polish=exam(row.exam_polish), exam_maths=exam(row.exam_maths), exam_language=exam(row.exam_language),
        language_grade=row.grade_language, distinction=bool(row.distinction), volunteering=bool(row.volunteering),
        contests=contests, olympiad=bool(row.olympiad),
    )


def class_points(row: SecondaryEvidenceRow, offered: OfferedClass) -> SecondaryPoints:
    """The candidate's points for ``offered`` (raises PointsInputError for evidence that cannot be scored)."""
    return secondary_points(secondary_evidence(row, offered))


def confirmed(application: Application) -> set[str]:
    """Codes of the criteria the school confirmed."""
    return {d.code for d in application.declarations if d.status == "confirmed"}


def candidate_keys(application: Application, classes: list[OfferedClass],
                   municipal: dict[str, int], statutory: set[str]) -> dict[str, tuple]:
    """The key for each of ``classes`` (class number as text → key tuple)."""
    level = application.campaign.level
    met = confirmed(application)
    if level == "secondary":
        row = application.evidence
        assert row is not None, "a verified secondary application has its evidence"
        return {str(c.id): secondary_key(class_points(row, c), bool(row.olympiad),
                                         health_limited=bool(row.health_limited), statutory=met & statutory)
                for c in classes}
    stage1 = met & statutory if level == "preschool" else set()
    stage2 = municipal_points(met & municipal.keys(), municipal)
    key = preschool_key(stage1, stage2)
    return {str(c.id): key for c in classes}


@dataclass
class RoundInput:
    """The allocation's input for one round, and what was left out and why."""

    classes: list[ClassSeats]
    candidates: list[Applicant]
    not_verified: int = 0
    dropped: dict[int, list[int]] = field(default_factory=dict)  # application -> classes left out (aptitude)

    def to_json(self, lottery_seed: int | None) -> str:
        """The input in the format of ``zszo recruitment allocate`` (for the audit trail)."""
        body = {
            "classes": [{"id": c.id, "seats": c.seats} for c in self.classes],
            "candidates": [{"id": a.id, "preferences": list(a.preferences),
                            "keys": {cid: json_key(key) for cid, key in a.keys.items()}} for a in self.candidates],
            "lottery_seed": lottery_seed,
        }
        return json.dumps(body, ensure_ascii=False, indent=1)


def round_input(session: Session, campaign: Campaign, round_: str, seats: dict[int, int]) -> RoundInput:
    """Classes with ``seats`` (class id → seats this round) and the round's verified candidates."""
    criteria = campaign_criteria(session, campaign)
    municipal = {c.code: c.points for c in criteria if c.kind == "municipal"}
    statutory = {c.code for c in criteria if c.kind == "statutory"}
    classes = list(session.scalars(select(OfferedClass).where(OfferedClass.campaign_id == campaign.id)
                                   .order_by(OfferedClass.id)))
    result = RoundInput([ClassSeats(str(c.id), max(0, seats.get(c.id, 0))) for c in classes], [])
    applications = session.scalars(
        select(Application).where(Application.campaign_id == campaign.id, Application.round == round_,
                                  Application.status != "draft")
        .options(selectinload(Application.preferences), selectinload(Application.declarations),
                 selectinload(Application.evidence), selectinload(Application.aptitude))
        .order_by(Application.id))
    for application in applications:
        if application.status != "verified":
            result.not_verified += 1
            continue
        passed = {a.class_id for a in application.aptitude if a.passed}
        listed = []
        for preference in application.preferences:
            if preference.offered.aptitude_test and preference.class_id not in passed:
                result.dropped.setdefault(application.id, []).append(preference.class_id)
            else:
                listed.append(preference.offered)
        keys = candidate_keys(application, listed, municipal, statutory)
        result.candidates.append(Applicant(str(application.id), tuple(str(c.id) for c in listed), keys))
    return result
