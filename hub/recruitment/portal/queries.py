"""Reads for the parents' pages: a parent's applications, an application's status and the actions
open to the parent today. Read-only; ownership is the caller's check (:func:`own_application`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hub.recruitment.models import Application, Campaign, Candidate
from hub.recruitment.results.queries import published_run
from hub.recruitment.stages import allowed


def own_application(session: Session, parent_id: int, application_id: int) -> Application | None:
    """The application if it belongs to one of the parent's candidates, else None (never someone else's)."""
    return session.scalar(select(Application).join(Candidate, Candidate.id == Application.candidate_id)
                          .where(Application.id == application_id, Candidate.parent_id == parent_id))


def parent_applications(session: Session, parent_id: int) -> list[Application]:
    """The parent's applications, newest campaign first."""
    return list(session.scalars(
        select(Application).join(Candidate, Candidate.id == Application.candidate_id)
        .where(Candidate.parent_id == parent_id)
        .options(selectinload(Application.candidate), selectinload(Application.campaign))
        .order_by(Application.campaign_id.desc(), Application.id)))


def open_campaigns(session: Session) -> list[Campaign]:
    """Campaigns with a timetable (the ones parents can read about and apply in during their stage)."""
    return [c for c in session.scalars(select(Campaign).order_by(Campaign.school_year.desc(), Campaign.name))
            if c.stages]


def status(session: Session, application: Application) -> str:
    """Where the application stands, as a code the pages explain in words."""
    run = published_run(session, application.campaign, application.round)
    if run is not None and application.status == "verified":
        if run.admitted_published_at is not None:
            return "admitted" if application.admitted else "not_admitted"
        if application.qualified_class_id is None:
            return "not_qualified"
        return "confirmed" if application.confirmed_at is not None else "qualified"
    return application.status


@dataclass(frozen=True)
class Actions:
    """What the parent can do with the application today (the server checks again on each POST)."""

    edit: bool
    submit: bool
    withdraw: bool
    confirm: bool
    supplementary: bool
    justification: bool


def actions(session: Session, application: Application, today: dt.date) -> Actions:
    """The actions open today, from the timetable and the application's state."""
    campaign, round_ = application.campaign, application.round
    editing_window = allowed(campaign, "correct" if application.status == "returned" else "apply", round_, today)
    editable = application.status in ("draft", "returned") and editing_window
    now = status(session, application)
    return Actions(
        edit=editable,
        submit=editable,
        withdraw=application.status in ("submitted", "verified") and allowed(campaign, "apply", round_, today),
        confirm=now == "qualified" and allowed(campaign, "confirm", round_, today),
        supplementary=(round_ == "main" and now in ("not_admitted", "not_qualified")
                       and allowed(campaign, "apply", "supplementary", today)),
        justification=now in ("admitted", "not_admitted") and allowed(campaign, "justification", round_, today),
    )
