"""The school's own register numbering: formats, a counter that only grows, numbers never given twice."""

from __future__ import annotations

import datetime as dt

import pytest

from node_agent.records import ValidationFailed
from node_agent.register import numbering
from node_agent.register.models import Pupil, RegisterCounter, RegisterEntry

AUTUMN = dt.date(2026, 10, 5)
SPRING = dt.date(2027, 3, 1)  # still the school year 2026/2027


def test_sequential_numbers_follow_each_other_and_skip_numbers_written_by_hand(db, seed):
    with db.transaction() as session:
        assert numbering.preview_next(session, AUTUMN) == "1"
        assert [numbering.next_number(session, AUTUMN) for _ in range(2)] == ["1", "2"]
        session.get(Pupil, seed.pupil_ids["jan"]).register_number = "7"  # an old number typed by hand
        session.flush()
        assert numbering.next_number(session, AUTUMN) == "8"
        assert session.get(RegisterCounter, "all").last == 8


def test_a_number_is_never_given_again_even_when_the_counter_is_behind(db, seed):
    with db.transaction() as session:
        session.add(RegisterEntry(id="e1", pupil_id=seed.pupil_ids["jan"], number="40", admitted_on=AUTUMN,
                                  admission_reason="recruitment"))
        session.flush()
        assert numbering.next_number(session, AUTUMN) == "41"
        session.delete(session.get(RegisterEntry, "e1"))  # a mistaken entry removed by hand
        session.flush()
        assert numbering.next_number(session, AUTUMN) == "42"  # 41 was given: it stays used


@pytest.mark.parametrize(("style", "expected"), [
    ("year_suffix", ["1/2026", "2/2026", "1/2027"]),
    ("year_prefix", ["2026/1", "2026/2", "2027/1"]),
])
def test_yearly_formats_count_per_school_year_of_admission(db, seed, style, expected):
    with db.transaction() as session:
        numbering.save_settings(session, numbering=style, final_level=None)
        given = [numbering.next_number(session, day) for day in (AUTUMN, SPRING, dt.date(2027, 9, 1))]
    assert given == expected


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"numbering": "roman", "final_level": ""}, "numbering", "choose one of the listed options"),
    ({"numbering": "sequential", "final_level": "9"}, "final_level", "must be between {min} and {max}"),
    ({"numbering": "sequential", "final_level": "ósma"}, "final_level", "must be between {min} and {max}"),
])
def test_bad_settings_are_refused_naming_the_field(db, seed, values, field, message):
    with db.transaction() as session, pytest.raises(ValidationFailed) as caught:
        numbering.save_settings(session, **values)
    assert [(e.field, e.message) for e in caught.value.errors] == [(field, message)]


def test_final_level_defaults_to_the_kind_of_school_and_can_be_set(db, seed):
    with db.transaction() as session:
        assert numbering.final_level(session) == 8  # a primary school
        numbering.save_settings(session, numbering="sequential", final_level="6")
        assert numbering.final_level(session) == 6


def test_the_settings_page_saves_and_explains_errors_in_polish(as_user, db):
    office = as_user("sekretariat")
    page = office.get("/register/settings").get_data(as_text=True)
    assert "Numeracja księgi uczniów" in page
    bad = office.post("/register/settings", {"numbering": "sequential", "final_level": "12"})
    assert bad.status_code == 422
    assert "Ostatnia klasa szkoły: musi mieścić się w zakresie od 1 do 8" in bad.get_data(as_text=True)
    assert office.post("/register/settings", {"numbering": "year_suffix", "final_level": ""}).status_code == 302
    with db.read_session() as session:
        assert numbering.current_settings(session).numbering == "year_suffix"
    assert as_user("nauczyciel").get("/register/settings").status_code == 403
