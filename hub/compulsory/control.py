"""The control itself: which resident children of compulsory age are enrolled where, and who is not.

For the school year Y/Y+1 and a reference day:

* children born in Y−6 owe one year of preschool preparation (roczne przygotowanie przedszkolne);
* children born in Y−7 or earlier owe school (obowiązek szkolny, then obowiązek nauki) until their
  18th birthday; a deferral (odroczenie) moves a child born in Y−7 to preschool for a year;
* younger children have a right to a preschool place, not a duty, and are not checked.

Enrolments come from the warehouse (every school server's data), matched by the pupil key —
HMAC of PESEL or document under the warehouse's key — so no name or PESEL is ever sent there.
So do the primary schools' reports about the children of their catchment areas (entity
``catchment_child``): a deferral decided by the catchment school's director, or schooling elsewhere
the parents reported at the school, counts like the city's own record of it: such a child is
"deferred" or "schooled elsewhere", never "enrolled nowhere".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.compulsory.models import Exemption, RegisterImport, ResidentChild

STATUSES = ("ok", "deferred", "exempt", "not_enrolled", "enrolled_twice", "preschool_no_deferral")
LISTS = ("not_enrolled", "enrolled_twice", "preschool_no_deferral", "deferred", "exempt")


@dataclass(frozen=True)
class Enrolled:
    """A school where the child is enrolled on the reference day."""

    rspo: str
    school: str
    kind: str


@dataclass(frozen=True)
class SchoolReport:
    """What a primary school reported about a child of its catchment area for the school year."""

    rspo: str
    school: str
    status: str  # "deferred" | "elsewhere"
    decision_number: str | None
    other_school: str | None
    other_school_address: str | None


@dataclass(frozen=True)
class Finding:
    """One checked child and the verdict."""

    child: ResidentChild
    obligation: str  # "preschool_preparation" | "school"
    status: str
    schools: tuple[Enrolled, ...]
    exemption: Exemption | None
    reports: tuple[SchoolReport, ...] = ()


def first_year(school_year: str) -> int:
    """2026 for "2026/2027"."""
    return int(school_year[:4])


def current_import(session: Session) -> RegisterImport | None:
    """The latest register snapshot."""
    return session.scalar(select(RegisterImport).order_by(RegisterImport.id.desc()).limit(1))


def obligation(birth: dt.date, school_year: str, day: dt.date) -> str | None:
    """What the child owes in ``school_year`` on ``day``, or None (too young, or 18 already)."""
    year = first_year(school_year)
    if birth.year == year - 6:
        return "preschool_preparation"
    adult = dt.date(birth.year + 18, birth.month, 28 if (birth.month, birth.day) == (2, 29) else birth.day)
    if birth.year <= year - 7 and adult > day:
        return "school"
    return None


def enrolments(cur: Any, keys: list[str], day: dt.date) -> dict[str, list[Enrolled]]:
    """Active enrolments on ``day`` of the pupils with these keys, from all schools' data."""
    if not keys:
        return {}
    rows = cur.execute("""
        SELECT DISTINCT p.pupil_key, e._rspo, s.name, s.kind
        FROM enrolment e
        JOIN pupil p ON p.id = e.pupil_id AND p._rspo = e._rspo
        JOIN school s ON s._rspo = e._rspo
        WHERE e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?)
          AND p.pupil_key IN (SELECT unnest(CAST(? AS VARCHAR[])))
        ORDER BY 1, 2
    """, [day, day, keys]).fetchall()
    found: dict[str, list[Enrolled]] = defaultdict(list)
    for key, rspo, name, kind in rows:
        found[key].append(Enrolled(rspo, name, kind))
    return found


def school_reports(cur: Any, keys: list[str], school_year: str) -> dict[str, list[SchoolReport]]:
    """Deferrals and schooling elsewhere that schools reported for ``school_year``, by pupil key."""
    if not keys:
        return {}
    rows = cur.execute("""
        SELECT c.pupil_key, c._rspo, s.name, c.status, c.decision_number, c.other_school, c.other_school_address
        FROM catchment_child c
        JOIN school s ON s._rspo = c._rspo
        WHERE c.school_year = ? AND c.status IN ('deferred', 'elsewhere')
          AND c.pupil_key IN (SELECT unnest(CAST(? AS VARCHAR[])))
        ORDER BY 1, 2
    """, [school_year, keys]).fetchall()
    found: dict[str, list[SchoolReport]] = defaultdict(list)
    for key, rspo, name, status, decision, other, other_address in rows:
        found[key].append(SchoolReport(rspo, name, status, decision, other, other_address))
    return found


def run_control(session: Session, cur: Any, school_year: str, day: dt.date) -> list[Finding]:
    """Check every child of the current register snapshot who owes schooling in ``school_year``."""
    snapshot = current_import(session)
    if snapshot is None:
        return []
    children = [c for c in session.scalars(select(ResidentChild).where(ResidentChild.import_id == snapshot.id)
                                           .order_by(ResidentChild.last_name, ResidentChild.first_name))
                if obligation(c.birth_date, school_year, day) is not None]
    exemptions: dict[str, Exemption] = {}
    for exemption in session.scalars(select(Exemption).where(Exemption.school_year == school_year)
                                     .order_by(Exemption.id)):
        exemptions[exemption.pupil_key] = exemption  # the latest recorded counts
    keys = [c.pupil_key for c in children]
    found, reported = enrolments(cur, keys, day), school_reports(cur, keys, school_year)
    return [_verdict(c, obligation(c.birth_date, school_year, day) or "", tuple(found.get(c.pupil_key, ())),
                     exemptions.get(c.pupil_key), tuple(reported.get(c.pupil_key, ()))) for c in children]


def _verdict(child: ResidentChild, owes: str, schools: tuple[Enrolled, ...], exemption: Exemption | None,
             reports: tuple[SchoolReport, ...] = ()) -> Finding:
    school_deferral = any(r.status == "deferred" for r in reports)
    deferral = school_deferral or (exemption is not None and exemption.kind == "deferral")
    if len({s.rspo for s in schools}) >= 2:
        status = "enrolled_twice"
    elif schools:
        in_preschool = schools[0].kind == "preschool"
        if owes == "school" and in_preschool:
            status = "deferred" if deferral else "preschool_no_deferral"
        else:
            status = "ok"
    elif school_deferral:
        status = "deferred"  # the catchment school's director decided it: the school follows the child up
    elif (exemption is not None and not deferral) or any(r.status == "elsewhere" for r in reports):
        status = "exempt"  # schooled abroad, outside the city, at home: reported and recorded
    else:
        status = "not_enrolled"  # a deferral the city noted still means preschool: without a place, the duty is unmet
    return Finding(child, owes, status, schools, exemption, reports)


def counts(findings: list[Finding]) -> dict[str, int]:
    """Children per status (every status present, zeros included)."""
    out = dict.fromkeys(STATUSES, 0)
    for finding in findings:
        out[finding.status] += 1
    return out


def register_size(session: Session) -> int:
    """Children in the current register snapshot."""
    snapshot = current_import(session)
    if snapshot is None:
        return 0
    return session.scalar(select(func.count()).select_from(ResidentChild)
                          .where(ResidentChild.import_id == snapshot.id)) or 0
