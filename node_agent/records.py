"""Conversions between node models and protocol records, and validation before every write.

Every synced write of the node (web forms, imports, the demo loader) goes through
:func:`apply_record`, which validates the record with exactly the rules the hub applies, so
nothing the hub would reject is ever stored at the school.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from node_agent.db import Base
from protocol.entities import ENTITIES, Entity
from protocol.fields import FieldError, FieldType


class ValidationFailed(ValueError):
    """A record broke one or more rules; ``errors`` lists them all (field, code, message)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.render() for e in errors))
        self.errors = errors


def to_wire(entity: Entity, obj: Base) -> dict[str, Any]:
    """The protocol record of a model instance."""
    out: dict[str, Any] = {}
    for f in entity.fields:
        value = getattr(obj, f.name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif f.type is FieldType.BOOL and value is not None:
            value = bool(value)
        out[f.name] = value
    return out


def clean_input(entity: Entity, data: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise form or file input to wire values: trim text, empty → None, yes/no → bool.

    Text is trimmed but otherwise kept exactly as typed (diacritics, apostrophes, emoji).
    """
    out: dict[str, Any] = {}
    for key, value in data.items():
        field = entity.by_name.get(key)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        if field is not None and field.type is FieldType.BOOL and isinstance(value, str):
            lowered = value.lower()
            if lowered in ("1", "true", "tak", "t", "yes", "y", "on"):
                value = True
            elif lowered in ("0", "false", "nie", "n", "no", "off"):
                value = False
        if field is not None and field.type is FieldType.INT and isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                pass  # validation reports it with the field's name
        if field is not None and field.type is FieldType.DATE and isinstance(value, dt.date):
            value = value.isoformat()
        out[key] = value
    return out


def _python_value(entity: Entity, name: str, value: Any) -> Any:
    if value is None:
        return None
    field_type = entity.by_name[name].type
    if field_type is FieldType.DATE:
        return dt.date.fromisoformat(value)
    if field_type is FieldType.BOOL:
        return bool(value)
    return value


def apply_record(session: Session, model: type[Base], record: Mapping[str, Any],
                 obj: Base | None = None) -> Base:
    """Validate ``record`` (a full wire record) and write it to ``obj`` or a new row; return it.

    Raises :class:`ValidationFailed` with every broken rule; nothing is written then.
    """
    entity = ENTITIES[model.__tablename__]
    errors = entity.validate(record)
    if errors:
        raise ValidationFailed(errors)
    values = {name: _python_value(entity, name, record.get(name)) for name in entity.field_names}
    if obj is None:
        obj = model(**values)
        session.add(obj)
    else:
        for name, value in values.items():
            if name != entity.pk:
                setattr(obj, name, value)
    session.flush()
    return obj
