"""The versioned entity registry: what a school node sends and the hub understands.

Each entity has a name (also its table name on the node and in the warehouse), a schema
version, its fields, the foreign references between entities, and record-level rules that
involve several fields. Everything a node owns is keyed by a UUID made where the record was
created. Changing an entity's fields means a new version here plus an upcast rule (sync issue).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from protocol import pesel as pesel_rules
from protocol.fields import Field, FieldError, FieldType, Privacy, parse_date
from protocol.i18n import N_

T, U, INT, D, B, E = (FieldType.TEXT, FieldType.UUID, FieldType.INT, FieldType.DATE, FieldType.BOOL, FieldType.ENUM)

SCHOOL_KINDS = ("preschool", "primary", "secondary", "special", "centre")
SEXES = ("F", "M")
DOCUMENT_TYPES = ("passport", "id_card", "birth_certificate", "residence_card", "other")
RELATIONS = ("mother", "father", "legal_guardian", "foster_parent", "other")
STAFF_POSITIONS = (
    "teacher", "director", "deputy_director", "pedagogue", "psychologist",
    "speech_therapist", "librarian", "administration", "support",
)
ADMISSION_REASONS = (
    "recruitment", "catchment_area", "transfer_in", "from_abroad", "promotion", "class_change", "other",
)
# Stopień awansu zawodowego after the 2022 reform of the Teachers' Charter (Karta Nauczyciela): three grades,
# plus "none" for teachers without one and for non-teaching staff.
PROMOTION_GRADES = ("beginning", "appointed", "chartered", "none")
LEAVING_REASONS = ("graduated", "transfer_out", "moved_abroad", "promotion", "class_change", "deceased", "other")

RecordCheck = Callable[[Mapping[str, Any]], list[FieldError]]


@dataclass(frozen=True)
class Entity:
    """One entity type of the protocol."""

    name: str
    version: int
    label: str
    fields: tuple[Field, ...]
    record_checks: tuple[RecordCheck, ...] = ()
    owner: str = "school"  # "school" (a node) or "hub"
    pk: str = "id"
    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of all fields in wire order."""
        return tuple(f.name for f in self.fields)

    @property
    def references(self) -> tuple[Field, ...]:
        """Fields that point at another entity."""
        return tuple(f for f in self.fields if f.ref is not None)

    def validate(self, record: Mapping[str, Any]) -> list[FieldError]:
        """Return every rule ``record`` breaks (empty list: valid).

        Field rules run first; record rules only run when the fields they read are valid,
        so a user sees the root cause ("PESEL check digit is wrong") and not its echoes.
        """
        errors: list[FieldError] = []
        unknown = sorted(set(record) - set(self.by_name))
        for name in unknown:
            errors.append(FieldError(name, "unknown_field", N_("unknown field"), {"label": name}))
        for f in self.fields:
            error = f.validate(record.get(f.name))
            if error is not None:
                errors.append(error)
        if not errors:
            for check in self.record_checks:
                errors.extend(check(record))
        return errors


def _text(name: str, label: str, max_length: int, **kw: Any) -> Field:
    return Field(name, T, label, max_length=max_length, **kw)


# --- record-level rules ---------------------------------------------------------------------------


def _pupil_identity(record: Mapping[str, Any]) -> list[FieldError]:
    """A pupil is identified by PESEL or, failing that, by a document type and number."""
    pesel = record.get("pesel")
    if pesel:
        info = pesel_rules.parse(pesel)
        errors = []
        birth = parse_date(record.get("birth_date") or "")
        if birth is not None and birth != info.birth_date:
            errors.append(FieldError(
                "birth_date", "pesel_birth_date",
                N_("does not match the date encoded in the PESEL ({expected})"),
                {"label": N_("date of birth"), "expected": info.birth_date.isoformat()},
            ))
        if record.get("sex") and record.get("sex") != info.sex:
            errors.append(FieldError(
                "sex", "pesel_sex", N_("does not match the PESEL"), {"label": N_("sex")}
            ))
        return errors
    if not record.get("document_type") or not record.get("document_number"):
        return [FieldError(
            "pesel", "identity_missing",
            N_("enter the PESEL or, if the child has none, a document type and number"),
            {"label": N_("PESEL")},
        )]
    return []


def date_order(start: str, end: str, end_label: str) -> RecordCheck:
    """A record rule: ``end`` (when given) is not before ``start``; the hub mirrors it in SQL."""

    def check(record: Mapping[str, Any]) -> list[FieldError]:
        first, last = parse_date(record.get(start) or ""), parse_date(record.get(end) or "")
        if first is not None and last is not None and last < first:
            return [FieldError(end, "date_order", N_("cannot be earlier than the start date"),
                               {"label": end_label})]
        return []

    check.__doc__ = f"{end} is not before {start}"
    check.date_order = (start, end)  # type: ignore[attr-defined]  # read by hub.warehouse.checks
    return check


def _school_year_label(record: Mapping[str, Any]) -> list[FieldError]:
    """The label 2026/2027 must name consecutive years, the first being the start date's year."""
    first_year, second_year = (int(part) for part in record["label"].split("/"))
    starts = parse_date(record.get("starts_on") or "")
    if second_year != first_year + 1 or (starts is not None and starts.year != first_year):
        return [FieldError("label", "school_year_label",
                           N_("must be two consecutive years starting with the year of the start date"),
                           {"label": N_("school year")})]
    return []


def _leaving_reason(record: Mapping[str, Any]) -> list[FieldError]:
    """An enrolment that ended must say why, and a reason needs an end date."""
    if record.get("ends_on") and not record.get("leaving_reason"):
        return [FieldError("leaving_reason", "required", N_("this field is required"),
                           {"label": N_("reason for leaving")})]
    if record.get("leaving_reason") and not record.get("ends_on"):
        return [FieldError("ends_on", "required", N_("this field is required"),
                           {"label": N_("end date")})]
    return []


# --- the registry ---------------------------------------------------------------------------------

ADDRESS = (
    _text("street", N_("street and number"), 150, privacy=Privacy.DROP),
    _text("postal_code", N_("postal code"), 6, check="postal_code", privacy=Privacy.DROP),
    _text("city", N_("town"), 100, privacy=Privacy.DROP),
)

ENTITIES: dict[str, Entity] = {}


def register(entity: Entity) -> Entity:
    """Add ``entity`` to the registry (feature modules such as ``entities_gradebook`` call this)."""
    if entity.name in ENTITIES:
        raise ValueError(f"entity {entity.name!r} registered twice")
    ENTITIES[entity.name] = entity
    return entity


SCHOOL = register(Entity("school", 1, N_("school"), (
    Field("id", U, N_("identifier"), required=True),
    _text("rspo", N_("RSPO number"), 10, required=True, check="rspo"),
    _text("name", N_("school name"), 300, required=True),
    Field("kind", E, N_("type of institution"), required=True, choices=SCHOOL_KINDS),
    _text("street", N_("street and number"), 150),
    _text("postal_code", N_("postal code"), 6, check="postal_code"),
    _text("city", N_("town"), 100),
    _text("district", N_("district"), 100),
)))

SCHOOL_YEAR = register(Entity("school_year", 1, N_("school year"), (
    Field("id", U, N_("identifier"), required=True),
    _text("label", N_("school year"), 9, required=True, check="school_year"),
    Field("starts_on", D, N_("start date"), required=True),
    Field("ends_on", D, N_("end date"), required=True),
), record_checks=(date_order("starts_on", "ends_on", N_("end date")), _school_year_label)))

# Version 2 added ``promotion_grade`` (optional; protocol.upcast brings version 1 records up unchanged).
STAFF_MEMBER = register(Entity("staff_member", 2, N_("staff member"), (
    Field("id", U, N_("identifier"), required=True),
    _text("first_name", N_("first name"), 100, required=True, privacy=Privacy.DROP),
    _text("last_name", N_("last name"), 100, required=True, privacy=Privacy.DROP),
    Field("position", E, N_("position"), required=True, choices=STAFF_POSITIONS),
    _text("email", N_("e-mail"), 254, check="email", privacy=Privacy.DROP),
    _text("phone", N_("phone"), 20, check="phone", privacy=Privacy.DROP),
    Field("active", B, N_("active"), required=True),
    Field("promotion_grade", E, N_("promotion grade"), choices=PROMOTION_GRADES),
)))

SUBJECT = register(Entity("subject", 1, N_("subject"), (
    Field("id", U, N_("identifier"), required=True),
    _text("code", N_("subject code"), 20, required=True),
    _text("name", N_("subject name"), 150, required=True),
)))

CLASS_UNIT = register(Entity("class_unit", 1, N_("class"), (
    Field("id", U, N_("identifier"), required=True),
    Field("school_year_id", U, N_("school year"), required=True, ref="school_year"),
    Field("level", INT, N_("level"), required=True, min_value=0, max_value=8),
    _text("letter", N_("class letter"), 10, required=True),
    _text("profile", N_("profile"), 150),
    Field("tutor_id", U, N_("class tutor"), ref="staff_member"),
)))

PUPIL = register(Entity("pupil", 1, N_("pupil"), (
    Field("id", U, N_("identifier"), required=True),
    _text("pesel", N_("PESEL"), 11, check="pesel", privacy=Privacy.IDENTIFIER),
    Field("document_type", E, N_("identity document type"), choices=DOCUMENT_TYPES, privacy=Privacy.DROP),
    _text("document_number", N_("document number"), 30, check="document_number", privacy=Privacy.IDENTIFIER),
    _text("first_name", N_("first name"), 100, required=True, privacy=Privacy.DROP),
    _text("second_name", N_("second name"), 100, privacy=Privacy.DROP),
    _text("last_name", N_("last name"), 100, required=True, privacy=Privacy.DROP),
    Field("birth_date", D, N_("date of birth"), required=True, privacy=Privacy.YEAR),
    _text("birth_place", N_("place of birth"), 100, privacy=Privacy.DROP),
    Field("sex", E, N_("sex"), required=True, choices=SEXES),
    *ADDRESS,
    _text("register_number", N_("register number"), 20, privacy=Privacy.DROP),
), record_checks=(_pupil_identity,)))

GUARDIAN = register(Entity("guardian", 1, N_("guardian"), (
    Field("id", U, N_("identifier"), required=True),
    _text("first_name", N_("first name"), 100, required=True, privacy=Privacy.DROP),
    _text("last_name", N_("last name"), 100, required=True, privacy=Privacy.DROP),
    _text("phone", N_("phone"), 20, check="phone", privacy=Privacy.DROP),
    _text("email", N_("e-mail"), 254, check="email", privacy=Privacy.DROP),
    *ADDRESS,
)))

PUPIL_GUARDIAN = register(Entity("pupil_guardian", 1, N_("pupil's guardian"), (
    Field("id", U, N_("identifier"), required=True),
    Field("pupil_id", U, N_("pupil"), required=True, ref="pupil"),
    Field("guardian_id", U, N_("guardian"), required=True, ref="guardian"),
    Field("relation", E, N_("relation"), required=True, choices=RELATIONS),
    Field("legal_custody", B, N_("legal custody"), required=True),
    Field("may_receive_info", B, N_("may receive information"), required=True),
)))

ENROLMENT = register(Entity("enrolment", 1, N_("enrolment"), (
    Field("id", U, N_("identifier"), required=True),
    Field("pupil_id", U, N_("pupil"), required=True, ref="pupil"),
    Field("class_id", U, N_("class"), required=True, ref="class_unit"),
    Field("starts_on", D, N_("start date"), required=True),
    Field("ends_on", D, N_("end date")),
    Field("admission_reason", E, N_("reason for admission"), required=True, choices=ADMISSION_REASONS),
    Field("leaving_reason", E, N_("reason for leaving"), choices=LEAVING_REASONS),
), record_checks=(date_order("starts_on", "ends_on", N_("end date")), _leaving_reason)))


TEACHING_ASSIGNMENT = register(Entity("teaching_assignment", 1, N_("teaching assignment"), (
    Field("id", U, N_("identifier"), required=True),
    Field("staff_member_id", U, N_("teacher"), required=True, ref="staff_member"),
    Field("subject_id", U, N_("subject"), required=True, ref="subject"),
    Field("class_id", U, N_("class"), required=True, ref="class_unit"),
    _text("group_name", N_("group"), 50),
    Field("hours_per_week", INT, N_("hours per week"), min_value=0, max_value=40),
    Field("starts_on", D, N_("start date"), required=True),
    Field("ends_on", D, N_("end date")),
), record_checks=(date_order("starts_on", "ends_on", N_("end date")),)))


def schema_set() -> dict[str, int]:
    """Return {entity name: version} of this protocol build, as sent in batch headers."""
    return {name: e.version for name, e in ENTITIES.items()}


def dependency_order() -> list[str]:
    """Entity names ordered so that every entity comes after those it references."""
    ordered: list[str] = []
    pending = dict(ENTITIES)
    while pending:
        ready = [n for n, e in pending.items() if all(r.ref in ordered or r.ref == n for r in e.references)]
        if not ready:
            raise RuntimeError(f"reference cycle among {sorted(pending)}")
        for name in ready:
            ordered.append(name)
            del pending[name]
    return ordered


# --- feature modules ------------------------------------------------------------------------------
# Each feature's entities live in their own module, which calls register(); importing them here keeps
# ENTITIES complete for whoever imports this module. Keep one line per module, in dependency order.
import protocol.entities_catchment  # noqa: E402,F401 - catchment children's schooling reported to the city
import protocol.entities_gradebook  # noqa: E402,F401 - grades, term and behaviour grades (e-Dziennik)
import protocol.entities_journal  # noqa: E402,F401 - behaviour notes, homework, announcements (e-Dziennik)
import protocol.entities_lessons  # noqa: E402,F401 - timetable, lesson log, attendance (e-Dziennik)
import protocol.entities_secretariat  # noqa: E402,F401 - register, transfers, guardians' e-mail (e-Sekretariat)
import protocol.entities_staff  # noqa: E402,F401 - staff qualifications, employment, subjects (e-Sekretariat)
