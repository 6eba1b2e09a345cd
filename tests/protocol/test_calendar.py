"""The city's school-year calendar: the statutory dates, and validation with field-level errors."""

from __future__ import annotations

import datetime as dt

import pytest

from protocol.calendar import CalendarInvalid, parse_calendar, standard_calendar
from zszo.i18n import gettext_for

D = dt.date
PL = gettext_for("pl")


@pytest.mark.parametrize(("year", "lessons", "spring"), [
    # Checked against the published calendars: 2024/25 began on Monday 2 September (1 Sept was a Sunday)
    # and ended on 27 June 2025 (20 June was a Friday, so the next one); Easter 2025 was 20 April.
    (2024, (D(2024, 9, 2), D(2025, 6, 27)), (D(2025, 4, 17), D(2025, 4, 22))),
    (2025, (D(2025, 9, 1), D(2026, 6, 26)), (D(2026, 4, 2), D(2026, 4, 7))),
    (2026, (D(2026, 9, 1), D(2027, 6, 25)), (D(2027, 3, 25), D(2027, 3, 30))),
    (2029, (D(2029, 9, 3), D(2030, 6, 21)), (D(2030, 4, 18), D(2030, 4, 23))),  # 1 Sept 2029: a Saturday
])
def test_standard_calendar(year, lessons, spring):
    calendar = standard_calendar(year, D(year + 1, 1, 19))
    assert (calendar.starts_on, calendar.ends_on) == (D(year, 9, 1), D(year + 1, 8, 31))
    assert (calendar.lessons_start_on, calendar.lessons_end_on) == lessons
    assert [(b.kind, b.starts_on, b.ends_on) for b in calendar.breaks] == [
        ("winter_holiday_break", D(year, 12, 23), D(year, 12, 31)),
        ("winter_holidays", D(year + 1, 1, 19), D(year + 1, 2, 1)),
        ("spring_holiday_break", *spring),
    ]
    assert parse_calendar(calendar.to_body()) == calendar  # what the hub sends, the node reads back


def test_lesson_days():
    calendar = standard_calendar(2026, D(2027, 1, 18))
    assert calendar.is_lesson_day(D(2026, 9, 1)) and calendar.is_lesson_day(D(2027, 6, 25))
    assert not calendar.is_lesson_day(D(2026, 9, 5))  # Saturday
    assert not calendar.is_lesson_day(D(2026, 12, 23)) and not calendar.is_lesson_day(D(2027, 1, 29))
    assert not calendar.is_lesson_day(D(2027, 3, 30)) and calendar.is_lesson_day(D(2027, 3, 31))
    assert not calendar.is_lesson_day(D(2027, 6, 28)) and not calendar.is_lesson_day(D(2026, 8, 31))


def _errors(body: dict) -> list[str]:
    with pytest.raises(CalendarInvalid) as caught:
        parse_calendar(body)
    return [error.render(PL) for error in caught.value.errors]


def test_errors_name_the_field_and_the_reason_in_polish():
    good = standard_calendar(2026, D(2027, 1, 18)).to_body()
    assert _errors({**good, "school_year": "2026/2028"}) == ["Rok szkolny: wpisz w postaci 2026/2027"]
    assert _errors({**good, "starts_on": "2026-09-02", "ends_on": "2027-02-30"}) == [
        "Data zakończenia: nieprawidłowa data (użyj formatu RRRR-MM-DD, np. 2015-09-01)",
        "Data rozpoczęcia: rok szkolny zaczyna się 1 września",
    ]
    assert _errors({**good, "lessons_start_on": "2027-06-30"}) == [
        "Ostatni dzień zajęć: zajęcia muszą się zacząć i skończyć w roku szkolnym, w tej kolejności"]
    breaks = [{"kind": "city_day_off", "name": "Dzień Patrona Miasta", "starts_on": "2027-05-10",
               "ends_on": "2027-05-09"},
              {"kind": "holiday", "name": "", "starts_on": "2025-05-10", "ends_on": "2025-05-10"},
              "ferie"]
    assert _errors({**good, "breaks": breaks}) == [
        "Przerwy w zajęciach: przerwa nr 1: ostatni dzień nie może być wcześniejszy niż pierwszy",
        "Przerwy w zajęciach: przerwa nr 2: wybierz jeden z rodzajów: winter_holiday_break, winter_holidays, "
        "spring_holiday_break, city_day_off, other",
        "Przerwy w zajęciach: przerwa nr 2: wymagana jest nazwa o długości od 1 do 100 znaków",
        "Przerwy w zajęciach: przerwa nr 2: musi przypadać w roku szkolnym",
        "Przerwy w zajęciach: przerwa nr 3: podaj nazwę i daty",
    ]
