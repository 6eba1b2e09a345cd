"""Applying downlink messages from the hub inside the caller's transaction."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.admissions.operations import store_admission
from node_agent.dictionaries.operations import store_city_calendar
from node_agent.records import ValidationFailed, apply_record
from node_agent.requests.operations import store_request
from node_agent.school.models import Subject
from node_agent.sync.models import DownlinkMessage
from node_agent.transfers import messages as transfer_messages
from protocol import downlink
from protocol.calendar import CalendarInvalid
from protocol.fields import new_id

log = logging.getLogger(__name__)


def apply_messages(session: Session, messages: list[downlink.Message]) -> None:
    """Apply each message (idempotent per hub sequence) and keep a copy for the admin."""
    for message in messages:
        if session.get(DownlinkMessage, message.seq) is not None:
            continue
        outcome = "applied"
        if message.kind == "city_subjects":
            _apply_subjects(session, message.body)
        elif message.kind == "city_calendar":
            try:
                with session.begin_nested():
                    store_city_calendar(session, message.body, message.seq)
            except CalendarInvalid as exc:  # kept for the admin; later messages still apply
                log.warning("city calendar in downlink %d rejected: %s", message.seq, exc)
                outcome = "rejected"
        elif message.kind == "change_request":
            outcome = "stored" if store_request(session, message.body) is not None else "rejected"
        elif message.kind == "notice":
            outcome = "stored"
        elif message.kind == "recruitment_admission":
            outcome = "stored" if store_admission(session, message.body) is not None else "rejected"
        elif message.kind in transfer_messages.KINDS:
            outcome = transfer_messages.apply(session, message)
        else:
            outcome = "unknown_kind"
        session.add(DownlinkMessage(hub_seq=message.seq, kind=message.kind[:40],
                                    body=json.dumps(message.body, ensure_ascii=False), outcome=outcome))
    session.flush()


def _apply_subjects(session: Session, body: dict) -> None:
    """Add the city's subjects the school does not have yet (the school's own names are kept)."""
    existing = set(session.scalars(select(Subject.code)))
    for item in body.get("subjects", []):
        code, name = str(item.get("code", "")).strip(), str(item.get("name", "")).strip()
        if code and name and code not in existing:
            try:
                with session.begin_nested():
                    apply_record(session, Subject, {"id": new_id(), "code": code, "name": name})
            except ValidationFailed as exc:  # one bad entry must not block every later message
                log.warning("city subject %r skipped: %s", code, exc)
                continue
            existing.add(code)
