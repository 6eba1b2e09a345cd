"""Behaviour notes, homework and announcements (e-Dziennik: the class journal's other pages).

* ``behaviour_note`` — a note (uwaga) a member of staff wrote about a pupil: positive, negative or
  neutral, a category, the text, the date, the author and the class the pupil was in. The text is
  about a child, so it never reaches the analytical warehouse (``privacy=drop``).
* ``homework`` — homework set in a teaching assignment (class or group + subject), with the date
  set, the due date and a description.
* ``announcement`` — a notice for the whole school (``scope`` ``school``) or for chosen classes
  (``scope`` ``classes``, one ``announcement_class`` row per class), shown from ``valid_from``
  to ``valid_to``, with its author.

Every one of them carries an ``audience``: ``staff`` (the school's staff only) or ``families``
(also the pupils and guardians concerned, once the hub's portal shows them). The portal will only
ever show records whose audience is ``families``; the node decides it when the record is written.

Messages between staff are deliberately not entities: they stay at the school (see
docs/architecture.md, "Behaviour notes, homework, announcements, messages"). Pure definitions;
the date rules use :func:`protocol.entities.date_order`, which the hub mirrors in SQL.
"""

from __future__ import annotations

from protocol.entities import Entity, date_order, register
from protocol.fields import Field, FieldType, Privacy
from protocol.i18n import N_

T, U, INT, D, B, E = (FieldType.TEXT, FieldType.UUID, FieldType.INT, FieldType.DATE, FieldType.BOOL, FieldType.ENUM)

NOTE_KINDS = ("positive", "negative", "neutral")
NOTE_CATEGORIES = ("learning", "conduct", "manners", "safety", "duties", "activity", "other")
AUDIENCES = ("staff", "families")
ANNOUNCEMENT_SCOPES = ("school", "classes")
NOTE_TEXT_MAX = 1000
HOMEWORK_TEXT_MAX = 2000
ANNOUNCEMENT_TITLE_MAX = 200
ANNOUNCEMENT_TEXT_MAX = 4000

BEHAVIOUR_NOTE = register(Entity("behaviour_note", 1, N_("behaviour note"), (
    Field("id", U, N_("identifier"), required=True),
    Field("pupil_id", U, N_("pupil"), required=True, ref="pupil"),
    Field("class_id", U, N_("class"), required=True, ref="class_unit"),
    Field("kind", E, N_("kind of note"), required=True, choices=NOTE_KINDS),
    Field("category", E, N_("category of note"), required=True, choices=NOTE_CATEGORIES),
    Field("text", T, N_("content of the note"), required=True, max_length=NOTE_TEXT_MAX, privacy=Privacy.DROP),
    Field("noted_on", D, N_("date"), required=True),
    Field("author_id", U, N_("author"), required=True, ref="staff_member"),
    Field("audience", E, N_("who can see it"), required=True, choices=AUDIENCES),
)))

HOMEWORK = register(Entity("homework", 1, N_("homework"), (
    Field("id", U, N_("identifier"), required=True),
    Field("assignment_id", U, N_("class and subject"), required=True, ref="teaching_assignment"),
    Field("set_on", D, N_("date set"), required=True),
    Field("due_on", D, N_("due date"), required=True),
    Field("description", T, N_("homework description"), required=True, max_length=HOMEWORK_TEXT_MAX),
    Field("author_id", U, N_("author"), required=True, ref="staff_member"),
    Field("audience", E, N_("who can see it"), required=True, choices=AUDIENCES),
), record_checks=(date_order("set_on", "due_on", N_("due date")),)))

ANNOUNCEMENT = register(Entity("announcement", 1, N_("announcement"), (
    Field("id", U, N_("identifier"), required=True),
    Field("title", T, N_("title"), required=True, max_length=ANNOUNCEMENT_TITLE_MAX),
    Field("body", T, N_("content of the announcement"), required=True, max_length=ANNOUNCEMENT_TEXT_MAX,
          privacy=Privacy.DROP),
    Field("valid_from", D, N_("shown from"), required=True),
    Field("valid_to", D, N_("shown until"), required=True),
    Field("scope", E, N_("for whom"), required=True, choices=ANNOUNCEMENT_SCOPES),
    Field("author_id", U, N_("author"), required=True, ref="staff_member"),
    Field("audience", E, N_("who can see it"), required=True, choices=AUDIENCES),
), record_checks=(date_order("valid_from", "valid_to", N_("shown until")),)))

ANNOUNCEMENT_CLASS = register(Entity("announcement_class", 1, N_("class of an announcement"), (
    Field("id", U, N_("identifier"), required=True),
    Field("announcement_id", U, N_("announcement"), required=True, ref="announcement"),
    Field("class_id", U, N_("class"), required=True, ref="class_unit"),
)))
