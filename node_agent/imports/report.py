"""What an import tells its user: row-level errors, file-level errors, warnings and totals.

Messages are English message ids with parameters, translated only when rendered, so the CLI
and the web UI show the same Polish text. This module never touches the database or a file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from protocol.fields import FieldError
from protocol.i18n import N_

Gettext = Callable[[str], str]


def _identity(message: str) -> str:
    return message


@dataclass(frozen=True)
class RowError:
    """One problem with a file: where (row, column), which protocol field, a code and a message id.

    ``row`` is the spreadsheet row number as the user sees it (the header is row 1); 0 means the
    problem concerns the whole file (e.g. a missing column). ``column`` is the header text as
    written in the file, or the column's usual Polish name when the file lacks that column.
    """

    row: int
    column: str
    field: str
    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def reason(self, gettext: Gettext = _identity) -> str:
        """The translated reason alone, parameters filled in."""
        params = {k: v for k, v in self.params.items() if k != "label"}
        return gettext(self.message).format(**params)

    def render(self, gettext: Gettext = _identity) -> str:
        """A full sentence such as "Wiersz 7, kolumna „PESEL”: cyfra kontrolna jest błędna …"."""
        reason = self.reason(gettext)
        if self.row and self.column:
            return gettext(N_("Row {row}, column “{column}”: {reason}")).format(
                row=self.row, column=self.column, reason=reason)
        if self.row:
            return gettext(N_("Row {row}: {reason}")).format(row=self.row, reason=reason)
        if self.column:
            return gettext(N_("Column “{column}”: {reason}")).format(column=self.column, reason=reason)
        return reason[:1].upper() + reason[1:]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form (for the web UI or a downloadable error list)."""
        return {"row": self.row, "column": self.column, "field": self.field, "code": self.code,
                "message": self.message, "params": dict(self.params)}


def from_field_error(row: int, column: str, error: FieldError) -> RowError:
    """A protocol :class:`FieldError` placed at ``row`` / ``column`` of the file."""
    return RowError(row, column, error.field, error.code, error.message, dict(error.params))


@dataclass(frozen=True)
class RowOutcome:
    """What one good row did ("created", "updated" or "unchanged") and whom it concerns (for a preview)."""

    row: int
    outcome: str
    label: str = ""


class FileRejected(Exception):
    """The file as a whole cannot be imported (unreadable, too big, columns wrong); nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.render() for e in errors))
        self.errors = errors


def file_error(code: str, message: str, *, column: str = "", row: int = 0, **params: Any) -> FileRejected:
    """A :class:`FileRejected` holding one error (a shorthand for readers and column checks)."""
    return FileRejected([RowError(row, column, "", code, message, params)])


class RowRejected(Exception):
    """Raised inside a row's savepoint so that everything the row wrote is rolled back."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.render() for e in errors))
        self.errors = errors


@dataclass
class ImportReport:
    """The outcome of one import (or of a dry run, which reports exactly what a real run would do).

    ``file_errors`` non-empty means nothing was imported; otherwise ``errors`` lists the problems
    of the ``rejected`` rows (a row may have several) and every other row was written.
    """

    kind: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    file_errors: list[RowError] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Data rows processed (empty rows are not counted)."""
        return self.created + self.updated + self.unchanged + self.rejected

    @property
    def ok(self) -> bool:
        """True when every row was imported (warnings allowed)."""
        return not self.file_errors and not self.rejected

    def count(self, outcome: str) -> None:
        """Add one row with ``outcome`` ("created", "updated" or "unchanged")."""
        setattr(self, outcome, getattr(self, outcome) + 1)

    def summary(self, gettext: Gettext = _identity) -> str:
        """The totals line, translated."""
        if self.file_errors:
            text = gettext(N_("The file was not imported."))
        else:
            text = gettext(N_("Rows: {rows}; created: {created}, updated: {updated}, unchanged: {unchanged}, "
                              "rejected: {rejected}.")).format(
                rows=self.rows, created=self.created, updated=self.updated, unchanged=self.unchanged,
                rejected=self.rejected)
        if self.dry_run:
            text = gettext(N_("Preview only, nothing was saved.")) + " " + text
        return text

    def lines(self, gettext: Gettext = _identity) -> list[str]:
        """The whole report as lines: totals, then every error, then every warning."""
        out = [self.summary(gettext)]
        out += [e.render(gettext) for e in self.file_errors]
        out += [e.render(gettext) for e in self.errors]
        warning = gettext(N_("Warning"))
        out += [f"{warning}: {w.render(gettext)}" for w in self.warnings]
        return out
