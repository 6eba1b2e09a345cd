"""The grading rules of protocol.grading: symbols, marks, weights, the weighted average."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import grading
from protocol.grading import Category, GradeError, GradingScale, parse_grade, rounded, weighted_average

SCALE = GradingScale()  # + is 0.5, - is 0.25 (the defaults)
TEST = Category("sprawdzian", 5)
QUIZ = Category("kartkówka", 3)
ANSWER = Category("odpowiedź", 2)
MOCK = Category("próbny egzamin", 1, counts=False)


@pytest.mark.parametrize(("typed", "symbol", "value"), [
    ("4", "4", Decimal(4)), ("4+", "4+", Decimal("4.5")), ("4-", "4-", Decimal("3.75")),
    (" 3− ", "3-", Decimal("2.75")), ("2–", "2-", Decimal("1.75")), ("1+", "1+", Decimal("1.5")),
    ("6-", "6-", Decimal("5.75")), ("6", "6", Decimal(6)),
])
def test_grades_and_their_values(typed: str, symbol: str, value: Decimal) -> None:
    assert parse_grade(typed, SCALE) == grading.Grade(symbol, value)


def test_modifier_values_are_the_schools_setting() -> None:
    scale = GradingScale(plus=Decimal("0.33"), minus=Decimal("0.33"))
    assert parse_grade("5+", scale).value == Decimal("5.33")
    assert parse_grade("5-", scale).value == Decimal("4.67")


@pytest.mark.parametrize("typed", ["np", "NP", "bz", "+", "-", "−"])
def test_marks_are_not_numbers(typed: str) -> None:
    grade = parse_grade(typed, SCALE)
    assert grade.is_mark and grade.value is None


@pytest.mark.parametrize(("typed", "code"), [
    ("7", "grade_symbol"), ("0", "grade_symbol"), ("4++", "grade_symbol"), ("4,5", "grade_symbol"),
    ("xx", "grade_symbol"), ("1-", "grade_range"), ("6+", "grade_range"), ("", "required"), ("  ", "required"),
])
def test_bad_symbols_are_refused_with_a_reason(typed: str, code: str) -> None:
    with pytest.raises(GradeError) as caught:
        parse_grade(typed, SCALE)
    assert caught.value.code == code


def test_a_mark_the_school_does_not_use_is_refused() -> None:
    with pytest.raises(GradeError):
        parse_grade("bz", GradingScale(marks={"np": "nieprzygotowany"}))


def test_weighted_average_by_hand() -> None:
    # (5·5 + 3.75·3 + 4.5·2) / (5 + 3 + 2) = (25 + 11.25 + 9) / 10 = 4.525
    items = [(parse_grade("5", SCALE), TEST), (parse_grade("4-", SCALE), QUIZ), (parse_grade("4+", SCALE), ANSWER)]
    assert weighted_average(items) == Fraction("4.525")
    assert rounded(weighted_average(items)) == Decimal("4.53")


def test_marks_and_uncounted_categories_stay_out_of_the_average() -> None:
    items = [(parse_grade("2", SCALE), TEST), (parse_grade("np", SCALE), TEST), (parse_grade("6", SCALE), MOCK),
             (parse_grade("+", SCALE), ANSWER)]
    assert weighted_average(items) == 2


def test_no_counted_grades_means_no_average() -> None:
    assert weighted_average([]) is None
    assert weighted_average([(parse_grade("np", SCALE), TEST), (parse_grade("5", SCALE), MOCK)]) is None
    assert rounded(None) is None


@pytest.mark.parametrize(("weight", "ok"), [(1, True), (10, True), (0, False), (11, False), (True, False)])
def test_weights_range(weight: int, ok: bool) -> None:
    if ok:
        assert grading.check_weight(weight) == weight
    else:
        with pytest.raises(GradeError, match="from 1 to 10"):
            grading.check_weight(weight)


def test_term_grades_are_whole() -> None:
    assert grading.check_term_grade(6) == 6
    for bad in (0, 7, True):
        with pytest.raises(GradeError):
            grading.check_term_grade(bad)


def test_marks_setting_round_trips_and_rejects_bad_lines() -> None:
    text = "np = nieprzygotowany\nbz = brak zadania\n+ = plus\n− = minus"
    marks = grading.parse_scale_marks(text)
    assert marks == {"np": "nieprzygotowany", "bz": "brak zadania", "+": "plus", "-": "minus"}
    assert grading.parse_scale_marks(grading.format_scale_marks(marks)) == marks
    for bad, code in (("np", "mark_line"), ("4 = cztery", "mark_symbol"), ("np = a\nnp = b", "mark_twice")):
        with pytest.raises(GradeError) as caught:
            grading.parse_scale_marks(bad)
        assert caught.value.code == code


def test_scale_refuses_a_modifier_of_a_whole_grade() -> None:
    with pytest.raises(GradeError):
        GradingScale(plus=Decimal(1))


# -- properties -----------------------------------------------------------------------------------------

modifiers = st.decimals(min_value=0, max_value=Decimal("0.99"), places=2)
symbols = st.sampled_from(["1", "1+", "2-", "2", "2+", "3-", "3", "3+", "4-", "4", "4+", "5-", "5", "5+", "6-", "6",
                           "np", "bz", "+", "-"])
categories = st.builds(Category, st.just("c"), st.integers(1, 10), st.booleans())
entries = st.lists(st.tuples(symbols, categories), max_size=60)


@given(entries, modifiers, modifiers)
def test_average_stays_within_the_scale(items, plus, minus) -> None:  # type: ignore[no-untyped-def]
    scale = GradingScale(plus=plus, minus=minus)
    average = weighted_average([(parse_grade(s, scale), c) for s, c in items])
    counted = [s for s, c in items if c.counts and s not in scale.marks]
    assert (average is None) == (not counted)
    if average is not None:
        assert 1 <= average <= 6
        assert Decimal(1) <= rounded(average) <= Decimal(6)  # type: ignore[operator]


@given(entries, st.randoms())
def test_average_does_not_depend_on_order(items, rnd) -> None:  # type: ignore[no-untyped-def]
    parsed = [(parse_grade(s, SCALE), c) for s, c in items]
    shuffled = list(parsed)
    rnd.shuffle(shuffled)
    assert weighted_average(parsed) == weighted_average(shuffled)


@given(entries, st.integers(2, 5))
def test_scaling_every_weight_keeps_the_average(items, factor) -> None:  # type: ignore[no-untyped-def]
    parsed = [(parse_grade(s, SCALE), c) for s, c in items]
    heavier = [(g, Category(c.name, c.weight * factor, c.counts)) for g, c in parsed]
    assert weighted_average(parsed) == weighted_average(heavier)


@given(st.sampled_from(["1+", "2-", "2", "3+", "4-", "5", "6-"]), modifiers, modifiers)
def test_a_single_grade_is_its_own_average(symbol, plus, minus) -> None:  # type: ignore[no-untyped-def]
    scale = GradingScale(plus=plus, minus=minus)
    grade = parse_grade(symbol, scale)
    assert weighted_average([(grade, TEST)]) == Fraction(grade.value)  # type: ignore[arg-type]
