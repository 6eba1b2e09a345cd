"""Retention of recruitment data (BRIEF §4 "Records and retention"; Prawo oświatowe art. 160 ust. 3).

Personal data of candidates who were not admitted is kept for one year from the end of the
campaign (the last day of its timetable), longer only while a complaint or court case about the
candidate is flagged. :func:`purge_expired` deletes such applications (their preferences,
declarations, evidence and aptitude results go with them), then every candidate left without an
application. Admitted pupils' data stays: it went to their school, whose records rules apply.
Allocation runs stay as they are: they hold only application numbers and keys, no names.

The function is what ``zszo recruitment purge`` and a scheduler call; it never reads the clock
itself (the caller passes ``today``) and deletes everything or nothing in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.recruitment import activity
from hub.recruitment.models import Application, Campaign, Candidate
from hub.recruitment.stages import campaign_end


def one_year_after(day: dt.date) -> dt.date:
    """The same date a year later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def purge_due(campaign: Campaign) -> dt.date | None:
    """The first day the campaign's non-admitted candidates may be deleted (None without a timetable)."""
    end = campaign_end(campaign)
    return None if end is None else one_year_after(end) + dt.timedelta(days=1)


@dataclass
class PurgeReport:
    """What a purge deleted (or, in a dry run, would delete) and what it kept because of complaints."""

    campaigns: list[int] = field(default_factory=list)
    applications: int = 0
    candidates: int = 0
    kept_for_complaints: int = 0


def purge_expired(session: Session, today: dt.date, *, dry_run: bool = False, by: str = "retention") -> PurgeReport:
    """Delete non-admitted candidates' data of every campaign due on ``today`` unless a complaint is flagged."""
    report = PurgeReport()
    doomed: dict[int, list[int]] = {}  # campaign -> applications
    for campaign in session.scalars(select(Campaign).order_by(Campaign.id)):
        due = purge_due(campaign)
        if due is None or today < due:
            continue
        rows = session.execute(select(Application.id, Application.complaint).where(
            Application.campaign_id == campaign.id, Application.admitted.is_(False))).all()
        report.kept_for_complaints += sum(1 for _id, complaint in rows if complaint)
        ids = [app_id for app_id, complaint in rows if not complaint]
        if ids:
            doomed[campaign.id] = ids
    going = {app_id for ids in doomed.values() for app_id in ids}
    report.campaigns = sorted(doomed)
    report.applications = len(going)
    if not going:
        return report
    owners = set(session.scalars(select(Application.candidate_id).where(Application.id.in_(going))))
    kept = set(session.scalars(select(Application.candidate_id).where(
        Application.candidate_id.in_(owners), Application.id.not_in(going))))
    report.candidates = len(owners - kept)
    if dry_run:
        return report
    for application in session.scalars(select(Application).where(Application.id.in_(going))):
        session.delete(application)  # the ORM cascade removes its preferences, declarations, evidence, tests
    session.flush()
    session.execute(delete(Candidate).where(Candidate.id.in_(owners - kept)))
    for campaign_id, ids in doomed.items():
        activity.record(session, username=by, role="system", action="retention_purge", campaign_id=campaign_id,
                        detail=f"{len(ids)} applications")
    return report
