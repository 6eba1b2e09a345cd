"""The city's school-year calendar: the dictionary the hub sends every node (downlink ``city_calendar``).

Polish rules (Rozporządzenie MEN w sprawie organizacji roku szkolnego): the school year runs from
1 September to 31 August; lessons start on 1 September, or the following Monday when it falls on
a Friday, Saturday or Sunday; lessons end on the first Friday after 20 June. Breaks: the winter
holiday break 23–31 December, the winter holidays (ferie zimowe, two weeks set per voivodeship),
and the spring holiday break from the Thursday before Easter to the Tuesday after it. Schools add
their own days off on the node (up to a statutory limit); the city's calendar is the common part.

Pure data and validation: no I/O. Errors name the field and the reason (English message ids,
rendered in Polish by the caller through the i18n layer).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dateutil.easter import easter

from protocol.fields import FieldError, parse_date
from protocol.i18n import N_

BREAK_KINDS = ("winter_holiday_break", "winter_holidays", "spring_holiday_break", "city_day_off", "other")
_LABEL = re.compile(r"([0-9]{4})/([0-9]{4})")
MAX_BREAKS = 60


@dataclass(frozen=True)
class Break:
    """Days without lessons for every school of the city (both ends included)."""

    kind: str
    name: str
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True)
class CityCalendar:
    """One school year of the city's calendar."""

    school_year: str
    starts_on: dt.date  # 1 September
    lessons_start_on: dt.date
    lessons_end_on: dt.date
    ends_on: dt.date  # 31 August
    breaks: tuple[Break, ...]

    def to_body(self) -> dict[str, Any]:
        """The downlink message body (dates as ISO strings)."""
        return {
            "school_year": self.school_year, "starts_on": self.starts_on.isoformat(),
            "lessons_start_on": self.lessons_start_on.isoformat(), "lessons_end_on": self.lessons_end_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "breaks": [{"kind": b.kind, "name": b.name, "starts_on": b.starts_on.isoformat(),
                        "ends_on": b.ends_on.isoformat()} for b in self.breaks],
        }

    def is_lesson_day(self, day: dt.date) -> bool:
        """A weekday inside the lesson period and outside every break (public holidays are the node's)."""
        return (self.lessons_start_on <= day <= self.lessons_end_on and day.weekday() < 5
                and not any(b.starts_on <= day <= b.ends_on for b in self.breaks))


class CalendarInvalid(ValueError):
    """A calendar that breaks the rules; ``errors`` name each field and reason."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def standard_calendar(first_year: int, winter_holidays_start: dt.date) -> CityCalendar:
    """The statutory calendar of the school year ``first_year/first_year+1``.

    ``winter_holidays_start`` is the Monday the voivodeship's two-week winter holidays begin
    (published by the minister for each voivodeship).
    """
    september = dt.date(first_year, 9, 1)
    lessons_start = september if september.weekday() < 4 else september + dt.timedelta(days=7 - september.weekday())
    june_20 = dt.date(first_year + 1, 6, 20)
    lessons_end = june_20 + dt.timedelta(days=(4 - june_20.weekday()) % 7 or 7)
    easter_sunday = easter(first_year + 1)
    breaks = (
        Break("winter_holiday_break", "Zimowa przerwa świąteczna", dt.date(first_year, 12, 23),
              dt.date(first_year, 12, 31)),
        Break("winter_holidays", "Ferie zimowe", winter_holidays_start,
              winter_holidays_start + dt.timedelta(days=13)),
        Break("spring_holiday_break", "Wiosenna przerwa świąteczna", easter_sunday - dt.timedelta(days=3),
              easter_sunday + dt.timedelta(days=2)),
    )
    return CityCalendar(f"{first_year}/{first_year + 1}", september, lessons_start, lessons_end,
                        dt.date(first_year + 1, 8, 31), breaks)


def parse_calendar(body: Mapping[str, Any]) -> CityCalendar:
    """Validate a calendar (a downlink body or a file the city office wrote); raise CalendarInvalid."""
    errors: list[FieldError] = []

    def date(field: str, label: str, value: Any) -> dt.date | None:
        parsed = parse_date(value) if isinstance(value, str) else None
        if parsed is None:
            errors.append(FieldError(field, "date", N_("not a valid date (use YYYY-MM-DD, e.g. 2015-09-01)"),
                                     {"label": label}))
        return parsed

    label = body.get("school_year")
    match = _LABEL.fullmatch(label) if isinstance(label, str) else None
    if match is None or int(match.group(2)) != int(match.group(1)) + 1:
        errors.append(FieldError("school_year", "school_year_label", N_("use the form 2026/2027"),
                                 {"label": N_("school year")}))
        raise CalendarInvalid(errors)
    first = int(match.group(1))
    starts = date("starts_on", N_("start date"), body.get("starts_on"))
    lessons_start = date("lessons_start_on", N_("first day of lessons"), body.get("lessons_start_on"))
    lessons_end = date("lessons_end_on", N_("last day of lessons"), body.get("lessons_end_on"))
    ends = date("ends_on", N_("end date"), body.get("ends_on"))
    if starts and starts != dt.date(first, 9, 1):
        errors.append(FieldError("starts_on", "school_year_start", N_("the school year starts on 1 September"),
                                 {"label": N_("start date")}))
    if ends and ends != dt.date(first + 1, 8, 31):
        errors.append(FieldError("ends_on", "school_year_end", N_("the school year ends on 31 August"),
                                 {"label": N_("end date")}))
    if starts and ends and lessons_start and lessons_end and not starts <= lessons_start < lessons_end <= ends:
        errors.append(FieldError("lessons_end_on", "date_order",
                                 N_("lessons must start and end within the school year, in this order"),
                                 {"label": N_("last day of lessons")}))
    raw_breaks = body.get("breaks", [])
    breaks: list[Break] = []
    if not isinstance(raw_breaks, list) or len(raw_breaks) > MAX_BREAKS:
        errors.append(FieldError("breaks", "type", N_("expected a list of at most 60 breaks"),
                                 {"label": N_("breaks")}))
        raw_breaks = []
    for i, item in enumerate(raw_breaks, start=1):
        where = {"label": N_("breaks"), "number": i}

        def problem(code: str, message: str, **extra: Any) -> None:
            errors.append(FieldError(f"breaks[{i}]", code, message, {**where, **extra}))  # noqa: B023

        if not isinstance(item, Mapping):
            problem("type", N_("break no. {number}: expected a name and dates"))
            continue
        kind, name = item.get("kind", "other"), item.get("name")
        if kind not in BREAK_KINDS:
            problem("choice", N_("break no. {number}: choose one of: {choices}"), choices=", ".join(BREAK_KINDS))
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            problem("required", N_("break no. {number}: a name of 1-100 characters is required"))
        b_start, b_end = (parse_date(item.get(k)) if isinstance(item.get(k), str) else None
                          for k in ("starts_on", "ends_on"))
        if b_start is None or b_end is None:
            problem("date", N_("break no. {number}: give both dates as YYYY-MM-DD"))
        elif b_end < b_start:
            problem("date_order", N_("break no. {number}: the last day cannot be earlier than the first"))
        elif starts and ends and not (starts <= b_start and b_end <= ends):
            problem("outside_year", N_("break no. {number}: must lie within the school year"))
        elif not errors:
            breaks.append(Break(kind, name.strip(), b_start, b_end))
    if errors:
        raise CalendarInvalid(errors)
    assert starts and lessons_start and lessons_end and ends
    return CityCalendar(label, starts, lessons_start, lessons_end, ends,  # type: ignore[arg-type]
                        tuple(sorted(breaks, key=lambda b: (b.starts_on, b.ends_on, b.name))))
