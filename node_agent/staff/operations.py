"""Every write to staff members: add, edit, deactivate and reactivate (never delete: lessons,
grades and classes keep pointing at them). Validated with the protocol's ``staff_member`` rules;
the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from node_agent.records import apply_record, to_wire
from node_agent.school.operations import save_record
from node_agent.staff.models import StaffMember
from protocol.entities import STAFF_MEMBER


def save_staff_member(
    session: Session, data: Mapping[str, Any], member: StaffMember | None = None
) -> StaffMember:
    """Create (active) or update a staff member from form-like ``data``."""
    values = dict(data)
    values.setdefault("active", member.active if member is not None else True)
    return save_record(session, STAFF_MEMBER, StaffMember, values, member)


def set_active(session: Session, member: StaffMember, active: bool) -> StaffMember:
    """Deactivate (left the school) or reactivate a staff member."""
    record = to_wire(STAFF_MEMBER, member)
    record["active"] = active
    return apply_record(session, StaffMember, record, member)  # type: ignore[return-value]
