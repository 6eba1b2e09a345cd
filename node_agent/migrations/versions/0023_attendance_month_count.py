"""attendance_month_count: monthly attendance counts per class, pupil and code for the overview pages
(derived, not synced), kept by triggers in the writing transaction and filled from the records here

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 12:10:00

The table is ``node_agent.attendance.summary.AttendanceMonthCount``. Every write that can change
the grouping (attendance inserted, deleted, changed; a lesson moved to another date or timetable
entry; a timetable entry moved to another class) adjusts the counts in the same transaction, so
the table always equals ``GROUP BY class, month, pupil, code`` over the records
(``zszo node rebuild-summaries`` recomputes it from scratch). Rows that reach zero are removed.
The SQL is spelled out here (not imported) so that the migration keeps doing what it did when
the application code moves on.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: Union[str, Sequence[str], None] = '0022'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLE = "attendance_month_count"
MONTH = "substr({d}, 1, 7) || '-01'"


def _add(source: str, sign: str = "+") -> str:
    """Add (or with sign "-", take away) the grouped records ``source`` to the counts, dropping rows at zero."""
    # ``source`` selects the table's columns in order and has a WHERE clause (no ON ambiguity before ON CONFLICT).
    add = (f"INSERT INTO {TABLE} (class_id, month, pupil_id, code, lessons) {source} "
           f"ON CONFLICT (class_id, month, pupil_id, code) DO UPDATE SET lessons = lessons + excluded.lessons;")
    if sign == "+":
        return add
    # Taking away: the rows exist (the records were counted), so an UPDATE of each grouped key does it;
    # then the keys that reached zero go (looked up by key: the table is never scanned).
    return (f"UPDATE {TABLE} SET lessons = {TABLE}.lessons - g.lessons FROM ({source}) AS g "
            f"WHERE {TABLE}.class_id = g.class_id AND {TABLE}.month = g.month AND {TABLE}.pupil_id = g.pupil_id "
            f"AND {TABLE}.code = g.code; "
            f"DELETE FROM {TABLE} WHERE lessons <= 0 AND (class_id, month, pupil_id, code) IN "
            f"(SELECT class_id, month, pupil_id, code FROM ({source}));")


def _counted(class_id: str, date: str, pupil_id: str, code: str, lessons: str, rest: str) -> str:
    """A SELECT of grouped records in the table's columns (``rest``: FROM, WHERE, GROUP BY)."""
    return (f"SELECT {class_id} AS class_id, {MONTH.format(d=date)} AS month, {pupil_id} AS pupil_id, "
            f"{code} AS code, {lessons} AS lessons {rest}")


def _one(row: str) -> str:
    """The key of one attendance record (``NEW`` or ``OLD``) with a count of 1."""
    return _counted("e.class_id", "l.lesson_date", f"{row}.pupil_id", f"{row}.code", "1",
                    f"FROM lesson l JOIN timetable_entry e ON e.id = l.timetable_entry_id WHERE l.id = {row}.lesson_id")


def _of_lesson(lesson: str, class_id: str) -> str:
    """The grouped records of lesson row ``lesson`` (``NEW``/``OLD``), counted for ``class_id``."""
    return _counted(class_id, f"{lesson}.lesson_date", "a.pupil_id", "a.code", "count(*)",
                    f"FROM attendance a WHERE a.lesson_id = {lesson}.id GROUP BY a.pupil_id, a.code")


def _of_entry(entry: str) -> str:
    """The grouped records of every lesson of timetable entry row ``entry`` (``NEW``/``OLD``)."""
    return _counted(f"{entry}.class_id", "l.lesson_date", "a.pupil_id", "a.code", "count(*)",
                    f"FROM lesson l JOIN attendance a ON a.lesson_id = l.id WHERE l.timetable_entry_id = {entry}.id "
                    "GROUP BY month, a.pupil_id, a.code")


def _entry_class(lesson: str) -> str:
    return f"(SELECT class_id FROM timetable_entry WHERE id = {lesson}.timetable_entry_id)"


TRIGGERS = {
    "zszo_summary_attendance_insert": (
        f"AFTER INSERT ON attendance BEGIN {_add(_one('NEW'))} END"),
    "zszo_summary_attendance_delete": (
        f"AFTER DELETE ON attendance BEGIN {_add(_one('OLD'), '-')} END"),
    "zszo_summary_attendance_update": (
        "AFTER UPDATE OF code, lesson_id, pupil_id ON attendance "
        "WHEN NEW.code IS NOT OLD.code OR NEW.lesson_id IS NOT OLD.lesson_id OR NEW.pupil_id IS NOT OLD.pupil_id "
        f"BEGIN {_add(_one('OLD'), '-')} {_add(_one('NEW'))} END"),
    "zszo_summary_lesson_update": (
        "AFTER UPDATE OF lesson_date, timetable_entry_id ON lesson "
        "WHEN NEW.lesson_date IS NOT OLD.lesson_date OR NEW.timetable_entry_id IS NOT OLD.timetable_entry_id "
        f"BEGIN {_add(_of_lesson('OLD', _entry_class('OLD')), '-')} "
        f"{_add(_of_lesson('NEW', _entry_class('NEW')))} END"),
    "zszo_summary_entry_update": (
        "AFTER UPDATE OF class_id ON timetable_entry WHEN NEW.class_id IS NOT OLD.class_id "
        f"BEGIN {_add(_of_entry('OLD'), '-')} {_add(_of_entry('NEW'))} END"),
}

GROUPED_RECORDS = _counted(
    "e.class_id", "l.lesson_date", "a.pupil_id", "a.code", "count(*)",
    "FROM attendance a JOIN lesson l ON l.id = a.lesson_id JOIN timetable_entry e ON e.id = l.timetable_entry_id "
    "GROUP BY e.class_id, month, a.pupil_id, a.code")


def upgrade() -> None:
    """Create the table and its triggers, then count the records already there."""
    op.create_table(
        TABLE,
        sa.Column('class_id', sa.String(length=36), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('pupil_id', sa.String(length=36), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('lessons', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('class_id', 'month', 'pupil_id', 'code', name=op.f(f'pk_{TABLE}')),
        sqlite_with_rowid=False,
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(f"INSERT INTO {TABLE} (class_id, month, pupil_id, code, lessons) {GROUPED_RECORDS}")


def downgrade() -> None:
    """Drop the triggers and the table (nothing else depends on them)."""
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table(TABLE)
