"""The analytical layer over the merged tables: dimensions, facts and the aggregates dashboards read.

The merged tables (:mod:`hub.warehouse.schema`) mirror what schools send, one table per entity. This
module shapes them for questions the city office asks, without ever reading a name, a PESEL or a
health field (those never reach the warehouse) and keying pupils only by ``pupil_key`` (HMAC,
:mod:`hub.warehouse.pseudonym`):

* dimensions ``dim_school``, ``dim_class`` (with its school year), ``dim_subject``, ``dim_teacher``
  (position and promotion grade, no person data) and ``dim_date`` (each day of every school year with
  the school calendar: weekend, Polish public holiday, the city's breaks, lesson day);
* facts at their natural grain, as views over the merged tables: ``fact_attendance`` (one pupil at one
  held lesson), ``fact_grade`` (one current grade with its category's weight and its value),
  ``fact_staff_fte`` (one employment with its FTE fraction);
* materialised aggregates, rebuilt in one transaction by :func:`refresh` after a merge:
  ``agg_attendance_class_month`` (a class's lessons per attendance kind per month),
  ``agg_attendance_pupil_month`` (a pupil's class days and days of unexcused absence per month, for the
  compulsory-schooling control), ``agg_grade_subject`` (weighted sums per school, level and subject) and
  ``agg_school_freshness`` (the latest lesson day and change per school).

Why aggregates and not materialised facts: a city school year is ~43M attendance rows; a copy of them
would double the file and the refresh would rewrite it all, while every dashboard question is answered
from a few thousand aggregate rows in milliseconds (bench/bench_warehouse.py measures both ways). The
lesson-grain facts stay views, always current, for ad-hoc analysis and the Parquet export.

Never writes to the merged tables; never holds the pseudonym key.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import holidays

from protocol import attendance
from protocol.calendar import CityCalendar
from protocol.grading import DEFAULT_MINUS, DEFAULT_PLUS

DIMENSIONS = ("dim_school", "dim_class", "dim_subject", "dim_teacher", "dim_date")
FACT_VIEWS = ("fact_attendance", "fact_grade", "fact_staff_fte")
AGGREGATES = ("agg_attendance_class_month", "agg_attendance_pupil_month", "agg_grade_subject",
              "agg_school_freshness")
MODEL_TABLES = (*DIMENSIONS, *AGGREGATES)
# Entities the layer reads: a merge that touched none of them leaves it current.
SOURCES = frozenset({"school", "school_year", "class_unit", "subject", "staff_member", "pupil", "timetable_entry",
                     "lesson", "attendance", "grade", "grade_category", "teaching_assignment", "staff_employment"})


def _codes(kinds: Iterable[str]) -> str:
    return ", ".join(f"'{code}'" for code in sorted(kinds))


# The hub never learns a school's own modifier values (they are node settings), so grades are valued
# on the city's standard scale: 4+ = 4.5, 4- = 3.75 (protocol.grading defaults). Marks (np, bz) have no value.
GRADE_VALUE_SQL = f"""CASE WHEN regexp_full_match(g.symbol, '[1-6][+-]?') THEN
    CAST(left(g.symbol, 1) AS DECIMAL(6, 2)) + CASE right(g.symbol, 1) WHEN '+' THEN {DEFAULT_PLUS}
    WHEN '-' THEN -{DEFAULT_MINUS} ELSE 0 END END"""

VIEWS = {
    "fact_attendance": f"""
        SELECT a.id AS attendance_id, a._rspo AS rspo, l.lesson_date AS day,
               CAST(date_trunc('month', l.lesson_date) AS DATE) AS month, t.class_id, t.subject_id,
               l.staff_member_id AS teacher_id, p.pupil_key, a.code,
               a.code IN ({_codes(attendance.PRESENT)}) AS present,
               a.code IN ({_codes(attendance.UNEXCUSED)}) AS unexcused,
               a.code <> 'released' AS counted
        FROM attendance a
        JOIN lesson l ON l.id = a.lesson_id
        JOIN timetable_entry t ON t.id = l.timetable_entry_id
        LEFT JOIN pupil p ON p.id = a.pupil_id
        WHERE l.realised""",
    "fact_grade": f"""
        SELECT g.id AS grade_id, g._rspo AS rspo, g.given_on AS day, ta.class_id, ta.subject_id,
               g.teacher_id, p.pupil_key, g.symbol, {GRADE_VALUE_SQL} AS value, k.weight, k.counts
        FROM grade g
        JOIN grade_category k ON k.id = g.category_id
        JOIN teaching_assignment ta ON ta.id = g.assignment_id
        LEFT JOIN pupil p ON p.id = g.pupil_id""",
    "fact_staff_fte": """
        SELECT e.id AS employment_id, e._rspo AS rspo, e.staff_member_id AS teacher_id, m.position,
               m.promotion_grade, e.basis, e.starts_on, e.ends_on, e.fte_numerator, e.fte_denominator,
               e.teaching_hours_norm
        FROM staff_employment e JOIN staff_member m ON m.id = e.staff_member_id""",
}

DIMENSION_SQL = {
    "dim_school": """
        SELECT rspo, arg_max(name, _inbox_id) AS name, arg_max(kind, _inbox_id) AS kind,
               arg_max(district, _inbox_id) AS district
        FROM (SELECT _rspo AS rspo, name, kind, district, _inbox_id FROM school) GROUP BY rspo""",
    "dim_class": """
        SELECT c.id AS class_id, c._rspo AS rspo, y.label AS school_year, y.starts_on AS year_starts_on,
               y.ends_on AS year_ends_on, c.level, c.letter, c.tutor_id
        FROM class_unit c JOIN school_year y ON y.id = c.school_year_id""",
    "dim_subject": """
        SELECT id AS subject_id, _rspo AS rspo, code, name, lower(trim(name)) AS subject_key FROM subject""",
    "dim_teacher": """
        SELECT id AS teacher_id, _rspo AS rspo, position, promotion_grade, active FROM staff_member""",
}

# One scan of the lesson-grain attendance: a pupil's lessons of one day, per kind (temporary).
PUPIL_DAY_SQL = f"""
    CREATE OR REPLACE TEMP TABLE _pupil_day AS
    SELECT a._rspo AS rspo, t.class_id, a.pupil_id, l.lesson_date AS day,
           count(*) FILTER (WHERE a.code <> 'released') AS counted,
           count(*) FILTER (WHERE a.code IN ({_codes(attendance.PRESENT)})) AS present,
           count(*) FILTER (WHERE a.code IN ({_codes(attendance.ABSENT)})) AS absent,
           count(*) FILTER (WHERE a.code IN ({_codes(attendance.UNEXCUSED)})) AS unexcused,
           count(*) FILTER (WHERE a.code IN ('late', 'late_excused')) AS late,
           count(*) FILTER (WHERE a.code = 'released') AS released,
           max(a._ts) AS last_ts
    FROM attendance a
    JOIN lesson l ON l.id = a.lesson_id
    JOIN timetable_entry t ON t.id = l.timetable_entry_id
    WHERE l.realised
    GROUP BY ALL"""

AGGREGATE_SQL = {
    "agg_attendance_class_month": """
        SELECT d.rspo, d.class_id, c.school_year, c.level, c.letter,
               CAST(date_trunc('month', d.day) AS DATE) AS month,
               sum(d.counted) AS counted, sum(d.present) AS present, sum(d.absent) AS absent,
               sum(d.unexcused) AS unexcused, sum(d.late) AS late, sum(d.released) AS released
        FROM _pupil_day d JOIN dim_class c ON c.class_id = d.class_id
        GROUP BY ALL""",
    # A class day: a day the pupil had a counted lesson. A day of unexcused absence: every counted lesson
    # of that day was an unexcused absence (the pupil did not come and nobody excused it). BRIEF §4.
    "agg_attendance_pupil_month": """
        SELECT p.pupil_key, CAST(date_trunc('month', d.day) AS DATE) AS month,
               arg_max(d.rspo, d.day) AS rspo, arg_max(d.class_id, d.day) AS class_id,
               count(*) FILTER (WHERE d.counted > 0) AS class_days,
               count(*) FILTER (WHERE d.counted > 0 AND d.unexcused = d.counted) AS unexcused_days,
               sum(d.counted) AS counted, sum(d.unexcused) AS unexcused
        FROM _pupil_day d JOIN pupil p ON p.id = d.pupil_id
        WHERE p.pupil_key IS NOT NULL
        GROUP BY ALL""",
    "agg_grade_subject": f"""
        SELECT g._rspo AS rspo, c.school_year, c.level, s.subject_key, min(s.name) AS subject_name,
               count(*) AS grades, sum(v.value * k.weight) AS weighted_sum, sum(k.weight) AS weights
        FROM grade g
        JOIN grade_category k ON k.id = g.category_id
        JOIN teaching_assignment ta ON ta.id = g.assignment_id
        JOIN dim_subject s ON s.subject_id = ta.subject_id
        JOIN dim_class c ON c.class_id = ta.class_id,
        LATERAL (SELECT {GRADE_VALUE_SQL} AS value) v
        WHERE k.counts AND v.value IS NOT NULL
        GROUP BY g._rspo, c.school_year, c.level, s.subject_key""",
    "agg_school_freshness": """
        SELECT s.rspo, d.last_lesson_day, d.last_ts, a.lessons_last_7_days
        FROM dim_school s
        LEFT JOIN (SELECT rspo, max(day) AS last_lesson_day, max(last_ts) AS last_ts FROM _pupil_day
                   GROUP BY rspo) d ON d.rspo = s.rspo
        LEFT JOIN (SELECT rspo, count(DISTINCT day) AS lessons_last_7_days FROM _pupil_day
                   WHERE day > (SELECT max(day) FROM _pupil_day) - 7 GROUP BY rspo) a ON a.rspo = s.rspo""",
}


@dataclass(frozen=True)
class RefreshReport:
    """What one refresh rebuilt and how long it took."""

    rows: Mapping[str, int]
    seconds: float


@functools.lru_cache(maxsize=32)
def _public_holidays(year: int) -> Mapping[dt.date, str]:
    return dict(holidays.country_holidays("PL", years=year, language="pl"))


def school_year_of(day: dt.date) -> str:
    """The school year (1 September – 31 August) ``day`` belongs to, e.g. "2026/2027"."""
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}/{first + 1}"


def last_friday_of_june(year: int) -> dt.date:
    """The statutory last lesson day of a school year ending in ``year``."""
    june_30 = dt.date(year, 6, 30)
    return june_30 - dt.timedelta(days=(june_30.weekday() - 4) % 7)


def calendar_rows(first: dt.date, last: dt.date,
                  calendars: Mapping[str, CityCalendar]) -> list[tuple[object, ...]]:
    """``dim_date`` rows from ``first`` to ``last``: the school calendar of every day.

    A lesson day is a weekday that is no public holiday, inside the city's lesson period and outside
    its breaks when the city published a calendar for that school year; without one, 1 September to
    the last Friday of June. A school's own days off (``day_off``) are per school and stay there.
    """
    rows = []
    day = first
    while day <= last:
        year = school_year_of(day)
        calendar = calendars.get(year)
        holiday = _public_holidays(day.year).get(day)
        city_break = next((b.kind for b in calendar.breaks if b.starts_on <= day <= b.ends_on), None) \
            if calendar else None
        if calendar:
            in_period = calendar.lessons_start_on <= day <= calendar.lessons_end_on
        else:
            in_period = day.month >= 9 or day <= last_friday_of_june(day.year)
        weekend = day.weekday() >= 5
        lesson_day = in_period and not weekend and holiday is None and city_break is None
        rows.append((day, year, dt.date(day.year, day.month, 1), day.isoweekday(), weekend, holiday, city_break,
                     lesson_day))
        day += dt.timedelta(days=1)
    return rows


def install_views(con) -> None:  # type: ignore[no-untyped-def]
    """Create (or replace) the lesson-grain fact views; cheap, run when the warehouse opens."""
    for name, sql in VIEWS.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")


def refresh(con, calendars: Mapping[str, CityCalendar] | None = None) -> RefreshReport:  # type: ignore[no-untyped-def]
    """Rebuild the dimensions and aggregates from the merged tables, atomically.

    Readers keep seeing the previous version until the transaction commits (DuckDB's MVCC), so a
    dashboard never reads a half-built layer. ``calendars`` are the city's published school-year
    calendars by school year (``dim_date``'s breaks).
    """
    started = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    try:
        install_views(con)
        for name in ("dim_school", "dim_class", "dim_subject", "dim_teacher"):
            con.execute(f"CREATE OR REPLACE TABLE {name} AS {DIMENSION_SQL[name]}")
        _build_dates(con, calendars or {})
        con.execute(PUPIL_DAY_SQL)
        for name, sql in AGGREGATE_SQL.items():
            con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
        con.execute("DROP TABLE IF EXISTS _pupil_day")
        con.execute("CREATE TABLE IF NOT EXISTS _model_state (refreshed_at TIMESTAMP)")
        con.execute("DELETE FROM _model_state")
        con.execute("INSERT INTO _model_state VALUES (now())")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    rows = {name: int(con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]) for name in MODEL_TABLES}
    return RefreshReport(rows, time.perf_counter() - started)


def _build_dates(con, calendars: Mapping[str, CityCalendar]) -> None:  # type: ignore[no-untyped-def]
    con.execute("""CREATE OR REPLACE TABLE dim_date (day DATE, school_year VARCHAR, month DATE, iso_weekday INTEGER,
                   weekend BOOLEAN, public_holiday VARCHAR, city_break VARCHAR, lesson_day BOOLEAN)""")
    first, last = con.execute("SELECT min(starts_on), max(ends_on) FROM school_year").fetchone()
    if first is None:
        return
    con.executemany("INSERT INTO dim_date VALUES (?, ?, ?, ?, ?, ?, ?, ?)", calendar_rows(first, last, calendars))


def is_built(cur) -> bool:  # type: ignore[no-untyped-def]
    """True once :func:`refresh` has run on this warehouse."""
    return bool(cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = '_model_state'")
                .fetchone()[0])
