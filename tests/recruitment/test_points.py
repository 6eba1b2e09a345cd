"""Recruitment points (BRIEF §4), checked by hand against the regulation's rules and published examples."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.recruitment.points import (
    STATUTORY_CRITERIA,
    ContestAward,
    PointsInputError,
    SecondaryEvidence,
    contest_points,
    municipal_points,
    preschool_key,
    secondary_key,
    secondary_points,
)
from zszo.i18n import gettext_for

FAST = settings(max_examples=150, deadline=None)


def evidence(**changes) -> SecondaryEvidence:
    """A candidate with exam results and grades 5/5/5/5 and nothing else (changes override)."""
    base = SecondaryEvidence(polish_grade=5, maths_grade=5, class_subject_grades=(5, 5),
                             exam_polish=80, exam_maths=80, exam_language=80)
    return replace(base, **changes)


def test_exam_example_from_a_school_guide():
    # 70% × 0.35 = 24.5; 95% × 0.35 = 33.25; 100% × 0.3 = 30; together 87.75.
    points = secondary_points(evidence(exam_polish=70, exam_maths=95, exam_language=100))
    assert (points.exam_polish, points.exam_maths, points.exam_language) == (
        Decimal("24.5"), Decimal("33.25"), Decimal("30"))
    assert points.exempt_parts == frozenset()


def test_kasia_from_the_warsaw_guide_with_grades_and_extras():
    # Exam 90/90/100 → 31.5 + 31.5 + 30 = 93. Grades: Polish 6 → 18, maths 5 → 17, the class's
    # subjects 4 → 14 and 3 → 8: 57. Distinction 7, volunteering 3, contests 5 + 3 = 8. Total 168.
    points = secondary_points(evidence(
        exam_polish=90, exam_maths=90, exam_language=100, polish_grade=6, maths_grade=5,
        class_subject_grades=(4, 3), distinction=True, volunteering=True,
        contests=(ContestAward("Konkurs historyczny", "voivodeship", 5), ContestAward("Zawody pływackie", "county", 3)),
    ))
    assert points.exam_polish + points.exam_maths + points.exam_language == Decimal("93")
    assert (points.grade_polish, points.grade_maths, points.grade_subjects) == (18, 17, (14, 8))
    assert (points.distinction, points.volunteering, points.contests) == (7, 3, 8)
    assert points.total == Decimal("168")


@pytest.mark.parametrize(("grade", "expected"), [(6, 18), (5, 17), (4, 14), (3, 8), (2, 2)])
def test_grade_table(grade, expected):
    points = secondary_points(evidence(polish_grade=grade, maths_grade=grade, class_subject_grades=(grade, grade)))
    assert (points.grade_polish, points.grade_maths, points.grade_subjects) == (expected, expected, (expected,) * 2)


def test_the_maximum_is_exactly_200():
    points = secondary_points(SecondaryEvidence(
        polish_grade=6, maths_grade=6, class_subject_grades=(6, 6), exam_polish=100, exam_maths=100,
        exam_language=100, distinction=True, volunteering=True,
        contests=(ContestAward("A", "national", 10), ContestAward("B", "national", 10)),
    ))
    assert points.total == Decimal("200")


def test_whole_exam_exemption_converts_the_grades():
    # Polish 6 → 35, maths 4 → 25, language 5 → 25 replace the exam (85); the certificate grades
    # still count as usual: Polish 6 → 18, maths 4 → 14, subjects 5, 5 → 34. Total 151.
    points = secondary_points(evidence(exam_polish=None, exam_maths=None, exam_language=None,
                                       polish_grade=6, maths_grade=4, language_grade=5))
    assert (points.exam_polish, points.exam_maths, points.exam_language) == (35, 25, 25)
    assert points.exempt_parts == {"polish", "maths", "language"}
    assert points.total == Decimal("151")


@pytest.mark.parametrize(("grade", "polish_maths", "language"),
                         [(6, 35, 30), (5, 30, 25), (4, 25, 20), (3, 15, 10), (2, 10, 5)])
def test_exemption_tables(grade, polish_maths, language):
    points = secondary_points(evidence(exam_polish=None, exam_maths=None, exam_language=None,
                                       polish_grade=grade, maths_grade=grade, language_grade=grade))
    assert (points.exam_polish, points.exam_maths, points.exam_language) == (polish_maths, polish_maths, language)


def test_exemption_from_one_part_converts_only_that_part():
    points = secondary_points(evidence(exam_language=None, language_grade=6))
    assert points.exempt_parts == {"language"}
    assert (points.exam_polish, points.exam_maths, points.exam_language) == (28, 28, 30)


def test_contests_cap_at_18():
    awards = (ContestAward("Olimpiada A", "national", 10), ContestAward("Konkurs B", "voivodeship", 7),
              ContestAward("Konkurs C", "voivodeship", 5))
    assert contest_points(awards) == 18  # 22 capped
    assert secondary_points(evidence(contests=awards)).contests == 18


def test_only_the_best_award_per_contest_and_level_counts():
    same_level = (ContestAward("Konkurs matematyczny", "voivodeship", 7),
                  ContestAward("Konkurs matematyczny", "voivodeship", 5))
    assert contest_points(same_level) == 7
    other_level = (ContestAward("Konkurs matematyczny", "voivodeship", 7),
                   ContestAward("Konkurs matematyczny", "national", 10))
    assert contest_points(other_level) == 17


def test_points_are_exact_decimals():
    points = secondary_points(evidence(exam_polish=87, exam_maths=Decimal("33.3"), exam_language=1))
    assert points.exam_polish == Decimal("30.45")
    assert points.exam_maths == Decimal("11.655")
    assert points.exam_language == Decimal("0.3")
    assert isinstance(points.total, Decimal)


@pytest.mark.parametrize(("changes", "field", "polish"), [
    ({"polish_grade": 1}, "polish_grade", "ocena na świadectwie musi być liczbą całkowitą od 2 do 6"),
    ({"class_subject_grades": (5, 7)}, "class_subject_grades[1]",
     "ocena na świadectwie musi być liczbą całkowitą od 2 do 6"),
    ({"class_subject_grades": (5,)}, "class_subject_grades", "oddział liczy dokładnie dwa przedmioty"),
    ({"exam_maths": 80.5}, "exam_maths", "wynik egzaminu musi być procentem (liczbą całkowitą lub dziesiętną)"),
    ({"exam_polish": 101}, "exam_polish", "wynik egzaminu musi mieścić się między 0 a 100 procent"),
    ({"exam_polish": True}, "exam_polish", "wynik egzaminu musi być procentem (liczbą całkowitą lub dziesiętną)"),
    ({"exam_language": None}, "language_grade", "ocena na świadectwie musi być liczbą całkowitą od 2 do 6"),
    ({"contests": (ContestAward("A", "national", 11),)}, "contests[0].points",
     "za osiągnięcie przyznaje się od 1 do 10 punktów"),
    ({"contests": (ContestAward(" ", "national", 3),)}, "contests[0].contest", "podaj nazwę konkursu"),
    ({"volunteering": "tak"}, "volunteering", "odpowiedz tak lub nie"),
])
def test_bad_evidence_is_refused_with_the_field_and_a_polish_reason(changes, field, polish):
    with pytest.raises(PointsInputError) as caught:
        secondary_points(evidence(**changes))
    assert caught.value.field == field
    assert caught.value.reason(gettext_for("pl")) == polish


def test_olympiad_laureates_come_first_whatever_their_points():
    laureate = secondary_key(Decimal("40"), olympiad=True)
    top = secondary_key(Decimal("200"), olympiad=False)
    assert laureate > top
    assert laureate == (1, Decimal("40"), 0, 0)


def test_secondary_ties_go_to_health_then_statutory_criteria():
    points = secondary_points(evidence())
    plain = secondary_key(points, False)
    health = secondary_key(points, False, health_limited=True)
    two_criteria = secondary_key(points, False, statutory={"large_family", "single_parent"})
    assert health > two_criteria > plain
    assert secondary_key(points.total + Decimal("0.05"), False) > health


def test_preschool_stage_one_outweighs_any_municipal_points():
    assert preschool_key({"large_family", "single_parent"}, 0) > preschool_key({"foster_care"}, 999)
    assert preschool_key({"foster_care"}, 30) > preschool_key({"large_family"}, 20)
    assert preschool_key(set(STATUTORY_CRITERIA), 0) == (7, 0)
    # Equal value: which criteria does not matter, only how many.
    assert preschool_key({"large_family"}, 10) == preschool_key({"candidate_disability"}, 10)


def test_grade_one_uses_municipal_points_only():
    table = {"sibling_in_school": 15, "within_3_km": 10, "works_nearby": 6}
    assert municipal_points({"sibling_in_school", "within_3_km"}, table) == 25
    assert preschool_key((), municipal_points({"works_nearby"}, table)) == (0, 6)


@pytest.mark.parametrize(("call", "field", "polish"), [
    (lambda: preschool_key({"age"}, 0), "stage1", "nieznane kryterium ustawowe: age"),
    (lambda: preschool_key(set(), -5), "stage2_points", "punkty gminne muszą być liczbą całkowitą, 0 lub więcej"),
    (lambda: preschool_key(set(), 2.5), "stage2_points", "punkty gminne muszą być liczbą całkowitą, 0 lub więcej"),
    (lambda: municipal_points({"rich"}, {}), "stage2", "nieznane kryterium gminne: rich"),
    (lambda: secondary_key(Decimal("200.05"), False), "points", "punkty muszą być liczbą od 0 do 200"),
])
def test_bad_criteria_are_refused(call, field, polish):
    with pytest.raises(PointsInputError) as caught:
        call()
    assert caught.value.field == field
    assert caught.value.reason(gettext_for("pl")) == polish


grades = st.integers(2, 6)
percent = st.one_of(st.none(), st.integers(0, 100),
                    st.decimals(0, 100, places=1, allow_nan=False, allow_infinity=False))


@FAST
@given(grades, grades, grades, grades, grades, percent, percent, percent, st.booleans(), st.booleans(),
       st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from(("county", "national")), st.integers(1, 10)),
                max_size=6))
def test_total_is_the_sum_of_its_parts_and_never_above_200(pg, mg, s1, s2, lg, ep, em, el, dist, vol, awards):
    points = secondary_points(SecondaryEvidence(
        polish_grade=pg, maths_grade=mg, class_subject_grades=(s1, s2), exam_polish=ep, exam_maths=em,
        exam_language=el, language_grade=lg, distinction=dist, volunteering=vol,
        contests=tuple(ContestAward(*a) for a in awards)))
    assert 0 <= points.total <= 200
    assert points.exam_polish + points.exam_maths + points.exam_language <= 100
    assert points.grade_polish + points.grade_maths + sum(points.grade_subjects) <= 72
    assert points.contests <= 18
    assert points.total == (points.exam_polish + points.exam_maths + points.exam_language + points.grade_polish
                            + points.grade_maths + sum(points.grade_subjects) + points.distinction
                            + points.volunteering + points.contests)
