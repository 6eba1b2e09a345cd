"""A city school year in the warehouse: generation, the analytical layer's refresh, and dashboard query times.

Generates a whole school year of lesson-level attendance and current grades straight into a DuckDB
warehouse file (the merged tables, as the merger leaves them), in bulk SQL: at ``--scale 1`` 97 schools,
~38,600 pupils in ~1,600 classes, ~4,400 teachers, six lessons a day on every lesson day of the city's
standard 2026/2027 calendar (~43M attendance rows) and ~3.7M grades. Then it refreshes the analytical
layer (:mod:`hub.warehouse.model`) and times every dashboard query (the real functions of
:mod:`hub.dashboard.analytics` and :mod:`hub.compulsory.absence`'s SQL) against a same-run baseline: the
same figure computed from the merged tables without the layer. Prints p50/p95 per query (target < 1 s)
and baseline/layer ratios.

Pupil keys are SHA-256 of a random salt and the pupil's number: the HMAC step itself is the merger's and
is measured by bench_sync.py, as is the inbox merge; "merge" here is the bulk load into the merged tables
plus the layer's refresh, which is what a rebuild of the warehouse costs.

    nice -n 19 python bench/bench_warehouse.py [--scale 0.02] [--repeat 7] [--keep FILE] [--strict]
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.dashboard import analytics, queries  # noqa: E402
from hub.warehouse import model  # noqa: E402
from hub.warehouse.merger import Warehouse  # noqa: E402
from protocol.calendar import standard_calendar  # noqa: E402

YEAR, FIRST = "2026/2027", 2026
SCHOOLS, CLASSES_PER_SCHOOL, PUPILS_PER_CLASS, TEACHERS_PER_SCHOOL = 97, 16.5, 24, 45
LESSONS_A_DAY, SUBJECTS = 6, 8
GRADES_PER_SUBJECT = 12
TARGET_SECONDS = 1.0
# Id blocks: the first eight hex digits of a UUID say which entity a generated id belongs to.
KIND = {"school": 1, "school_year": 2, "class_unit": 3, "subject": 4, "staff_member": 5, "pupil": 6, "enrolment": 7,
        "timetable_entry": 8, "lesson": 9, "attendance": 10, "grade_category": 11, "teaching_assignment": 12,
        "grade": 13, "staff_employment": 14}
META = "'node-' || {r}, {r}, 1, 1, 0"  # _node_id, _rspo, _inbox_id, _seq, _ts


def uid(kind: str, number: str) -> str:
    """SQL for the generated UUID number ``number`` of entity ``kind``."""
    return f"CAST(printf('%08x-0000-4000-8000-%012x', {KIND[kind]}, {number}) AS UUID)"


def rspo(school: str) -> str:
    return f"CAST(300000 + {school} AS VARCHAR)"


def generate(con, scale: float, salt: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Fill the merged tables; return rows per table."""
    schools = max(2, round(SCHOOLS * scale))
    classes = max(2, round(CLASSES_PER_SCHOOL * schools))
    calendar = standard_calendar(FIRST, dt.date(2027, 1, 18))
    days = [d for d, *_rest, lesson in model.calendar_rows(calendar.starts_on, calendar.ends_on, {YEAR: calendar})
            if lesson]
    con.execute("CREATE TEMP TABLE _days AS SELECT unnest(CAST(? AS DATE[])) AS day, "
                "unnest(range(?)) AS n", [days, len(days)])
    r = rspo("s.i")
    con.execute(f"""INSERT INTO school SELECT {uid('school', 's.i')}, {r}, 'Szkoła nr ' || s.i,
        CASE WHEN s.i % 10 < 6 THEN 'primary' WHEN s.i % 10 < 9 THEN 'secondary' ELSE 'special' END,
        NULL, NULL, 'Radom', 'Dzielnica ' || (s.i % 6), {META.format(r=r)} FROM range({schools}) s(i)""")
    con.execute(f"""INSERT INTO school_year SELECT {uid('school_year', 's.i')}, '{YEAR}', DATE '2026-09-01',
        DATE '2027-08-31', {META.format(r=r)} FROM range({schools}) s(i)""")
    # Class c belongs to school c % schools; its level cycles 1..8 (secondary schools' 5..8 read as 1..4).
    con.execute(f"""CREATE TEMP TABLE _class AS SELECT c.i AS c, c.i % {schools} AS s,
        1 + (c.i // {schools}) % 8 AS level, chr(97 + CAST((c.i // {schools}) // 8 AS INTEGER)) AS letter
        FROM range({classes}) c(i)""")
    rc = rspo("k.s")
    con.execute(f"""INSERT INTO class_unit SELECT {uid('class_unit', 'k.c')}, {uid('school_year', 'k.s')}, k.level,
        k.letter, NULL, NULL, {META.format(r=rc)} FROM _class k""")
    con.execute(f"""INSERT INTO subject SELECT {uid('subject', 's.i * 100 + j.j')}, 'P' || j.j, 'przedmiot ' || j.j,
        {META.format(r=r)} FROM range({schools}) s(i), range({SUBJECTS}) j(j)""")
    teachers = TEACHERS_PER_SCHOOL
    con.execute(f"""INSERT INTO staff_member (id, position, active, promotion_grade, _node_id, _rspo, _inbox_id, _seq,
        _ts) SELECT {uid('staff_member', f's.i * {teachers} + t.t')},
        CASE WHEN t.t < {teachers - 5} THEN 'teacher' ELSE 'administration' END, true, 'appointed',
        {META.format(r=r)} FROM range({schools}) s(i), range({teachers}) t(t)""")
    con.execute(f"""INSERT INTO staff_employment (id, staff_member_id, basis, starts_on, fte_numerator,
        fte_denominator, _node_id, _rspo, _inbox_id, _seq, _ts)
        SELECT {uid('staff_employment', f's.i * {teachers} + t.t')}, {uid('staff_member', f's.i * {teachers} + t.t')},
        'employment_contract', DATE '2020-09-01', 9 + t.t % 10, 18, {META.format(r=r)}
        FROM range({schools}) s(i), range({teachers}) t(t)""")
    con.execute(f"""CREATE TEMP TABLE _pupil AS SELECT k.c * {PUPILS_PER_CLASS} + p.p AS n, k.c, k.s
        FROM _class k, range({PUPILS_PER_CLASS}) p(p)""")
    con.execute(f"""INSERT INTO pupil (id, birth_year, sex, pupil_key, _node_id, _rspo, _inbox_id, _seq, _ts)
        SELECT {uid('pupil', 'u.n')}, 2018, CASE WHEN u.n % 2 = 0 THEN 'F' ELSE 'M' END,
        sha256('{salt}' || u.n), {META.format(r=rspo('u.s'))} FROM _pupil u""")
    con.execute(f"""INSERT INTO enrolment (id, pupil_id, class_id, starts_on, admission_reason, _node_id, _rspo,
        _inbox_id, _seq, _ts) SELECT {uid('enrolment', 'u.n')}, {uid('pupil', 'u.n')}, {uid('class_unit', 'u.c')},
        DATE '2026-09-01', 'recruitment', {META.format(r=rspo('u.s'))} FROM _pupil u""")
    # The timetable: weekday w (1-5), lesson l (1-6): subject (w + l) % 8, one of the school's teachers.
    con.execute(f"""CREATE TEMP TABLE _entry AS SELECT k.c * 100 + w.w * 10 + l.l AS n, k.c, k.s, w.w, l.l,
        (w.w + l.l) % {SUBJECTS} AS subject, (k.c * 7 + w.w + l.l) % {teachers - 5} AS teacher
        FROM _class k, range(1, 6) w(w), range(1, {LESSONS_A_DAY + 1}) l(l)""")
    te = f"e.s * {teachers} + e.teacher"
    con.execute(f"""INSERT INTO timetable_entry SELECT {uid('timetable_entry', 'e.n')}, {uid('class_unit', 'e.c')},
        e.w, e.l, {uid('subject', 'e.s * 100 + e.subject')}, {uid('staff_member', te)}, NULL, NULL,
        DATE '2026-09-01', NULL, {META.format(r=rspo('e.s'))} FROM _entry e""")
    con.execute(f"""CREATE TEMP TABLE _lesson AS SELECT e.n * 1000 + d.n AS n, e.n AS entry, e.c, e.s, d.day,
        {te} AS teacher FROM _entry e JOIN _days d ON isodow(d.day) = e.w""")
    con.execute(f"""INSERT INTO lesson SELECT {uid('lesson', 'x.n')}, {uid('timetable_entry', 'x.entry')}, x.day,
        {uid('staff_member', 'x.teacher')}, 'temat', x.n % 97 <> 0, {META.format(r=rspo('x.s'))} FROM _lesson x""")
    # Attendance: mostly present; 1 pupil in 200 truants (absent without excuse on ~70% of days).
    con.execute(f"""INSERT INTO attendance SELECT {uid('attendance', 'x.n * 32 + p.p')}, {uid('lesson', 'x.n')},
        {uid('pupil', f'x.c * {PUPILS_PER_CLASS} + p.p')},
        CASE WHEN (x.c * {PUPILS_PER_CLASS} + p.p) % 200 = 7 AND hash(x.day, x.c, p.p) % 10 < 7 THEN 'absent'
             ELSE CASE hash(x.n, p.p) % 100 WHEN 0 THEN 'absent' WHEN 1 THEN 'late' WHEN 2 THEN 'released'
                  WHEN 3 THEN 'excused' WHEN 4 THEN 'excused' WHEN 5 THEN 'excused' WHEN 6 THEN 'late_excused'
                  WHEN 7 THEN 'school_reason' ELSE 'present' END END,
        NULL, {META.format(r=rspo('x.s'))} FROM _lesson x, range({PUPILS_PER_CLASS}) p(p)""")
    con.execute(f"""INSERT INTO grade_category SELECT {uid('grade_category', 's.i * 3 + k.k')}, 'kategoria ' || k.k,
        1 + k.k, k.k < 2, true, {META.format(r=r)} FROM range({schools}) s(i), range(3) k(k)""")
    con.execute(f"""INSERT INTO teaching_assignment SELECT {uid('teaching_assignment', 'k.c * 100 + j.j')},
        {uid('staff_member', f'k.s * {teachers} + (k.c + j.j) % {teachers - 5}')},
        {uid('subject', 'k.s * 100 + j.j')}, {uid('class_unit', 'k.c')}, NULL, 2, DATE '2026-09-01', NULL,
        {META.format(r=rc)} FROM _class k, range({SUBJECTS}) j(j)""")
    symbols = "['1', '2', '2+', '3-', '3', '3+', '4-', '4', '4+', '5-', '5', '5+', '6', 'np', '4', '5']"
    con.execute(f"""INSERT INTO grade SELECT {uid('grade', f'(u.n * {SUBJECTS} + j.j) * 16 + g.g')},
        {uid('pupil', 'u.n')}, {uid('teaching_assignment', 'u.c * 100 + j.j')},
        {uid('grade_category', 'u.s * 3 + (g.g % 3)')}, {symbols}[CAST(1 + hash(u.n, j.j, g.g) % 16 AS BIGINT)],
        DATE '2026-09-15' + CAST(g.g * 20 AS INTEGER), NULL, NULL,
        {uid('staff_member', f'u.s * {teachers} + (u.c + j.j) % {teachers - 5}')}, {META.format(r=rspo('u.s'))}
        FROM _pupil u, range({SUBJECTS}) j(j), range({GRADES_PER_SUBJECT}) g(g)""")
    for table in ("_days", "_class", "_pupil", "_entry", "_lesson"):
        con.execute(f"DROP TABLE {table}")
    con.execute("CHECKPOINT")
    return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in ("school", "class_unit", "pupil", "staff_member", "lesson", "attendance", "grade")}


# Baselines: the same figures from the merged tables, without the analytical layer.
RAW_ATTENDANCE_BY_SCHOOL = """
    SELECT a._rspo, date_trunc('month', l.lesson_date) AS month, count(*) FILTER (WHERE a.code <> 'released'),
           count(*) FILTER (WHERE a.code IN ('present', 'late', 'late_excused', 'school_reason'))
    FROM attendance a JOIN lesson l ON l.id = a.lesson_id JOIN timetable_entry t ON t.id = l.timetable_entry_id
    JOIN class_unit c ON c.id = t.class_id JOIN school_year y ON y.id = c.school_year_id
    WHERE l.realised AND y.label = ? GROUP BY ALL"""
RAW_ATTENDANCE_BY_CLASS = RAW_ATTENDANCE_BY_SCHOOL.replace("SELECT a._rspo,", "SELECT t.class_id,").replace(
    "WHERE l.realised", "WHERE a._rspo = ? AND l.realised")
RAW_GRADES_BY_SUBJECT = f"""
    SELECT lower(trim(s.name)), count(*), sum(({model.GRADE_VALUE_SQL}) * k.weight), sum(k.weight)
    FROM grade g JOIN grade_category k ON k.id = g.category_id JOIN teaching_assignment ta ON ta.id = g.assignment_id
    JOIN subject s ON s.id = ta.subject_id JOIN class_unit c ON c.id = ta.class_id
    JOIN school_year y ON y.id = c.school_year_id
    WHERE k.counts AND y.label = ? AND regexp_full_match(g.symbol, '[1-6][+-]?') GROUP BY 1"""
RAW_ABSENCE = """
    WITH d AS (SELECT a.pupil_id, l.lesson_date AS day, count(*) FILTER (WHERE a.code <> 'released') AS counted,
                      count(*) FILTER (WHERE a.code = 'absent') AS unexcused
               FROM attendance a JOIN lesson l ON l.id = a.lesson_id WHERE l.realised GROUP BY ALL)
    SELECT p.pupil_key, date_trunc('month', d.day) AS month, count(*) FILTER (WHERE counted > 0) AS days,
           count(*) FILTER (WHERE counted > 0 AND unexcused = counted) AS absent
    FROM d JOIN pupil p ON p.id = d.pupil_id WHERE p.pupil_key IN (SELECT unnest(CAST(? AS VARCHAR[])))
    GROUP BY ALL HAVING 100 * absent >= 50 * days"""
LAYER_ABSENCE = """
    SELECT pupil_key, month, class_days, unexcused_days FROM agg_attendance_pupil_month
    WHERE month >= DATE '2026-09-01' AND month < DATE '2027-09-01' AND class_days > 0
      AND 100 * unexcused_days >= 50 * class_days AND pupil_key IN (SELECT unnest(CAST(? AS VARCHAR[])))"""


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds of each of ``repeat`` runs of ``fn`` (after one warm-up run)."""
    fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.02, help="share of the full city (1 = ~43M attendance rows)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per dashboard query")
    parser.add_argument("--baseline-repeat", type=int, default=3, help="timed runs per baseline query")
    parser.add_argument("--keep", type=Path, help="write the warehouse here and keep it (default: a temp dir)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a dashboard query's p95 misses 1 s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zszo-bench-wh-") as tmp:
        path = args.keep or Path(tmp) / "warehouse.duckdb"
        warehouse = Warehouse(path, secrets.token_bytes(32))
        con = warehouse.cursor()
        started = time.perf_counter()
        rows = generate(con, args.scale, secrets.token_hex(8))
        generation = time.perf_counter() - started
        report = warehouse.refresh_model()
        size_mb = path.stat().st_size / 2**20
        print(f"scale {args.scale}: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
        print(f"generation (bulk load into the merged tables): {generation:.1f} s")
        print(f"analytical layer refresh: {report.seconds:.1f} s "
              f"({', '.join(f'{k} {v:,}' for k, v in report.rows.items())})")
        print(f"warehouse file: {size_mb:,.0f} MiB")
        cur = warehouse.cursor()
        year = analytics.Filters(YEAR)
        one_school = cur.execute("SELECT min(rspo) FROM dim_school").fetchone()[0]
        keys = [k for (k,) in cur.execute("SELECT pupil_key FROM pupil").fetchall()]
        day = dt.date(2026, 10, 1)
        layer: dict[str, Callable[[], object]] = {
            "attendance by school and month": lambda: analytics.attendance(cur, year, "school"),
            "attendance by level and month": lambda: analytics.attendance(cur, year, "level"),
            "attendance by class (one school)": lambda: analytics.attendance(
                cur, analytics.Filters(YEAR, rspo=one_school), "class"),
            "grade averages by subject": lambda: analytics.grade_averages(cur, year, "subject"),
            "grade averages by school": lambda: analytics.grade_averages(cur, year, "school"),
            "teachers' FTE per school": lambda: analytics.staff_fte(cur, day),
            "class sizes": lambda: queries.class_sizes(cur, day),
            "pupils by school and level": lambda: queries.pupils_by_school_and_level(cur, day),
            "data freshness": lambda: analytics.freshness(cur),
            "absence >= 50% of class days (all pupils)": lambda: cur.execute(LAYER_ABSENCE, [keys]).fetchall(),
        }
        baseline: dict[str, Callable[[], object]] = {
            "attendance by school and month": lambda: cur.execute(RAW_ATTENDANCE_BY_SCHOOL, [YEAR]).fetchall(),
            "attendance by class (one school)": lambda: cur.execute(RAW_ATTENDANCE_BY_CLASS,
                                                                    [one_school, YEAR]).fetchall(),
            "grade averages by subject": lambda: cur.execute(RAW_GRADES_BY_SUBJECT, [YEAR]).fetchall(),
            "absence >= 50% of class days (all pupils)": lambda: cur.execute(RAW_ABSENCE, [keys]).fetchall(),
        }
        print(f"\ndashboard queries ({args.repeat} runs each; baseline: the merged tables without the layer, "
              f"{args.baseline_repeat} runs)")
        missed = []
        for name, fn in layer.items():
            times = timed(fn, args.repeat)
            line = f"  {name:<44} p50 {statistics.median(times) * 1000:9.1f} ms  p95 {p95(times) * 1000:9.1f} ms"
            if p95(times) >= TARGET_SECONDS:
                missed.append(name)
            if name in baseline:
                base = timed(baseline[name], args.baseline_repeat)
                ratio = statistics.median(base) / max(statistics.median(times), 1e-9)
                line += f"  baseline p50 {statistics.median(base) * 1000:9.1f} ms  ratio {ratio:8.1f}x"
            print(line)
        print(f"target: every dashboard query p95 < {TARGET_SECONDS:.0f} s: {'met' if not missed else 'MISSED'}"
              + (f" ({', '.join(missed)})" if missed else ""))
        warehouse.close()
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
