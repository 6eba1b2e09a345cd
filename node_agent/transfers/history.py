"""A transferred pupil's history, as the sending school's package shows it (read-only, for pages).

The package holds records of any entity that concerns the pupil (see hub/transfers/package.py);
this module turns the ones a page can show — class memberships with their class and school
year, register entries, guardians — into rows, and counts the rest per entity (grades and
attendance, once they exist, appear as "n records" until their own pages show them). Pure: no
database, no writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from protocol.entities import ENTITIES

SHOWN = frozenset({"pupil", "enrolment", "class_unit", "school_year", "register_entry", "guardian",
                   "pupil_guardian", "guardian_verification", "school", "subject"})


@dataclass
class History:
    """Rows of a pupil's history at other schools."""

    enrolments: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    guardians: list[dict[str, Any]] = field(default_factory=list)
    others: list[tuple[str, int]] = field(default_factory=list)  # (entity label message id, count)


def summarize(body: dict[str, Any]) -> History:
    """The history rows of a ``transfer_offer`` body."""
    records: dict[str, list[dict[str, Any]]] = body.get("records") or {}
    schools: dict[str, str] = body.get("schools") or {}
    classes = {c.get("id"): c for c in records.get("class_unit", [])}
    years = {y.get("id"): y for y in records.get("school_year", [])}
    history = History()
    for e in sorted(records.get("enrolment", []), key=lambda r: (r.get("starts_on") or "", r.get("id") or "")):
        unit = classes.get(e.get("class_id"), {})
        level, letter = unit.get("level"), unit.get("letter") or ""
        history.enrolments.append({
            "school": schools.get(e.get("_school"), e.get("_school") or ""),
            "class": f"{level}{letter}" if level else letter,
            "year": years.get(unit.get("school_year_id"), {}).get("label", ""),
            "starts_on": e.get("starts_on"), "ends_on": e.get("ends_on"),
            "admission_reason": e.get("admission_reason"), "leaving_reason": e.get("leaving_reason")})
    for r in sorted(records.get("register_entry", []), key=lambda r: r.get("admitted_on") or ""):
        history.entries.append({**r, "school": schools.get(r.get("_school"), r.get("_school") or "")})
    guardians = {g.get("id"): g for g in records.get("guardian", [])}
    for link in records.get("pupil_guardian", []):
        if link.get("_school") == body.get("from_rspo") and link.get("guardian_id") in guardians:
            history.guardians.append({**guardians[link["guardian_id"]], "relation": link.get("relation"),
                                      "legal_custody": link.get("legal_custody"),
                                      "may_receive_info": link.get("may_receive_info")})
    counts = Counter(name for name, rows in records.items() if name not in SHOWN for _ in rows)
    history.others = [(ENTITIES[name].label if name in ENTITIES else name, n) for name, n in sorted(counts.items())]
    return history
