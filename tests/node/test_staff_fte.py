"""FTE sums of a school (node_agent.staff.fte): exact fractions, hand-computed."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from node_agent.staff.fte import EmploymentShare, as_decimal, fte_totals, is_teaching

DAY = dt.date(2026, 10, 1)


def share(position: str, numerator: int, denominator: int, starts: str = "2020-09-01",
          ends: str | None = None) -> EmploymentShare:
    return EmploymentShare(position, dt.date.fromisoformat(starts),
                           dt.date.fromisoformat(ends) if ends else None, numerator, denominator)


def test_sums_by_kind_of_staff_hand_computed() -> None:
    shares = [
        share("teacher", 18, 18),          # 1
        share("teacher", 13, 18),          # 13/18
        share("teacher", 5, 18),           # 5/18  -> teachers so far 2
        share("director", 18, 18),         # 1     -> 3
        share("psychologist", 11, 22),     # 1/2   -> 7/2
        share("administration", 1, 2),     # 1/2
        share("support", 3, 4),            # 3/4   -> others 5/4
        share("teacher", 18, 18, ends="2026-09-30"),   # ended the day before: not counted
        share("support", 1, 1, starts="2026-10-02"),   # starts the day after: not counted
    ]
    totals = fte_totals(shares, DAY)
    assert totals.teachers == Fraction(7, 2)
    assert totals.others == Fraction(5, 4)
    assert totals.total == Fraction(19, 4)
    assert (totals.teacher_employments, totals.other_employments) == (5, 2)


def test_both_ends_of_an_employment_are_inclusive() -> None:
    one = [share("teacher", 9, 18, starts="2026-10-01", ends="2026-10-01")]
    assert fte_totals(one, DAY).teachers == Fraction(1, 2)
    assert fte_totals(one, DAY + dt.timedelta(days=1)).teachers == 0


def test_nobody_employed_sums_to_zero() -> None:
    totals = fte_totals([], DAY)
    assert (totals.teachers, totals.others, totals.total) == (0, 0, 0)


@pytest.mark.parametrize(("value", "text"), [
    (Fraction(13, 18), "0,72"),   # 0.7222…
    (Fraction(7, 2), "3,50"),
    (Fraction(1, 3), "0,33"),
    (Fraction(2, 3), "0,67"),
    (Fraction(1, 200), "0,01"),   # half up
    (Fraction(0), "0,00"),
    (Fraction(41, 4), "10,25"),
])
def test_decimal_with_a_polish_comma(value: Fraction, text: str) -> None:
    assert as_decimal(value) == text


def test_teaching_positions() -> None:
    assert [p for p in ("teacher", "director", "librarian", "administration", "support") if is_teaching(p)] == [
        "teacher", "director", "librarian"]
