"""What the notes, homework and announcement pages share: the acting staff member, loading records
with their access checks (404 for unknown ids, an audited 403 via :func:`refuse` otherwise) and the
labels their templates use. Access is decided on the server, never by hiding links."""

from __future__ import annotations

from flask import abort

from node_agent.grades.operations import Actor
from node_agent.journal import labels, queries
from node_agent.register.models import ClassUnit
from node_agent.web.context import current_user, db, refuse

TEMPLATE_LABELS = {"note_kinds": labels.NOTE_KINDS, "note_categories": labels.NOTE_CATEGORIES,
                   "audiences": labels.AUDIENCES, "scopes": labels.SCOPES, "changed_fields": labels.CHANGED_FIELDS}


def actor(entity: str, record_id: str | None) -> Actor:
    """The logged-in user as an author (an audited 403 for an account with no staff member)."""
    user = current_user()
    if user is None or not user.staff_member_id:
        refuse(entity, record_id, "account not linked to a staff member")
    return Actor(user.username, user.staff_member_id)  # type: ignore[union-attr,arg-type]


def class_for(class_id: str, *, write: bool) -> ClassUnit:
    """The class if the user may read (``write``: add notes in) it."""
    class_unit = db().get(ClassUnit, class_id)
    if class_unit is None:
        abort(404)
    user = current_user()
    allowed = (queries.can_write_notes if write else queries.can_read_class)(db(), user, class_unit)  # type: ignore[arg-type]
    if not allowed:
        refuse("class_unit", class_id, "not a teacher of this class")
    return class_unit
