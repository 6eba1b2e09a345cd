"""e-Sekretariat entities: the pupil register's entries, transfers between schools, guardians' checked e-mail.

* ``register_entry`` — one line of the school's pupil register (księga uczniów): the number the
  school gave, admission and leaving with dates, reasons and decision numbers. A pupil who leaves
  and comes back gets a new entry (and a new number: numbers are never reused).
* ``pupil_transfer`` — a pupil moving to or from another school. Between two schools of the city
  the sending school's record (``direction`` out, ``in_city``) starts the transfer and lists in
  ``handover`` the records it gives away; the receiving school's ``transfer_decision`` accepts or
  rejects it, and the hub moves ownership of the listed records on acceptance
  (:mod:`hub.transfers.ownership`). Transfers from and to schools outside the city are recorded
  with the other school's details (``status`` recorded).
* ``transfer_decision`` — the receiving school's answer. Its ``transfer_id`` points at another
  school's record, so it is a plain identifier and not a reference (references must stay within
  one school's records).
* ``guardian_verification`` — the school confirmed a guardian's e-mail address (in person or on a
  signed form): what the parents' portal will use to bind an account to a stable guardian id.

Pure definitions: no I/O. Record rules other than ``date_order`` have their SQL mirror in
``hub.warehouse.checks.RECORD_SQL`` (tests/hub/test_checks_equivalence.py keeps both in step).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from protocol.entities import ADMISSION_REASONS, LEAVING_REASONS, Entity, date_order, register
from protocol.fields import Field, FieldError, FieldType, Privacy
from protocol.i18n import N_

T, U, D, B, E = FieldType.TEXT, FieldType.UUID, FieldType.DATE, FieldType.BOOL, FieldType.ENUM

TRANSFER_DIRECTIONS = ("out", "in")
TRANSFER_STATUSES = ("pending", "accepted", "rejected", "cancelled", "recorded")
VERIFICATION_METHODS = ("in_person", "signed_form")
# Records a sending school may hand over with a pupil (the hub moves only these).
HANDOVER_ENTITIES = ("pupil", "guardian", "pupil_guardian", "guardian_verification")
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ITEM = "(?:" + "|".join(HANDOVER_ENTITIES) + "):" + _UUID
ITEM_PATTERN = _ITEM  # one "entity:id" item of a handover list
_ITEM_RE = re.compile(_ITEM)
HANDOVER_PATTERN = f"{_ITEM}(?: {_ITEM})*"


def handover_items(text: str | None) -> list[tuple[str, str]]:
    """``[(entity, id), …]`` of a ``handover`` text; items not of the form "entity:id" are left out."""
    return [tuple(item.split(":", 1)) for item in (text or "").split(" ")  # type: ignore[misc]
            if _ITEM_RE.fullmatch(item)]


def handover_text(items: list[tuple[str, str]]) -> str:
    """The ``handover`` text of ``[(entity, id), …]``."""
    return " ".join(f"{entity}:{record_id}" for entity, record_id in items)


def _required(field: str, label: str) -> FieldError:
    return FieldError(field, "required", N_("this field is required"), {"label": label})


def _entry_leaving(record: Mapping[str, Any]) -> list[FieldError]:
    """Leaving the school needs both the date and the reason."""
    if record.get("left_on") and not record.get("leaving_reason"):
        return [_required("leaving_reason", N_("reason for leaving"))]
    if record.get("leaving_reason") and not record.get("left_on"):
        return [_required("left_on", N_("date of leaving"))]
    return []


def _transfer_rules(record: Mapping[str, Any]) -> list[FieldError]:
    """A transfer within the city names the other school's RSPO.

    ``handover`` has no format rule of its own: the node writes it (:func:`handover_text`) and the
    hub moves only the items matching :data:`HANDOVER_PATTERN`'s item form, ignoring anything else.
    """
    if record.get("in_city") in (True, 1) and not record.get("other_rspo"):
        return [_required("other_rspo", N_("RSPO number of the other school"))]
    return []


def _decision_reason(record: Mapping[str, Any]) -> list[FieldError]:
    """A rejection says why."""
    if record.get("accepted") in (False, 0) and not record.get("reason"):
        return [_required("reason", N_("reason for the decision"))]
    return []


REGISTER_ENTRY = register(Entity("register_entry", 1, N_("pupil register entry"), (
    Field("id", U, N_("identifier"), required=True),
    Field("pupil_id", U, N_("pupil"), required=True, ref="pupil"),
    Field("number", T, N_("register number"), required=True, max_length=20, privacy=Privacy.DROP),
    Field("admitted_on", D, N_("date of admission"), required=True),
    Field("admission_reason", E, N_("reason for admission"), required=True, choices=ADMISSION_REASONS),
    Field("admission_decision", T, N_("admission decision number"), max_length=50),
    Field("admission_decided_on", D, N_("admission decision date")),
    Field("left_on", D, N_("date of leaving")),
    Field("leaving_reason", E, N_("reason for leaving"), choices=LEAVING_REASONS),
    Field("leaving_decision", T, N_("leaving decision number"), max_length=50),
    Field("leaving_decided_on", D, N_("leaving decision date")),
), record_checks=(date_order("admitted_on", "left_on", N_("date of leaving")), _entry_leaving)))

PUPIL_TRANSFER = register(Entity("pupil_transfer", 1, N_("transfer"), (
    Field("id", U, N_("identifier"), required=True),
    Field("pupil_id", U, N_("pupil"), required=True, ref="pupil"),
    Field("direction", E, N_("direction of the transfer"), required=True, choices=TRANSFER_DIRECTIONS),
    Field("in_city", B, N_("school of the city"), required=True),
    Field("transfer_on", D, N_("date of the transfer"), required=True),
    Field("status", E, N_("status"), required=True, choices=TRANSFER_STATUSES),
    Field("other_rspo", T, N_("RSPO number of the other school"), max_length=10, check="rspo"),
    Field("other_name", T, N_("name of the other school"), required=True, max_length=300),
    Field("other_street", T, N_("street and number"), max_length=150),
    Field("other_postal_code", T, N_("postal code"), max_length=6, check="postal_code"),
    Field("other_city", T, N_("town"), max_length=100),
    Field("origin_id", U, N_("sending school's transfer")),
    Field("handover", T, N_("records handed over"), max_length=2000),
    Field("decided_on", D, N_("date of the decision")),
    Field("outcome_reason", T, N_("reason for the decision"), max_length=500, privacy=Privacy.DROP),
), record_checks=(_transfer_rules,)))

TRANSFER_DECISION = register(Entity("transfer_decision", 1, N_("decision on a transfer"), (
    Field("id", U, N_("identifier"), required=True),
    Field("transfer_id", U, N_("sending school's transfer"), required=True),
    Field("accepted", B, N_("accepted"), required=True),
    Field("decided_on", D, N_("date of the decision"), required=True),
    Field("reason", T, N_("reason for the decision"), max_length=500, privacy=Privacy.DROP),
), record_checks=(_decision_reason,)))

GUARDIAN_VERIFICATION = register(Entity("guardian_verification", 1, N_("confirmed e-mail address"), (
    Field("id", U, N_("identifier"), required=True),
    Field("guardian_id", U, N_("guardian"), required=True, ref="guardian"),
    Field("email", T, N_("e-mail"), required=True, max_length=254, check="email", privacy=Privacy.DROP),
    Field("verified_on", D, N_("date of confirmation"), required=True),
    Field("method", E, N_("how it was confirmed"), required=True, choices=VERIFICATION_METHODS),
)))

# The school's audit log (who read or changed which record, never the data): append-only on the
# node, synced so the hub holds a copy the school cannot rewrite. ``username`` stays out of the
# analytical layer; ``prev_hash``/``hash`` let anyone re-check the chain (node_agent/audit).
AUDIT_EVENT = register(Entity("audit_event", 1, N_("audit log entry"), (
    Field("id", U, N_("identifier"), required=True),
    Field("occurred_at", T, N_("time"), required=True, max_length=32),
    Field("user_id", FieldType.INT, N_("user")),
    Field("username", T, N_("user name"), required=True, max_length=64, privacy=Privacy.DROP),
    Field("role", T, N_("role"), required=True, max_length=64),
    Field("action", T, N_("action"), required=True, max_length=64),
    Field("entity", T, N_("kind of record"), required=True, max_length=64),
    Field("record_id", T, N_("audited record"), max_length=36),
    Field("purpose", T, N_("purpose"), required=True, max_length=64),
    Field("prev_hash", T, N_("previous entry's hash"), required=True, max_length=64),
    Field("hash", T, N_("hash"), required=True, max_length=64),
)))
