"""Attendance arithmetic and lesson days, checked against hand-computed figures."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from node_agent.timetable.days import day_off_reason, public_holiday
from protocol.attendance import CODES, Tally, compulsory_flag, excused_code, tally, tally_by, unexcused_share
from protocol.calendar import standard_calendar


def test_tally_counts_each_kind() -> None:
    # 10 records, one released (not counted): 9 lessons; ob ob ob sp su ns = 6 present, nb nb u = 3 absent
    codes = ["present", "present", "late", "late_excused", "school_reason", "absent", "absent", "excused",
             "released", "present"]
    t = tally(codes)
    assert t == Tally(counted=9, present=6, absent=3, unexcused=2, late=2, released=1)
    assert t.percent == Fraction(200, 3)  # 6/9 = 66.67 %
    assert t.percent_rounded() == 66.7


def test_only_released_lessons_have_no_percentage() -> None:
    assert tally(["released", "released"]).percent is None
    assert tally([]).percent is None


def test_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown attendance code 'ob'"):
        tally(["ob"])


def test_tally_by_pupil_subject_and_month() -> None:
    records = [("ala", "MAT", "2026-10", "present"), ("ala", "MAT", "2026-10", "absent"),
               ("ala", "POL", "2026-11", "present"), ("ola", "MAT", "2026-10", "excused")]
    by_pupil = tally_by(records, key=lambda r: r[0], code=lambda r: r[3])
    assert by_pupil["ala"].percent == Fraction(200, 3) and by_pupil["ola"].percent == 0
    by_subject = tally_by(records, key=lambda r: r[1], code=lambda r: r[3])
    assert by_subject["MAT"].percent == Fraction(100, 3) and by_subject["POL"].percent == 100
    by_month = tally_by(records, key=lambda r: r[2], code=lambda r: r[3])
    assert by_month["2026-10"] == Tally(counted=3, present=1, absent=2, unexcused=1)
    # the class as a whole: 2 present of 4 lessons
    assert sum(by_pupil.values(), tally([])).percent == 50


def test_flag_exactly_at_the_threshold() -> None:
    # 20 lessons, 10 unexcused = exactly 50 %
    month = tally(["absent"] * 10 + ["present"] * 10)
    assert unexcused_share(month) == 50
    assert compulsory_flag(month) is True


def test_no_flag_just_below_the_threshold() -> None:
    # 21 lessons, 10 unexcused = 47.6 %; and 199 of 400 = 49.75 %
    assert compulsory_flag(tally(["absent"] * 10 + ["present"] * 11)) is False
    assert compulsory_flag(tally(["absent"] * 199 + ["present"] * 201)) is False
    assert compulsory_flag(tally(["absent"] * 200 + ["present"] * 200)) is True


def test_excused_absences_and_released_lessons_do_not_raise_the_flag() -> None:
    # 4 counted lessons: 1 unexcused (25 %); 3 excused do not count; 6 released do not count at all
    month = tally(["absent"] + ["excused"] * 3 + ["released"] * 6)
    assert unexcused_share(month) == 25
    assert compulsory_flag(month) is False
    assert compulsory_flag(month, 25) is True


def test_threshold_is_configurable_and_checked() -> None:
    month = tally(["absent"] * 3 + ["present"] * 7)  # 30 %
    assert compulsory_flag(month, 30) is True
    assert compulsory_flag(month, 31) is False
    for bad in (0, 101, -5):
        with pytest.raises(ValueError, match="threshold"):
            compulsory_flag(month, bad)


def test_excuses_turn_absence_and_lateness_into_their_excused_codes() -> None:
    assert excused_code("absent") == "excused"
    assert excused_code("late") == "late_excused"
    assert [c for c in CODES if excused_code(c) is None] == [
        "present", "excused", "late_excused", "school_reason", "released"]


# --- lesson days -----------------------------------------------------------------------------------


def test_polish_public_holidays_come_from_the_holidays_package() -> None:
    assert public_holiday(dt.date(2026, 11, 11)) == "Narodowe Święto Niepodległości"
    assert public_holiday(dt.date(2027, 3, 29)) == "Poniedziałek Wielkanocny"  # Easter Monday 2027
    assert public_holiday(dt.date(2026, 11, 12)) is None


def test_day_off_reasons() -> None:
    calendar = standard_calendar(2026, dt.date(2027, 1, 18))
    own = {dt.date(2026, 11, 10): "Dzień wolny dyrektora"}
    assert day_off_reason(dt.date(2026, 10, 3), calendar, own).kind == "weekend"  # Saturday
    assert day_off_reason(dt.date(2026, 11, 11), calendar, own).kind == "public_holiday"
    assert day_off_reason(dt.date(2026, 11, 10), calendar, own).kind == "school"
    assert day_off_reason(dt.date(2026, 12, 23), calendar, own).kind == "city_calendar"  # winter Christmas break
    assert day_off_reason(dt.date(2027, 1, 20), calendar, own).kind == "city_calendar"  # winter holidays
    assert day_off_reason(dt.date(2026, 11, 9), calendar, own) is None  # an ordinary Monday
    # Without the city's calendar only weekends, holidays and the school's own days are known.
    assert day_off_reason(dt.date(2026, 12, 23), None, own) is None
