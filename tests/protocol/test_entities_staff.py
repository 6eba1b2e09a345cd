"""Staff entities: promotion grade (staff_member v2), qualifications, employment with an exact FTE, subjects."""

from __future__ import annotations

import pytest

from protocol import upcast
from protocol.entities import ENTITIES, PROMOTION_GRADES
from tests.protocol.test_fields import PL, codes, only_error, valid


def test_the_current_promotion_grades_after_the_2022_reform() -> None:
    assert PROMOTION_GRADES == ("beginning", "appointed", "chartered", "none")
    assert codes("staff_member", valid("staff_member", promotion_grade="contract")) == [
        ("promotion_grade", "choice")]
    assert codes("staff_member", valid("staff_member", promotion_grade=None)) == []


def test_version_1_staff_records_are_upcast_unchanged() -> None:
    old = valid("staff_member", promotion_grade=None)
    assert ENTITIES["staff_member"].version == 2 and upcast.supported("staff_member", 1)
    assert upcast.upcast("staff_member", 1, old) == old
    assert ENTITIES["staff_member"].validate(upcast.upcast("staff_member", 1, old)) == []


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    (18, 18, []),
    (9, 18, []),
    (1, 2, []),
    (19, 18, [("fte_numerator", "fte_above_one")]),
    (0, 18, [("fte_numerator", "out_of_range")]),
    (18, 0, [("fte_denominator", "out_of_range")]),
    (41, 41, [("fte_numerator", "out_of_range"), ("fte_denominator", "out_of_range")]),
])
def test_fte_is_a_fraction_of_at_most_one_post(numerator: int, denominator: int, expected: list) -> None:
    record = valid("staff_employment", fte_numerator=numerator, fte_denominator=denominator)
    assert codes("staff_employment", record) == expected


def test_fte_above_one_message_in_polish() -> None:
    error = only_error("staff_employment", valid("staff_employment", fte_numerator=20, fte_denominator=18))
    assert error.render(PL) == ("Wymiar etatu (licznik): jeden stosunek pracy to najwyżej pełny etat: "
                                "licznik nie może być większy od mianownika (18)")


def test_employment_end_before_start() -> None:
    record = valid("staff_employment", starts_on="2026-09-01", ends_on="2026-08-31")
    assert codes("staff_employment", record) == [("ends_on", "date_order")]


def test_qualification_needs_kind_and_field() -> None:
    record = valid("staff_qualification", kind="doctorate", field_of_study=None)
    assert codes("staff_qualification", record) == [("kind", "choice"), ("field_of_study", "required")]
