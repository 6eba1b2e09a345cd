"""The school's own record of changes to journal entries: what a record was before and after, who
changed it and when. The gradebook (``grade_history``) and the notes and homework
(``journal_history``) keep one table each with these columns; the hub never receives them (it keeps
the current version of each record only), the e-journal archive exports the grades' one.

Never decides who may change what (the callers' queries do) and never commits.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from node_agent.db import Base, utcnow
from node_agent.records import apply_record, to_wire
from protocol.entities import ENTITIES


class ChangeAuthor(Protocol):
    """Who makes a change (:class:`node_agent.grades.operations.Actor`)."""

    username: str
    staff_member_id: str


class ChangeHistory:
    """Columns of one change to a record of entity ``entity``; ``before``/``after`` are wire records as JSON."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(10))  # create, update, delete
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    username: Mapped[str] = mapped_column(String(64))
    staff_member_id: Mapped[str | None] = mapped_column(String(36))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    def record(self, which: str) -> dict[str, Any]:
        """The record ``which`` ("before" or "after") the change ({} when there is none)."""
        text = self.before if which == "before" else self.after
        return json.loads(text) if text else {}

    def value(self, which: str, name: str) -> object:
        """Field ``name`` of the record ``which`` ("before" or "after") the change, or None."""
        return self.record(which).get(name)


def write_recorded(session: Session, history: type[ChangeHistory], author: ChangeAuthor, model: type[Base],
                   record: dict[str, Any], obj: Base | None = None, *, skip_unchanged: bool = False) -> Any:
    """Write a full wire ``record`` of ``model`` (new, or over ``obj``) and add its change to ``history``.

    ``skip_unchanged``: when ``record`` equals what ``obj`` already holds, write nothing and return ``obj``.
    Raises :class:`node_agent.records.ValidationFailed` (nothing written) when the record breaks a rule.
    """
    entity = ENTITIES[model.__tablename__]
    before = to_wire(entity, obj) if obj is not None else None
    if skip_unchanged and before is not None and before == record:
        return obj
    written = apply_record(session, model, record, obj)
    record_change(session, history, author, entity.name, written.id,  # type: ignore[attr-defined]
                  "update" if before else "create", before, to_wire(entity, written))
    return written


def delete_recorded(session: Session, history: type[ChangeHistory], author: ChangeAuthor, obj: Base) -> None:
    """Delete ``obj`` (a synced record), keeping what it was in ``history``."""
    entity = ENTITIES[obj.__tablename__]
    record_change(session, history, author, entity.name, obj.id, "delete", to_wire(entity, obj), None)  # type: ignore[attr-defined]
    session.delete(obj)
    session.flush()


def record_change(session: Session, model: type[ChangeHistory], author: ChangeAuthor, entity: str, record_id: str,
                  action: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
    """Add one row of ``model`` (a history table) for a change made in the caller's transaction."""
    session.add(model(  # type: ignore[call-arg]
        entity=entity, record_id=record_id, action=action, username=author.username,
        staff_member_id=author.staff_member_id,
        before=as_json(before), after=as_json(after),
    ))


def as_json(record: Mapping[str, Any] | None) -> str | None:
    """A wire record as stored in a history table's ``before``/``after`` (None stays None)."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True) if record is not None else None
