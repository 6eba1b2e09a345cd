"""Polish labels of the codes of notes, homework and announcements (protocol.entities_journal)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

NOTE_KINDS = {"positive": _l("Positive note"), "negative": _l("Negative note"), "neutral": _l("Neutral note")}
NOTE_CATEGORIES = {
    "learning": _l("Learning"), "conduct": _l("Conduct during lessons"), "manners": _l("Manners"),
    "safety": _l("Safety"), "duties": _l("A pupil's duties"), "activity": _l("Activity and engagement"),
    "other": _l("Other matters"),
}
AUDIENCES = {"families": _l("Staff, the pupil and guardians"), "staff": _l("School staff only")}
SCOPES = {"school": _l("The whole school"), "classes": _l("Chosen classes")}
# The fields a history of changes names (the same words as the forms).
CHANGED_FIELDS = {
    "kind": _l("Kind of note"), "category": _l("Category"), "noted_on": _l("Date"),
    "text": _l("Content of the note"), "audience": _l("Who can see it"), "set_on": _l("Date set"),
    "due_on": _l("Due date"), "description": _l("What to do"),
}
