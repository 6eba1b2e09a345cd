"""Reads of the campaign set-up: campaigns, the offer by school, the criteria in effect on a day.

Read-only; never writes, never logs (the views decide what is logged).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.fleet.models import Institution
from hub.recruitment.models import Application, Campaign, CriterionSetting, OfferedClass, SchoolRecruiter
from hub.recruitment.stages import reference_day


def campaigns(session: Session) -> list[Campaign]:
    """Every campaign, newest school year first."""
    return list(session.scalars(select(Campaign).order_by(Campaign.school_year.desc(), Campaign.id.desc())))


def criteria_in_effect(session: Session, level: str, on: dt.date) -> list[CriterionSetting]:
    """For each criterion of ``level``, the setting with the latest ``valid_from`` on or before ``on``
    (criteria withdrawn by then are left out); statutory first, then by code."""
    rows = session.scalars(select(CriterionSetting).where(CriterionSetting.level == level,
                                                          CriterionSetting.valid_from <= on)
                           .order_by(CriterionSetting.code, CriterionSetting.valid_from))
    latest: dict[str, CriterionSetting] = {}
    for row in rows:
        latest[row.code] = row
    chosen = [row for row in latest.values() if not row.withdrawn]
    return sorted(chosen, key=lambda r: (r.kind != "statutory", r.code))


def campaign_criteria(session: Session, campaign: Campaign) -> list[CriterionSetting]:
    """The criteria that apply to ``campaign``: those in effect on its first day of applications."""
    day = reference_day(campaign)
    return [] if day is None else criteria_in_effect(session, campaign.level, day)


def criteria_history(session: Session) -> list[CriterionSetting]:
    """Every criterion setting ever made, by level, code and date."""
    return list(session.scalars(select(CriterionSetting).order_by(
        CriterionSetting.level, CriterionSetting.code, CriterionSetting.valid_from)))


@dataclass(frozen=True)
class SchoolOffer:
    """One school's classes in a campaign."""

    rspo: str
    name: str
    classes: list[OfferedClass]


def offer(session: Session, campaign: Campaign) -> list[SchoolOffer]:
    """The campaign's classes grouped by school, schools and classes by name."""
    rows = session.execute(select(OfferedClass, Institution.name).join(Institution,
                                                                      Institution.rspo == OfferedClass.rspo)
                           .where(OfferedClass.campaign_id == campaign.id)
                           .order_by(Institution.name, OfferedClass.name)).all()
    grouped: dict[str, SchoolOffer] = {}
    for offered, school_name in rows:
        grouped.setdefault(offered.rspo, SchoolOffer(offered.rspo, school_name, [])).classes.append(offered)
    return list(grouped.values())


def school_names(session: Session) -> dict[str, str]:
    """Institution names by RSPO."""
    return dict(session.execute(select(Institution.rspo, Institution.name)).all())


def institutions_for(session: Session, kinds: tuple[str, ...]) -> list[Institution]:
    """Institutions of the given kinds, by name."""
    return list(session.scalars(select(Institution).where(Institution.kind.in_(kinds)).order_by(Institution.name)))


def application_counts(session: Session, campaign: Campaign) -> dict[str, int]:
    """How many applications the campaign has in each status."""
    rows = session.execute(select(Application.status, func.count()).where(Application.campaign_id == campaign.id)
                           .group_by(Application.status)).all()
    return dict(rows)


def school_accounts(session: Session) -> list[tuple[SchoolRecruiter, str, str]]:
    """(link, user name, school name) of every school recruitment account."""
    from hub.auth.models import HubUser

    rows = session.execute(select(SchoolRecruiter, HubUser.username, Institution.name)
                           .join(HubUser, HubUser.id == SchoolRecruiter.user_id)
                           .join(Institution, Institution.rspo == SchoolRecruiter.rspo)
                           .order_by(Institution.name, HubUser.username)).all()
    return list(rows)
