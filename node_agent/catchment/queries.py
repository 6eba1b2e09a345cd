"""Reads for the catchment pages: the street rules, the listed children with their obwód check, the summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.catchment.models import CatchmentChild, CatchmentStreet
from node_agent.catchment.rules import IntakeSummary, StreetRule, in_catchment, summarise
from node_agent.register.models import Pupil


def default_school_year(today: dt.date) -> str:
    """The intake the office works on: this calendar year's September until the end of October
    (parents report schooling elsewhere by 30 September), next year's from November."""
    year = today.year if today.month <= 10 else today.year + 1
    return f"{year}/{year + 1}"


def streets(session: Session) -> list[CatchmentStreet]:
    """The obwód's rules by street and first number."""
    return list(session.scalars(select(CatchmentStreet).order_by(CatchmentStreet.street, CatchmentStreet.number_from)))


def rules(session: Session) -> list[StreetRule]:
    """The rules as pure values."""
    return [StreetRule(s.street, s.number_from, s.number_to, s.parity) for s in streets(session)]


@dataclass(frozen=True)
class ChildRow:
    """A listed child, whether their address is in the obwód, and whether the register has a pupil with their PESEL."""

    child: CatchmentChild
    inside: bool
    in_register: bool


def children(session: Session, school_year: str, status: str = "") -> list[ChildRow]:
    """The children of ``school_year``'s list (optionally of one status) by last and first name."""
    stmt = select(CatchmentChild).where(CatchmentChild.school_year == school_year).order_by(
        CatchmentChild.last_name, CatchmentChild.first_name)
    if status:
        stmt = stmt.where(CatchmentChild.status == status)
    listed = list(session.scalars(stmt))
    pesels = [c.pesel for c in listed if c.pesel]
    registered = set(session.scalars(select(Pupil.pesel).where(Pupil.pesel.in_(pesels)))) if pesels else set()
    obwod = rules(session)
    return [ChildRow(c, in_catchment(c.street, obwod), bool(c.pesel and c.pesel in registered)) for c in listed]


def summary(session: Session, school_year: str) -> IntakeSummary:
    """The city's numbers for ``school_year``'s intake."""
    return summarise((row.child.status, row.inside) for row in children(session, school_year))


def school_years(session: Session) -> list[str]:
    """School years that have a list, newest first."""
    return sorted(set(session.scalars(select(CatchmentChild.school_year).distinct())), reverse=True)
