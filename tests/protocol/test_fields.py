"""Field and record validation (protocol.fields, protocol.entities), with the Polish messages users see."""

from __future__ import annotations

import copy
import re
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import changes
from protocol.entities import ENTITIES, dependency_order, schema_set
from protocol.fields import WHITESPACE, FieldError
from zszo.i18n import gettext_for

FAST = settings(max_examples=150, deadline=None)
PL = gettext_for("pl")

IDS = {
    "school": "0b3c2a6e-8d0f-4c1e-9a57-1f2e3d4c5b6a",
    "school_year": "1c4d3b7f-9e10-4d2f-8b68-2a3f4e5d6c7b",
    "staff_member": "2d5e4c80-af21-4e3a-9c79-3b40a5f6e7d8",
    "subject": "3e6f5d91-b032-4f4b-8d8a-4c51b6a7f8e9",
    "class_unit": "4f706ea2-c143-405c-9e9b-5d62c7b8a9fa",
    "pupil": "50817fb3-d254-416d-8fac-6e73d8c9bafb",
    "guardian": "6192a0c4-e365-427e-90bd-7f84e9dacb0c",
    "pupil_guardian": "72a3b1d5-f476-438f-a1ce-8095faebdc1d",
    "enrolment": "83b4c2e6-0587-4490-b2df-91a60bfced2e",
    "teaching_assignment": "94c5d3f7-1698-45a1-83e0-a2b71c0dfe3f",
    "register_entry": "a5d6e408-27a9-46b2-94f1-b3c82d1e0f40",
    "pupil_transfer": "b6e7f519-38ba-47c3-a502-c4d93e2f1051",
    "transfer_decision": "c7f8062a-49cb-48d4-b613-d5ea4f302162",
    "guardian_verification": "d809173b-5adc-49e5-8724-e6fb50413273",
    "audit_event": "e91a284c-6bed-4af6-9835-f70c61524384",
    "grade_category": "a5d6e408-27a9-46b2-b3df-a3b72c0ef140",
    "grade": "b6e7f519-38ba-47c3-84e0-b4c83d1f0251",
    "term_grade": "c7f80a2a-49cb-48d4-95f1-c5d94e201362",
    "behaviour_grade": "d8091b3b-5adc-49e5-a602-d6ea5f312473",
    "descriptive_assessment": "e91a2c4c-6bed-4af6-b713-e7fb60423584",
    "staff_qualification": "e91a284c-6bed-4af6-9835-f70c61524384",
    "staff_employment": "fa2b395d-7cfe-4b07-8a46-081d72635495",
    "staff_subject": "0b3c4a6e-8d0f-4c18-9b57-192e83746506",
}


def valid(entity: str, **overrides: Any) -> dict[str, Any]:
    """A valid record of ``entity``; an override of None removes the field."""
    records: dict[str, dict[str, Any]] = {
        "school": {
            "id": IDS["school"],
            "rspo": "12345",
            "name": "Szkoła Podstawowa nr 7 im. Marii Konopnickiej",
            "kind": "primary",
            "street": "ul. Długa 7",
            "postal_code": "31-147",
            "city": "Kraków",
            "district": "Stare Miasto",
        },
        "school_year": {
            "id": IDS["school_year"],
            "label": "2026/2027",
            "starts_on": "2026-09-01",
            "ends_on": "2027-08-31",
        },
        "staff_member": {
            "id": IDS["staff_member"],
            "first_name": "Grażyna",
            "last_name": "Żółkiewska",
            "position": "teacher",
            "email": "g.zolkiewska@sp7.krakow.pl",
            "phone": "600 100 200",
            "active": True,
            "promotion_grade": "appointed",
        },
        "subject": {"id": IDS["subject"], "code": "MAT", "name": "matematyka"},
        "class_unit": {
            "id": IDS["class_unit"],
            "school_year_id": IDS["school_year"],
            "level": 3,
            "letter": "b",
            "tutor_id": IDS["staff_member"],
        },
        "pupil": {
            "id": IDS["pupil"],
            "pesel": "04231115629",
            "first_name": "Zofia",
            "last_name": "Wójcik",
            "birth_date": "2004-03-11",
            "sex": "F",
            "register_number": "12/2019",
        },
        "guardian": {
            "id": IDS["guardian"],
            "first_name": "Ewa",
            "last_name": "Wójcik",
            "phone": "+48 601 202 303",
        },
        "pupil_guardian": {
            "id": IDS["pupil_guardian"],
            "pupil_id": IDS["pupil"],
            "guardian_id": IDS["guardian"],
            "relation": "mother",
            "legal_custody": True,
            "may_receive_info": 1,
        },
        "enrolment": {
            "id": IDS["enrolment"],
            "pupil_id": IDS["pupil"],
            "class_id": IDS["class_unit"],
            "starts_on": "2026-09-01",
            "admission_reason": "catchment_area",
        },
        "teaching_assignment": {
            "id": IDS["teaching_assignment"],
            "staff_member_id": IDS["staff_member"],
            "subject_id": IDS["subject"],
            "class_id": IDS["class_unit"],
            "group_name": "gr. 1 – język niemiecki",
            "hours_per_week": 4,
            "starts_on": "2026-09-01",
        },
        # Feature modules (protocol/entities_*.py) add a valid record of each of their entities here.
        "register_entry": {
            "id": IDS["register_entry"],
            "pupil_id": IDS["pupil"],
            "number": "12/2019",
            "admitted_on": "2019-09-01",
            "admission_reason": "catchment_area",
            "admission_decision": "SP7.4310.12.2019",
        },
        "pupil_transfer": {
            "id": IDS["pupil_transfer"],
            "pupil_id": IDS["pupil"],
            "direction": "out",
            "in_city": True,
            "transfer_on": "2027-01-15",
            "status": "pending",
            "other_rspo": "54321",
            "other_name": "Szkoła Podstawowa nr 12 im. Jana Pawła II",
            "other_postal_code": "31-150",
            "handover": f"pupil:{IDS['pupil']} guardian:{IDS['guardian']}",
        },
        "transfer_decision": {
            "id": IDS["transfer_decision"],
            "transfer_id": IDS["pupil_transfer"],
            "accepted": False,
            "decided_on": "2027-01-10",
            "reason": "brak wolnych miejsc w klasie 3",
        },
        "audit_event": {
            "id": IDS["audit_event"],
            "occurred_at": "2026-11-29 05:10:02.000000",
            "user_id": 7,
            "username": "sekretariat",
            "role": "secretary",
            "action": "view",
            "entity": "pupil",
            "record_id": IDS["pupil"],
            "purpose": "pupil_card",
            "prev_hash": "0" * 64,
            "hash": "5d41402abc4b2a76b9719d911017c592" * 2,
        },
        "guardian_verification": {
            "id": IDS["guardian_verification"],
            "guardian_id": IDS["guardian"],
            "email": "ewa.wojcik@example.pl",
            "verified_on": "2026-09-03",
            "method": "in_person",
        },
        # e-Dziennik: timetable, lesson log, attendance (protocol/entities_lessons.py)
        "bell_time": {"id": "a5d6e408-27a9-46b2-a4e0-b3c8d9e0f101", "number": 1, "starts_at": "08:00",
                      "ends_at": "08:45"},
        "timetable_entry": {"id": "b6e7f519-38ba-47c3-b5f1-c4d9e0f1a212", "class_id": IDS["class_unit"],
                            "weekday": 1, "lesson_number": 1, "subject_id": IDS["subject"],
                            "staff_member_id": IDS["staff_member"], "room": "12", "valid_from": "2026-09-01"},
        "day_off": {"id": "c7f8a62a-49cb-48d4-86a2-d5e0f1a2b323", "day": "2026-11-02",
                    "reason": "Dzień wolny dyrektora"},
        "substitution": {"id": "d8a9b73b-5adc-49e5-97b3-e6f1a2b3c434", "lesson_date": "2026-09-07",
                         "timetable_entry_id": "b6e7f519-38ba-47c3-b5f1-c4d9e0f1a212",
                         "staff_member_id": IDS["staff_member"]},
        "lesson": {"id": "e9bac84c-6bed-4af6-a8c4-f7a2b3c4d545",
                   "timetable_entry_id": "b6e7f519-38ba-47c3-b5f1-c4d9e0f1a212",
                   "lesson_date": "2026-09-07", "staff_member_id": IDS["staff_member"],
                   "topic": "Ułamki zwykłe – powtórzenie", "realised": True},
        "attendance": {"id": "fa0bd95d-7cfe-4b07-b9d5-08b3c4d5e656",
                       "lesson_id": "e9bac84c-6bed-4af6-a8c4-f7a2b3c4d545",
                       "pupil_id": IDS["pupil"], "code": "excused",
                       "school_code_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"},
        "attendance_code": {"id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "mark": "ch",
                            "name": "choroba (zaświadczenie lekarskie)", "kind": "excused", "active": True},
        "grade_category": {"id": IDS["grade_category"], "name": "sprawdzian", "weight": 5, "counts": True,
                           "active": True},
        "grade": {"id": IDS["grade"], "pupil_id": IDS["pupil"], "assignment_id": IDS["teaching_assignment"],
                  "category_id": IDS["grade_category"], "symbol": "4+", "given_on": "2026-10-05",
                  "description": "ułamki", "teacher_id": IDS["staff_member"]},
        "term_grade": {"id": IDS["term_grade"], "pupil_id": IDS["pupil"], "assignment_id": IDS["teaching_assignment"],
                       "period": "term", "stage": "proposed", "value": 5, "given_on": "2027-01-10",
                       "teacher_id": IDS["staff_member"]},
        "behaviour_grade": {"id": IDS["behaviour_grade"], "pupil_id": IDS["pupil"], "class_id": IDS["class_unit"],
                            "period": "year", "stage": "final", "value": "very_good", "given_on": "2027-06-20",
                            "teacher_id": IDS["staff_member"]},
        "descriptive_assessment": {"id": IDS["descriptive_assessment"], "pupil_id": IDS["pupil"],
                                   "class_id": IDS["class_unit"], "period": "term",
                                   "text": "Zosia czyta płynnie i chętnie pomaga innym.", "given_on": "2027-01-10",
                                   "teacher_id": IDS["staff_member"]},
        # compulsory schooling at school level (protocol/entities_catchment.py)
        "catchment_child": {"id": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "school_year": "2026/2027",
                            "pesel": "19230100053", "document_type": None, "document_number": None,
                            "birth_date": "2019-03-01", "status": "deferred", "decision_number": "SP7.4310.12.2026",
                            "other_school": None, "other_school_address": None},
        # e-Dziennik: behaviour notes, homework, announcements (protocol/entities_journal.py)
        "behaviour_note": {"id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "pupil_id": IDS["pupil"],
                           "class_id": IDS["class_unit"], "kind": "positive", "category": "activity",
                           "text": "Pomógł koledze w zadaniu.", "noted_on": "2026-10-05",
                           "author_id": IDS["staff_member"], "audience": "families"},
        "homework": {"id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "assignment_id": IDS["teaching_assignment"],
                     "set_on": "2026-10-05", "due_on": "2026-10-07", "description": "Zadania 1–5, str. 42",
                     "author_id": IDS["staff_member"], "audience": "families"},
        "announcement": {"id": "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f", "title": "Wywiadówka",
                         "body": "Zebranie z rodzicami w czwartek o 17:00.", "valid_from": "2026-10-05",
                         "valid_to": "2026-10-08", "scope": "classes", "author_id": IDS["staff_member"],
                         "audience": "staff"},
        "announcement_class": {"id": "4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f80",
                               "announcement_id": "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f",
                               "class_id": IDS["class_unit"]},
        "staff_qualification": {
            "id": IDS["staff_qualification"],
            "staff_member_id": IDS["staff_member"],
            "kind": "masters",
            "field_of_study": "matematyka, specjalność nauczycielska",
            "institution": "Uniwersytet Jagielloński",
            "obtained_on": "2009-06-30",
        },
        "staff_employment": {
            "id": IDS["staff_employment"],
            "staff_member_id": IDS["staff_member"],
            "basis": "appointment",
            "starts_on": "2010-09-01",
            "fte_numerator": 18,
            "fte_denominator": 18,
            "teaching_hours_norm": 18,
        },
        "staff_subject": {
            "id": IDS["staff_subject"],
            "staff_member_id": IDS["staff_member"],
            "subject_id": IDS["subject"],
        },
    }
    record = {**records[entity], **overrides}
    return {k: v for k, v in record.items() if v is not None}


def codes(entity: str, record: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, code) of every error ``record`` gets."""
    return [(e.field, e.code) for e in ENTITIES[entity].validate(record)]


def only_error(entity: str, record: dict[str, Any]) -> FieldError:
    errors = ENTITIES[entity].validate(record)
    assert len(errors) == 1, errors
    return errors[0]


# --- valid records -------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_factory_records_are_valid(entity: str) -> None:
    assert ENTITIES[entity].validate(valid(entity)) == []


@pytest.mark.parametrize(
    "name",
    [
        "Zażółć Gęślą-Jaźń",
        "O'Connor",
        "D’Artagnan",  # typographic apostrophe
        "Łucja 👩‍🎓",  # emoji with a zero-width joiner
        "🦄",
        "Nguyễn Thị Minh Khai",
        "Ελένη",
        "Ярослава",
        "😀" * 100,  # the limit counts characters, not UTF-8 bytes
    ],
)
def test_names_with_diacritics_apostrophes_and_emoji_are_valid_and_unchanged(name: str) -> None:
    record = valid("pupil", first_name=name, second_name=name, last_name=name, birth_place=name)
    before = copy.deepcopy(record)
    assert ENTITIES["pupil"].validate(record) == []
    assert record == before
    # ... and they travel through a change payload byte-exactly.
    payload = changes.encode([changes.Change(1, "pupil", 1, record["id"], "upsert", 0, record)])
    decoded = list(changes.decode(payload, first_seq=1, last_seq=1, count=1))
    assert decoded[0].data == before
    assert decoded[0].data["first_name"] == name


# --- single-field rules --------------------------------------------------------------------------


@pytest.mark.parametrize("missing", [None, ""])
@pytest.mark.parametrize(
    ("entity", "field"),
    [
        ("pupil", "first_name"),
        ("pupil", "last_name"),
        ("pupil", "birth_date"),
        ("pupil", "sex"),
        ("school", "rspo"),
        ("school", "kind"),
        ("class_unit", "level"),
        ("staff_member", "active"),
        ("enrolment", "pupil_id"),
    ],
)
def test_required_fields(entity: str, field: str, missing: Any) -> None:
    record = valid(entity)
    record[field] = missing
    error = only_error(entity, record)
    assert (error.field, error.code, error.message) == (field, "required", "this field is required")


def test_missing_key_is_the_same_as_none() -> None:
    record = valid("pupil")
    del record["first_name"]
    assert codes("pupil", record) == [("first_name", "required")]


def test_false_and_zero_are_values_not_missing() -> None:
    assert codes("staff_member", valid("staff_member", active=False)) == []
    assert codes("staff_member", valid("staff_member", active=0)) == []
    assert codes("class_unit", valid("class_unit", level=0)) == []


def test_ten_thousand_character_first_name_is_too_long() -> None:
    error = only_error("pupil", valid("pupil", first_name="a" * 10_000))
    assert error.field == "first_name"
    assert error.code == "too_long"
    assert error.message == "at most {max} characters allowed, {length} given"
    assert dict(error.params) == {"label": "first name", "max": 100, "length": 10_000}
    assert error.render(PL) == "Imię: dozwolone najwyżej 100 znaków, podano 10000"
    assert error.render() == "First name: at most 100 characters allowed, 10000 given"


def test_length_limit_is_inclusive() -> None:
    assert codes("pupil", valid("pupil", last_name="K" * 100)) == []
    assert codes("pupil", valid("pupil", last_name="K" * 101)) == [("last_name", "too_long")]


CONTROL_CHARS = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]]


@pytest.mark.parametrize("char", CONTROL_CHARS, ids=[f"U+{ord(c):04X}" for c in CONTROL_CHARS])
def test_control_characters_are_rejected(char: str) -> None:
    assert codes("pupil", valid("pupil", first_name=f"Zo{char}fia")) == [("first_name", "control_chars")]


@pytest.mark.parametrize("inner", ["\t", "\n", "\r\n"])
def test_tab_and_line_breaks_inside_text_are_not_control_characters(inner: str) -> None:
    # They are legitimate in longer texts (e.g. a profile description); only the ends are checked.
    assert codes("class_unit", valid("class_unit", profile=f"matematyczno-{inner}fizyczny")) == []


@pytest.mark.parametrize(
    "value",
    [" Zofia", "Zofia ", "Zofia\t", "\nZofia", "Zofia\u00a0", "\u3000Zofia", "Zofia\u2003", "Zofia\u2028"],
)
def test_surrounding_whitespace_is_rejected(value: str) -> None:
    error = only_error("pupil", valid("pupil", first_name=value))
    assert (error.field, error.code) == ("first_name", "whitespace")
    assert error.render(PL) == "Imię: usuń spacje z początku lub końca"


def test_whitespace_class_is_exactly_what_strip_removes() -> None:
    # The hub's SQL checks use WHITESPACE as a regex class; it must match Python's str.strip().
    pattern = re.compile(f"[{WHITESPACE}]")
    stripped = {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}
    matched = {c for c in map(chr, range(sys.maxunicode + 1)) if pattern.fullmatch(c)}
    assert matched == stripped


@pytest.mark.parametrize(
    ("entity", "field", "value", "code"),
    [
        ("pupil", "first_name", 42, "type"),
        ("pupil", "first_name", ["Zofia"], "type"),
        ("pupil", "first_name", {"pl": "Zofia"}, "type"),
        ("pupil", "birth_date", "2015-13-01", "date"),
        ("pupil", "birth_date", "2015-02-30", "date"),
        ("pupil", "birth_date", "2015-9-1", "date"),
        ("pupil", "birth_date", "20150901", "date"),
        ("pupil", "birth_date", "2015-09-01T08:00:00", "date"),
        ("pupil", "birth_date", "２０１５-09-01", "date"),
        ("pupil", "birth_date", "1899-12-31", "date"),
        ("pupil", "birth_date", "2200-01-01", "date"),
        ("pupil", "birth_date", 20150901, "date"),
        ("staff_member", "active", 2, "type"),
        ("staff_member", "active", -1, "type"),
        ("staff_member", "active", "true", "type"),
        ("staff_member", "active", 1.0, "type"),
        ("staff_member", "active", [True], "type"),
        ("class_unit", "level", 9, "out_of_range"),
        ("class_unit", "level", -1, "out_of_range"),
        ("class_unit", "level", True, "type"),
        ("class_unit", "level", "3", "type"),
        ("class_unit", "level", 3.0, "type"),
        ("class_unit", "level", 2**63, "type"),
        ("class_unit", "tutor_id", "not-a-uuid", "type"),
        ("class_unit", "tutor_id", IDS["staff_member"].upper(), "type"),
        ("class_unit", "tutor_id", IDS["staff_member"].replace("-", ""), "type"),
        ("class_unit", "tutor_id", 12345, "type"),
        ("pupil", "sex", "K", "choice"),
        ("pupil", "sex", "f", "choice"),
        ("pupil", "sex", 1, "choice"),
        ("school", "kind", "university", "choice"),
        ("pupil_guardian", "relation", "aunt", "choice"),
    ],
)
def test_wrong_types_and_values(entity: str, field: str, value: Any, code: str) -> None:
    error = only_error(entity, valid(entity, **{field: value}))
    assert (error.field, error.code) == (field, code)


def test_out_of_range_params() -> None:
    error = only_error("class_unit", valid("class_unit", level=9))
    assert dict(error.params) == {"label": "level", "min": 0, "max": 8}
    assert error.render(PL) == "Poziom: musi mieścić się w zakresie od 0 do 8"


def test_enum_error_lists_the_choices() -> None:
    error = only_error("pupil", valid("pupil", sex="K"))
    assert dict(error.params) == {"label": "sex", "choices": "F, M"}
    assert error.render(PL) == "Płeć: wybierz jedną z dostępnych opcji"


def test_bad_date_message() -> None:
    error = only_error("pupil", valid("pupil", birth_date="2015-13-01"))
    assert error.render(PL) == "Data urodzenia: nieprawidłowa data (użyj formatu RRRR-MM-DD, np. 2015-09-01)"


@pytest.mark.parametrize(
    ("entity", "field", "value", "code"),
    [
        ("school", "postal_code", "31-147", None),
        ("school", "postal_code", "31147", "postal_code"),
        ("school", "postal_code", "31-14", "postal_code"),
        ("school", "postal_code", "3l-147", "postal_code"),
        ("school", "postal_code", "31 147", "postal_code"),
        ("school", "postal_code", "31-1477", "too_long"),
        ("staff_member", "email", "jan.kowalski@sp7.krakow.pl", None),
        ("staff_member", "email", "anna+rada@example.com", None),
        ("staff_member", "email", "zażółć@gęślą.pl", None),
        ("staff_member", "email", "jan.kowalski", "email"),
        ("staff_member", "email", "jan@", "email"),
        ("staff_member", "email", "@sp7.pl", "email"),
        ("staff_member", "email", "jan@localhost", "email"),
        ("staff_member", "email", "jan@@sp7.pl", "email"),
        ("staff_member", "email", "jan kowalski@sp7.pl", "email"),
        ("staff_member", "email", "jan@sp7..pl", "email"),
        ("staff_member", "email", "j" * 65 + "@sp7.pl", "email"),
        ("staff_member", "phone", "600 100 200", None),
        ("staff_member", "phone", "+48 600 100 200", None),
        ("staff_member", "phone", "12-345-67-89", None),
        ("staff_member", "phone", "600100200", None),
        ("staff_member", "phone", "600", "phone"),
        ("staff_member", "phone", "tel. 600100200", "phone"),
        ("staff_member", "phone", "600 100 20x", "phone"),
        ("staff_member", "phone", "600 100 200-", "phone"),
        ("staff_member", "phone", "+48 600 100 200 300 400", "too_long"),
        ("school", "rspo", "1", None),
        ("school", "rspo", "1234567890", None),
        ("school", "rspo", "12a4", "rspo"),
        ("school", "rspo", "-12", "rspo"),
        ("school", "rspo", "١٢٣", "rspo"),
        ("school", "rspo", "12345678901", "too_long"),
        ("school_year", "label", "2026/2027", None),
        ("school_year", "label", "2026-2027", "school_year"),
        ("school_year", "label", "2026/27", "school_year"),
        ("school_year", "label", "26/27", "school_year"),
        ("school_year", "label", "1899/1900", "school_year"),
        ("school_year", "label", "2026/2027/", "too_long"),
        ("pupil", "document_number", "ZS 1234567", None),
        ("pupil", "document_number", "AB/12-34", None),
        ("pupil", "document_number", "A", "document_number"),
        ("pupil", "document_number", "-AB12", "document_number"),
        ("pupil", "document_number", "AB_12", "document_number"),
    ],
)
def test_formats(entity: str, field: str, value: str, code: str | None) -> None:
    errors = ENTITIES[entity].validate(valid(entity, **{field: value}))
    assert [(e.field, e.code) for e in errors] == ([] if code is None else [(field, code)])


@pytest.mark.parametrize(
    ("entity", "field", "value", "expected"),
    [
        ("school", "postal_code", "31147", "Kod pocztowy: wpisz w formacie 00-000"),
        ("staff_member", "email", "jan@", "Adres e-mail: to nie jest poprawny adres e-mail"),
        ("staff_member", "phone", "600", "Telefon: wpisz same cyfry, np. 600 100 200"),
        ("school", "rspo", "12a4", "Numer RSPO: musi mieć od 1 do 10 cyfr"),
        ("school_year", "label", "2026-2027", "Rok szkolny: wpisz w formacie 2026/2027"),
        ("class_unit", "tutor_id", "not-a-uuid", "Wychowawca: nieprawidłowy identyfikator"),
        ("pupil", "register_number", 12, "Numer w księdze uczniów: oczekiwano tekstu"),
        ("staff_member", "active", 2, "Aktywny: oczekiwano wartości tak lub nie"),
        ("class_unit", "level", "3", "Poziom: oczekiwano liczby całkowitej"),
        ("pupil", "first_name", "Zo\x00fia", "Imię: zawiera niewidoczne znaki sterujące"),
    ],
)
def test_polish_messages(entity: str, field: str, value: Any, expected: str) -> None:
    assert only_error(entity, valid(entity, **{field: value})).render(PL) == expected


def test_unknown_fields_are_reported_by_name() -> None:
    errors = ENTITIES["pupil"].validate(valid("pupil", nickname="Zosia", shoe_size=33))
    assert errors == [
        FieldError("nickname", "unknown_field", "unknown field", {"label": "nickname"}),
        FieldError("shoe_size", "unknown_field", "unknown field", {"label": "shoe_size"}),
    ]
    assert errors[0].render(PL) == "Nickname: nieznane pole"


# --- record rules --------------------------------------------------------------------------------


def test_pupil_without_pesel_needs_a_document() -> None:
    no_pesel = valid("pupil", pesel=None)
    error = only_error("pupil", no_pesel)
    assert (error.field, error.code) == ("pesel", "identity_missing")
    assert (
        error.render(PL) == "PESEL: podaj numer PESEL, a jeśli dziecko go nie ma – rodzaj i numer dokumentu"
    )
    assert codes("pupil", {**no_pesel, "document_type": "passport"}) == [("pesel", "identity_missing")]
    assert codes("pupil", {**no_pesel, "document_number": "ZS1234567"}) == [("pesel", "identity_missing")]
    with_document = {**no_pesel, "document_type": "passport", "document_number": "ZS1234567"}
    assert codes("pupil", with_document) == []
    # Without a PESEL nothing constrains the birth date or sex.
    assert codes("pupil", {**with_document, "birth_date": "2016-01-31", "sex": "M"}) == []


def test_birth_date_must_match_pesel() -> None:
    error = only_error("pupil", valid("pupil", birth_date="2004-03-12"))
    assert (error.field, error.code) == ("birth_date", "pesel_birth_date")
    assert dict(error.params) == {"label": "date of birth", "expected": "2004-03-11"}
    assert error.render(PL) == "Data urodzenia: nie zgadza się z datą zapisaną w numerze PESEL (2004-03-11)"
    assert error.render() == "Date of birth: does not match the date encoded in the PESEL (2004-03-11)"


def test_sex_must_match_pesel() -> None:
    error = only_error("pupil", valid("pupil", sex="M"))
    assert (error.field, error.code) == ("sex", "pesel_sex")
    assert error.render(PL) == "Płeć: nie zgadza się z numerem PESEL"


def test_both_pesel_mismatches_are_reported() -> None:
    assert codes("pupil", valid("pupil", sex="M", birth_date="2005-03-11")) == [
        ("birth_date", "pesel_birth_date"),
        ("sex", "pesel_sex"),
    ]


@pytest.mark.parametrize(
    ("value", "code", "polish"),
    [
        ("04231115628", "pesel_checksum", "PESEL: błędna cyfra kontrolna (pomyłka przy wpisywaniu?)"),
        ("01222912346", "pesel_date", "PESEL: zapisana w nim data nie istnieje"),
        ("00000000000", "pesel_month", "PESEL: nieprawidłowe cyfry miesiąca (kodują one także stulecie)"),
        ("0423111562", "pesel_length", "PESEL: musi mieć dokładnie 11 cyfr"),
        ("0423111562X", "pesel_digits", "PESEL: może zawierać tylko cyfry 0-9"),
        ("042311156290", "too_long", "PESEL: dozwolone najwyżej 11 znaków, podano 12"),
        (4231115629, "type", "PESEL: oczekiwano tekstu"),
    ],
)
def test_bad_pesel_reports_the_root_cause_only(value: Any, code: str, polish: str) -> None:
    # The record rule (birth date / sex against the PESEL) must not echo a broken PESEL.
    error = only_error("pupil", valid("pupil", pesel=value, sex="M", birth_date="1999-01-01"))
    assert (error.field, error.code) == ("pesel", code)
    assert error.render(PL) == polish


def test_school_year_label_rule() -> None:
    assert codes("school_year", valid("school_year", label="2026/2028")) == [("label", "school_year_label")]
    mismatch = valid("school_year", label="2025/2026")  # starts_on is 2026-09-01
    error = only_error("school_year", mismatch)
    assert (error.field, error.code) == ("label", "school_year_label")
    assert error.render(PL) == (
        "Rok szkolny: musi obejmować dwa kolejne lata, z których pierwszy to rok daty rozpoczęcia"
    )


def test_school_year_dates_in_order() -> None:
    error = only_error("school_year", valid("school_year", ends_on="2026-08-31"))
    assert (error.field, error.code) == ("ends_on", "date_order")
    assert error.render(PL) == "Data zakończenia: nie może być wcześniejsza niż data rozpoczęcia"


def test_enrolment_rules() -> None:
    assert codes("enrolment", valid("enrolment")) == []
    left = valid("enrolment", ends_on="2027-01-15", leaving_reason="transfer_out")
    assert codes("enrolment", left) == []
    assert codes("enrolment", {**left, "ends_on": "2026-09-01"}) == []  # a single day is an order
    assert codes("enrolment", {**left, "ends_on": "2026-08-31"}) == [("ends_on", "date_order")]

    no_reason = only_error("enrolment", valid("enrolment", ends_on="2027-01-15"))
    assert (no_reason.field, no_reason.code) == ("leaving_reason", "required")
    assert no_reason.render(PL) == "Przyczyna skreślenia: pole jest wymagane"

    no_end = only_error("enrolment", valid("enrolment", leaving_reason="graduated"))
    assert (no_end.field, no_end.code) == ("ends_on", "required")
    assert no_end.render(PL) == "Data zakończenia: pole jest wymagane"


def test_record_rules_wait_for_valid_fields() -> None:
    # A bad field elsewhere suppresses record rules, so the user fixes the root cause first.
    record = valid("enrolment", ends_on="2027-01-15", admission_reason="bribe")
    assert codes("enrolment", record) == [("admission_reason", "choice")]


# --- FieldError ----------------------------------------------------------------------------------


def test_render_and_reason() -> None:
    error = only_error("pupil", valid("pupil", first_name=""))
    assert error.render(PL) == "Imię: pole jest wymagane"
    assert error.reason(PL) == "pole jest wymagane"
    assert error.render() == "First name: this field is required"
    assert error.as_dict() == {
        "field": "first_name",
        "code": "required",
        "message": "this field is required",
        "params": {"label": "first name"},
    }


def test_render_without_label_uses_field_name() -> None:
    assert FieldError("x", "required", "this field is required").render(PL) == "X: pole jest wymagane"


# --- properties ----------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@FAST
@given(st.sampled_from(sorted(ENTITIES)), st.data())
def test_validation_never_raises_and_every_error_renders(entity_name: str, data: st.DataObject) -> None:
    entity = ENTITIES[entity_name]
    base = valid(entity_name)
    replaced = data.draw(st.dictionaries(st.sampled_from(entity.field_names), json_values, max_size=4))
    extra = data.draw(st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=2))
    record = {**base, **replaced, **extra}
    errors = entity.validate(record)
    for error in errors:
        assert error.field in record or error.field in entity.by_name
        assert error.render(PL)  # every message's placeholders are filled by its params
        assert error.render()


printable_name = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=100
).filter(lambda s: s == s.strip())


@FAST
@given(printable_name)
def test_any_printable_name_up_to_the_limit_is_valid(name: str) -> None:
    assert codes("guardian", valid("guardian", first_name=name, last_name=name)) == []


@FAST
@given(printable_name, st.sampled_from(sorted(set(" \t\n\r\u00a0\u2009\u3000\u2028"))), st.booleans())
def test_surrounding_whitespace_is_always_caught(name: str, space: str, leading: bool) -> None:
    name = name[:99]
    padded = space + name if leading else name + space
    assert codes("guardian", valid("guardian", first_name=padded)) == [("first_name", "whitespace")]


# --- registry ------------------------------------------------------------------------------------


def test_dependency_order_puts_referenced_entities_first() -> None:
    order = dependency_order()
    assert sorted(order) == sorted(ENTITIES)
    position = {name: i for i, name in enumerate(order)}
    for name, entity in ENTITIES.items():
        for ref in entity.references:
            assert ref.ref in ENTITIES, f"{name}.{ref.name} points at an unknown entity"
            assert position[ref.ref] < position[name], f"{ref.ref} must come before {name}"
    assert position["school_year"] < position["class_unit"] < position["enrolment"]
    assert position["pupil"] < position["pupil_guardian"]
    assert position["guardian"] < position["pupil_guardian"]
    assert position["staff_member"] < position["class_unit"]


def test_schema_set_lists_every_entity_version() -> None:
    assert schema_set() == {name: entity.version for name, entity in ENTITIES.items()}
    assert all(type(v) is int and v >= 1 for v in schema_set().values())


def test_empty_field_name_never_renders_the_catalogue_header() -> None:
    # gettext("") returns the .po header; an unknown field may be called "" in a hostile record.
    errors = ENTITIES["subject"].validate({**valid("subject"), "": 1})
    assert [(e.field, e.code) for e in errors] == [("", "unknown_field")]
    assert errors[0].render(PL) == ": nieznane pole"


def test_school_attendance_codes_have_their_own_marks() -> None:
    assert codes("attendance_code", valid("attendance_code", mark="zaw")) == []
    assert codes("attendance_code", valid("attendance_code", mark="Ch")) == [("mark", "mark_format")]
    assert codes("attendance_code", valid("attendance_code", mark="zawody")) == [("mark", "too_long")]
    assert codes("attendance_code", valid("attendance_code", mark="nb")) == [("mark", "standard_mark")]
    assert codes("attendance_code", valid("attendance_code", kind="sick")) == [("kind", "choice")]
