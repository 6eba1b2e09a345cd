"""Timetable, lesson log and attendance entities (e-Dziennik: the school day).

* ``bell_time`` — lesson number N runs from ``starts_at`` to ``ends_at`` (HH:MM, school time).
* ``timetable_entry`` — a class has ``subject`` with ``staff_member_id`` on ``weekday`` (1 Monday …
  7 Sunday) in lesson ``lesson_number``, optionally in ``room`` or for a ``group_name``, from
  ``valid_from`` (to ``valid_to``). A change of the timetable from a date ends the old entry the
  day before and starts a new one, so lessons already held keep pointing at what was valid then.
* ``day_off`` — a day the school itself declared free of lessons (dzień wolny dyrektora); public
  holidays and the city's breaks are not stored here: the node derives them.
* ``substitution`` — another teacher takes one lesson (a timetable entry on one date).
* ``lesson`` — a held (or planned) lesson: entry + date, who taught it, its topic and whether it
  took place (``realised``).
* ``attendance_code`` — a code the school defined itself (``mark`` such as "ch" for an illness,
  "zaw" for a sports competition), each mapped to one of the seven standard ``kind`` codes of
  :mod:`protocol.attendance` (which also map to Ed-Fi's categories).
* ``attendance`` — one pupil's attendance at one lesson: ``code`` is always the standard kind, so
  every rate is computed by kind on the node and the hub alike; ``school_code_id`` (version 2)
  names the school's own code when the teacher chose one. ``excused_by`` is the class tutor who
  excused the absence.

Pure definitions: no I/O. The record rule of ``bell_time`` has its SQL mirror in
``hub.warehouse.checks.RECORD_SQL``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from protocol.attendance import CODES, MARKS
from protocol.entities import Entity, date_order, register
from protocol.fields import Field, FieldError, FieldType
from protocol.i18n import N_

T, U, INT, D, B, E = (FieldType.TEXT, FieldType.UUID, FieldType.INT, FieldType.DATE, FieldType.BOOL, FieldType.ENUM)
MAX_LESSON_NUMBER = 15
MARK_PATTERN = re.compile(r"[a-ząćęłńóśźż0-9]{1,5}")


def _bell_order(record: Mapping[str, Any]) -> list[FieldError]:
    """A lesson ends after it starts (HH:MM compares as text)."""
    start, end = record.get("starts_at"), record.get("ends_at")
    if start and end and end <= start:
        return [FieldError("ends_at", "time_order", N_("must be later than the start time"),
                           {"label": N_("end time")})]
    return []


BELL_TIME = register(Entity("bell_time", 1, N_("bell time"), (
    Field("id", U, N_("identifier"), required=True),
    Field("number", INT, N_("lesson number"), required=True, min_value=0, max_value=MAX_LESSON_NUMBER),
    Field("starts_at", T, N_("start time"), required=True, max_length=5, check="time"),
    Field("ends_at", T, N_("end time"), required=True, max_length=5, check="time"),
), record_checks=(_bell_order,)))

TIMETABLE_ENTRY = register(Entity("timetable_entry", 1, N_("timetable entry"), (
    Field("id", U, N_("identifier"), required=True),
    Field("class_id", U, N_("class"), required=True, ref="class_unit"),
    Field("weekday", INT, N_("day of the week"), required=True, min_value=1, max_value=7),
    Field("lesson_number", INT, N_("lesson number"), required=True, min_value=0, max_value=MAX_LESSON_NUMBER),
    Field("subject_id", U, N_("subject"), required=True, ref="subject"),
    Field("staff_member_id", U, N_("teacher"), required=True, ref="staff_member"),
    Field("group_name", T, N_("group"), max_length=50),
    Field("room", T, N_("room"), max_length=20),
    Field("valid_from", D, N_("valid from"), required=True),
    Field("valid_to", D, N_("valid until")),
), record_checks=(date_order("valid_from", "valid_to", N_("valid until")),)))

DAY_OFF = register(Entity("day_off", 1, N_("day off"), (
    Field("id", U, N_("identifier"), required=True),
    Field("day", D, N_("date"), required=True),
    Field("reason", T, N_("reason"), required=True, max_length=200),
)))

SUBSTITUTION = register(Entity("substitution", 1, N_("substitution"), (
    Field("id", U, N_("identifier"), required=True),
    Field("timetable_entry_id", U, N_("lesson in the timetable"), required=True, ref="timetable_entry"),
    Field("lesson_date", D, N_("date of the lesson"), required=True),
    Field("staff_member_id", U, N_("substitute teacher"), required=True, ref="staff_member"),
)))

LESSON = register(Entity("lesson", 1, N_("lesson"), (
    Field("id", U, N_("identifier"), required=True),
    Field("timetable_entry_id", U, N_("lesson in the timetable"), required=True, ref="timetable_entry"),
    Field("lesson_date", D, N_("date of the lesson"), required=True),
    Field("staff_member_id", U, N_("teacher"), required=True, ref="staff_member"),
    Field("topic", T, N_("topic"), max_length=500),
    Field("realised", B, N_("lesson took place"), required=True),
)))


def _school_mark(record: Mapping[str, Any]) -> list[FieldError]:
    """A school's mark is 1–5 lower-case letters or digits and never one of the standard marks."""
    mark = record.get("mark") or ""
    if not MARK_PATTERN.fullmatch(mark):
        return [FieldError("mark", "mark_format", N_("use 1 to 5 lower-case letters or digits"),
                           {"label": N_("mark")})]
    if mark in MARKS.values():
        return [FieldError("mark", "standard_mark", N_("this is a standard mark; choose another"),
                           {"label": N_("mark")})]
    return []


ATTENDANCE_CODE = register(Entity("attendance_code", 1, N_("attendance code"), (
    Field("id", U, N_("identifier"), required=True),
    Field("mark", T, N_("mark"), required=True, max_length=5),
    Field("name", T, N_("name of the code"), required=True, max_length=100),
    Field("kind", E, N_("standard kind"), required=True, choices=CODES),
    Field("active", B, N_("in use"), required=True),
), record_checks=(_school_mark,)))

# Version 2 added ``school_code_id`` (optional; protocol.upcast brings version 1 records up unchanged).
ATTENDANCE = register(Entity("attendance", 2, N_("attendance"), (
    Field("id", U, N_("identifier"), required=True),
    Field("lesson_id", U, N_("lesson"), required=True, ref="lesson"),
    Field("pupil_id", U, N_("pupil"), required=True, ref="pupil"),
    Field("code", E, N_("attendance"), required=True, choices=CODES),
    Field("excused_by", U, N_("excused by"), ref="staff_member"),
    Field("school_code_id", U, N_("school's attendance code"), ref="attendance_code"),
)))
