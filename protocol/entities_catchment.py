"""Compulsory schooling at school level: what a primary school reports about the children of its
catchment area (obwód) due to start school, so the city's control (BRIEF §4) can use it.

* ``catchment_child`` — one child of the school's list for one school year: the identity (PESEL or
  a document: in the warehouse only as the HMAC pupil key), the birth date (the year only there),
  and what the school knows: ``unknown``, ``enrolled`` (here), ``deferred`` (with the director's
  decision number) or ``elsewhere`` (schooling elsewhere reported by the parents, with that school).

Names and addresses stay on the node: the city has them from its own population register, and
matches the school's report to it by the pupil key. Pure definitions: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol import pesel as pesel_rules
from protocol.entities import DOCUMENT_TYPES, Entity, register
from protocol.fields import Field, FieldError, FieldType, Privacy, parse_date
from protocol.i18n import N_

T, U, D, E = FieldType.TEXT, FieldType.UUID, FieldType.DATE, FieldType.ENUM

CATCHMENT_STATUSES = ("unknown", "enrolled", "deferred", "elsewhere")


def _identity(record: Mapping[str, Any]) -> list[FieldError]:
    """PESEL (its date the birth date) or a document type and number."""
    if record.get("pesel"):
        birth = parse_date(record.get("birth_date") or "")
        encoded = pesel_rules.parse(record["pesel"]).birth_date  # valid: record rules run after the field rules
        if birth is not None and birth != encoded:
            return [FieldError("birth_date", "pesel_birth_date",
                               N_("does not match the date encoded in the PESEL ({expected})"),
                               {"label": N_("date of birth"), "expected": encoded.isoformat()})]
        return []
    if not record.get("document_type") or not record.get("document_number"):
        return [FieldError("pesel", "identity_missing",
                           N_("enter the PESEL or, if the child has none, a document type and number"),
                           {"label": N_("PESEL")})]
    return []


def _status_details(record: Mapping[str, Any]) -> list[FieldError]:
    """A deferral names its decision; schooling elsewhere names the school."""
    status = record.get("status")
    if status == "deferred" and not record.get("decision_number"):
        return [FieldError("decision_number", "required", N_("a deferral needs the number of the decision"),
                           {"label": N_("deferral decision number")})]
    if status == "elsewhere" and not record.get("other_school"):
        return [FieldError("other_school", "required", N_("give the school the parents reported"),
                           {"label": N_("name of the other school")})]
    return []


CATCHMENT_CHILD = register(Entity("catchment_child", 1, N_("child of the catchment area"), (
    Field("id", U, N_("identifier"), required=True),
    Field("school_year", T, N_("school year"), required=True, max_length=9),
    Field("pesel", T, N_("PESEL"), max_length=11, check="pesel", privacy=Privacy.IDENTIFIER),
    Field("document_type", E, N_("identity document type"), choices=DOCUMENT_TYPES, privacy=Privacy.DROP),
    Field("document_number", T, N_("document number"), max_length=30, check="document_number",
          privacy=Privacy.IDENTIFIER),
    Field("birth_date", D, N_("date of birth"), required=True, privacy=Privacy.YEAR),
    Field("status", E, N_("status"), required=True, choices=CATCHMENT_STATUSES),
    Field("decision_number", T, N_("deferral decision number"), max_length=50),
    Field("other_school", T, N_("name of the other school"), max_length=300),
    Field("other_school_address", T, N_("address of the other school"), max_length=300),
), record_checks=(_identity, _status_details)))
