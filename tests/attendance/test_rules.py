"""Attendance arithmetic and lesson days, checked against hand-computed figures."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from node_agent.timetable.days import day_off_reason, public_holiday
from protocol.attendance import (
    CODES,
    DayTally,
    Tally,
    compulsory_flag,
    day_tallies_by,
    day_tally,
    excused_code,
    tally,
    tally_by,
)
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


def _days(*days: list[str]) -> list[tuple[dt.date, str]]:
    """(date, code) records of consecutive days, one list of lesson codes per day."""
    first = dt.date(2026, 10, 1)
    return [(first + dt.timedelta(days=i), code) for i, codes in enumerate(days) for code in codes]


ABSENT_DAY, PRESENT_DAY = ["absent"] * 5, ["present"] * 5


def test_flag_is_counted_on_class_days_not_lessons() -> None:
    # Day 1: absent unexcused at all 5 lessons. Day 2: skipped 4 of 5 lessons but came to one, so
    # not a day of absence. By lessons that is 9 of 10 unexcused (90 %); by class days 1 of 2 = 50 %.
    month = _days(ABSENT_DAY, ["absent"] * 4 + ["present"])
    assert tally(code for _day, code in month).unexcused == 9
    assert day_tally(month) == DayTally(class_days=2, unexcused_days=1)
    # Skipping one lesson every day for 4 days: 4 class days, none of them a day of absence.
    assert day_tally(_days(*[["absent"] + ["present"] * 4] * 4)) == DayTally(4, 0)


def test_flag_exactly_at_the_threshold() -> None:
    # 20 class days, 10 of them absent without excuse = exactly 50 %
    month = day_tally(_days(*[ABSENT_DAY] * 10, *[PRESENT_DAY] * 10))
    assert month.unexcused_share == 50
    assert compulsory_flag(month) is True


def test_no_flag_just_below_the_threshold() -> None:
    # 21 class days, 10 absent = 47.6 %; 20 days with the 10th absent day partly attended (9 of 20 = 45 %)
    assert compulsory_flag(day_tally(_days(*[ABSENT_DAY] * 10, *[PRESENT_DAY] * 11))) is False
    partly = ["absent"] * 4 + ["late"]
    assert compulsory_flag(day_tally(_days(*[ABSENT_DAY] * 9, partly, *[PRESENT_DAY] * 10))) is False
    assert compulsory_flag(DayTally(class_days=400, unexcused_days=199)) is False  # 49.75 %
    assert compulsory_flag(DayTally(class_days=400, unexcused_days=200)) is True


def test_excused_days_and_released_lessons_do_not_raise_the_flag() -> None:
    # 4 class days: 1 absent unexcused; 2 absent but fully excused; 1 day half excused, half not (counts:
    # a day is excused only when all of it is); a 5th day with released lessons only is no class day.
    month = day_tally(_days(ABSENT_DAY, ["excused"] * 5, ["excused"] * 5, ["excused", "absent"], ["released"] * 3))
    assert month == DayTally(class_days=4, unexcused_days=2)
    assert month.unexcused_share == 50 and compulsory_flag(month) is True
    # Released lessons on a day of absence do not make it a day of presence either.
    assert day_tally(_days(["absent", "released", "absent"])) == DayTally(1, 1)
    assert DayTally().unexcused_share is None and compulsory_flag(DayTally()) is False


def test_day_tallies_per_pupil() -> None:
    day = dt.date(2026, 10, 5)
    records = [("ala", day, "absent"), ("ala", day, "absent"), ("ola", day, "present"), ("ola", day, "absent")]
    by_pupil = day_tallies_by(records, key=lambda r: r[0], day=lambda r: r[1], code=lambda r: r[2])
    assert by_pupil == {"ala": DayTally(1, 1), "ola": DayTally(1, 0)}
    with pytest.raises(ValueError, match="unknown attendance code"):
        day_tally([(day, "nb")])


def test_threshold_is_configurable_and_checked() -> None:
    month = DayTally(class_days=10, unexcused_days=3)  # 30 %
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
