"""The import loop shared by every file kind: read, map columns, one SAVEPOINT per row, dry run.

The caller owns the session and its transaction (a CLI command or a web request) and commits it;
this module only opens savepoints inside it. A row that fails rolls back its own savepoint, so
it leaves nothing behind (no pupil without the guardian that failed, no outbox change) while the
good rows stay. A dry run wraps the whole loop in one more savepoint and rolls that back: the
report is exactly what a real run would give and the database is left as it was.
It must never commit, and never swallow an unexpected exception (that aborts the whole import).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node_agent.imports.columns import Column, ColumnMap, headerless_data, map_columns
from node_agent.imports.reader import MAX_BYTES, MAX_ROWS, SourceRow, read_table
from node_agent.imports.report import FileRejected, ImportReport, RowError, RowOutcome, RowRejected
from protocol.i18n import N_


class RowImporter(Protocol):
    """What a file kind (pupils, guardians, staff) plugs into :func:`run_import`.

    An importer may also define ``describe(columns, row) -> str``: who the row is about, kept with
    the row's outcome in ``report.outcomes`` so a preview can list the rows to create and update.
    """

    kind: str
    columns: Sequence[Column]

    def required(self, columns: ColumnMap) -> list[RowError]:
        """File-level errors for required columns the file lacks."""

    def prepare(self, session: Session, columns: ColumnMap) -> None:
        """Load what every row needs (classes of the current year, …) once."""

    def import_row(self, session: Session, columns: ColumnMap, row: SourceRow) -> str:
        """Write one row; return "created", "updated" or "unchanged", or raise RowRejected."""


def run_import(session: Session, path: Path, importer: RowImporter, *, dry_run: bool = False,
               sheet: str | None = None, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS,
               progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import ``path`` with ``importer`` inside the caller's transaction; return the report.

    File-level problems (unreadable, too big, columns wrong) come back in
    ``report.file_errors`` with nothing written. ``progress`` is called with the number of
    rows done since the last call (for progress bars).
    """
    report = ImportReport(importer.kind, dry_run=dry_run)
    try:
        table = read_table(path, sheet=sheet, max_bytes=max_bytes, max_rows=max_rows)
        columns, report.warnings = map_columns(table.headers, importer.columns, importer.required)
        report.warnings += headerless_data(table.headers, table.rows)
    except FileRejected as exc:
        report.file_errors = exc.errors
        return report
    preview = session.begin_nested() if dry_run else None
    try:
        importer.prepare(session, columns)
        for row in table.rows:
            _one_row(session, importer, columns, row, report)
            if progress is not None:
                progress(1)
    finally:
        if preview is not None:
            preview.rollback()
    return report


def _one_row(session: Session, importer: RowImporter, columns: ColumnMap, row: SourceRow,
             report: ImportReport) -> None:
    try:
        with session.begin_nested():
            outcome = importer.import_row(session, columns, row)
    except RowRejected as exc:
        report.rejected += 1
        report.errors.extend(exc.errors)
    except IntegrityError:
        # The register's own checks run first; this is a last line of defence (e.g. another
        # writer took the same register number meanwhile). The savepoint is already rolled back.
        report.rejected += 1
        report.errors.append(RowError(row.number, "", "", "conflict", N_(
            "conflicts with data already in the register; check the row and try again")))
    else:
        report.count(outcome)
        describe = getattr(importer, "describe", None)
        report.outcomes.append(RowOutcome(row.number, outcome, describe(columns, row) if describe else ""))
