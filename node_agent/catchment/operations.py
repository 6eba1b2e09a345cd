"""Every write of the catchment pages: street rules of the obwód, the children list from the register
extract, and the status of each child. Bad input raises :class:`~node_agent.records.ValidationFailed`
with Polish-translatable errors naming the field; nothing is written then. The caller owns the
transaction. The street rules are the school's own working records; each child (identity, birth date,
school year, status) is synced to the city by the capture triggers in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.catchment.models import CatchmentChild, CatchmentStreet
from node_agent.catchment.rules import PARITIES, STATUSES, street_key
from node_agent.records import ValidationFailed
from protocol.fields import FieldError
from protocol.i18n import N_
from protocol.resident_register import ParsedRegister

LABELS = {
    "street": N_("street"), "number_from": N_("house numbers from"), "number_to": N_("house numbers to"),
    "parity": N_("which numbers"), "status": N_("status"), "decision_number": N_("deferral decision number"),
    "other_school": N_("name of the other school"), "other_school_address": N_("address of the other school"),
}


def _error(field: str, code: str, message: str, **params: Any) -> FieldError:
    return FieldError(field, code, message, {"label": LABELS[field], **params})


def _number(data: Mapping[str, Any], field: str, errors: list[FieldError]) -> int | None:
    value = data.get(field)
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 9999:
        errors.append(_error(field, "house_number", N_("enter a house number from 1 to 9999 (digits only)")))
        return None
    return int(text)


def street_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The checked values of a street rule (raises ValidationFailed listing every problem)."""
    errors: list[FieldError] = []
    street = (data.get("street") or "").strip()
    if not street:
        errors.append(_error("street", "required", N_("this field is required")))
    elif len(street) > 150:
        errors.append(_error("street", "too_long", N_("at most {max} characters allowed, {length} given"),
                             max=150, length=len(street)))
    elif not street_key(street):
        errors.append(_error("street", "street_name", N_("enter the street's name")))
    low, high = _number(data, "number_from", errors), _number(data, "number_to", errors)
    if low is not None and high is not None and high < low:
        errors.append(_error("number_to", "range", N_("cannot be lower than the first number")))
    parity = data.get("parity") or "all"
    if parity not in PARITIES:
        errors.append(_error("parity", "choice", N_("choose one of the listed options")))
    if errors:
        raise ValidationFailed(errors)
    return {"street": street, "number_from": low, "number_to": high, "parity": parity}


def find_street(session: Session, values: Mapping[str, Any]) -> CatchmentStreet | None:
    """The rule with the same street (by key), range and parity, if the school has it already."""
    key = street_key(values["street"])
    for rule in session.scalars(select(CatchmentStreet).where(
            CatchmentStreet.number_from.is_(values["number_from"]) if values["number_from"] is None
            else CatchmentStreet.number_from == values["number_from"],
            CatchmentStreet.number_to.is_(values["number_to"]) if values["number_to"] is None
            else CatchmentStreet.number_to == values["number_to"],
            CatchmentStreet.parity == values["parity"])):
        if street_key(rule.street) == key:
            return rule
    return None


def add_street(session: Session, data: Mapping[str, Any]) -> tuple[CatchmentStreet, bool]:
    """Add a street rule unless the same one exists; return (rule, created)."""
    values = street_values(data)
    existing = find_street(session, values)
    if existing is not None:
        return existing, False
    rule = CatchmentStreet(**values)
    session.add(rule)
    session.flush()
    return rule, True


def delete_street(session: Session, rule: CatchmentStreet) -> None:
    """Remove a street rule."""
    session.delete(rule)
    session.flush()


@dataclass(frozen=True)
class ChildImport:
    """What loading one register extract did."""

    created: int
    updated: int
    unchanged: int


def _identity(child: Mapping[str, Any]) -> tuple[str, str]:
    if child.get("pesel"):
        return "pesel", child["pesel"]
    return "document", f"{child['document_type']}:{(child['document_number'] or '').upper()}"


def load_children(session: Session, parsed: ParsedRegister, school_year: str, now: dt.datetime) -> ChildImport:
    """Add or update the valid children of ``parsed`` in the list of ``school_year``; statuses are kept.

    Loading the same extract twice changes nothing (children are matched by PESEL or document).
    """
    existing = {_identity({"pesel": c.pesel, "document_type": c.document_type,
                           "document_number": c.document_number}): c
                for c in session.scalars(select(CatchmentChild).where(CatchmentChild.school_year == school_year))}
    created = updated = unchanged = 0
    fields = ("pesel", "document_type", "document_number", "first_name", "last_name", "birth_date", "street",
              "postal_code", "city")
    for child in parsed.children:
        found = existing.get(_identity(child))
        if found is None:
            found = CatchmentChild(school_year=school_year, status="unknown", imported_at=now,
                                   **{f: child[f] for f in fields})
            session.add(found)
            existing[_identity(child)] = found
            created += 1
        elif any(getattr(found, f) != child[f] for f in fields):
            for f in fields:
                setattr(found, f, child[f])
            found.imported_at = now
            updated += 1
        else:
            unchanged += 1
    session.flush()
    return ChildImport(created, updated, unchanged)


def set_status(session: Session, child: CatchmentChild, data: Mapping[str, Any]) -> CatchmentChild:
    """Mark what is known about ``child``: enrolled here, deferred (decision number), elsewhere (school), unknown."""
    status = data.get("status") or ""
    clean = {k: (str(data.get(k) or "").strip() or None)
             for k in ("decision_number", "other_school", "other_school_address")}
    errors: list[FieldError] = []
    if status not in STATUSES:
        errors.append(_error("status", "choice", N_("choose one of the listed options")))
    if status == "deferred" and not clean["decision_number"]:
        errors.append(_error("decision_number", "required", N_("a deferral needs the number of the decision")))
    if status == "elsewhere":
        for key in ("other_school", "other_school_address"):
            if not clean[key]:
                errors.append(_error(key, "required", N_("give the school the parents reported")))
    for key, limit in (("decision_number", 50), ("other_school", 300), ("other_school_address", 300)):
        if clean[key] and len(clean[key]) > limit:
            errors.append(_error(key, "too_long", N_("at most {max} characters allowed, {length} given"),
                                 max=limit, length=len(clean[key])))
    if errors:
        raise ValidationFailed(errors)
    child.status = status
    child.decision_number = clean["decision_number"] if status == "deferred" else None
    child.other_school = clean["other_school"] if status == "elsewhere" else None
    child.other_school_address = clean["other_school_address"] if status == "elsewhere" else None
    session.flush()
    return child
