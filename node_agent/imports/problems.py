"""Collecting the problems of one row and placing each at its column.

Both the pupil and the guardian importers read cells through :class:`RowProblems`, which turns
bad cell values (:class:`~node_agent.imports.values.BadValue`) and the protocol's
:class:`~protocol.fields.FieldError` into :class:`~node_agent.imports.report.RowError` with the
file's own column names. It reports the root cause once: a cell that could not be read is not
reported again as "required" by the protocol's validation. No database access here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from node_agent.imports.columns import ColumnMap
from node_agent.imports.reader import SourceRow
from node_agent.imports.report import RowError, RowRejected, from_field_error
from node_agent.imports.values import BadValue
from protocol.fields import FieldError

T = TypeVar("T")


class RowProblems:
    """The cells of one row and the errors found in it so far."""

    def __init__(self, row: SourceRow, columns: ColumnMap) -> None:
        self.row = row
        self.columns = columns
        self.errors: list[RowError] = []
        self.bad: set[str] = set()  # column keys already reported

    def text(self, key: str) -> str:
        """The trimmed text of column ``key`` ("" when empty or absent)."""
        return self.columns.value(self.row, key)

    def texts(self, keys: Iterable[str], prefix: str = "") -> dict[str, str]:
        """{key without prefix: text} for the non-empty cells among ``prefix + key``."""
        out = {}
        for key in keys:
            value = self.text(prefix + key)
            if value:
                out[key] = value
        return out

    def column(self, key: str) -> str:
        """Header text of ``key`` in this file (its usual name if absent; "" if not a column at all)."""
        return self.columns.column(key) if key in self.columns.columns else ""

    def add(self, key: str, code: str, message: str, **params: Any) -> None:
        """Record a problem with column ``key``."""
        field = self.columns.columns[key].field if key in self.columns.columns else ""
        self.errors.append(RowError(self.row.number, self.column(key), field, code, message, params))
        self.bad.add(key)

    def parse(self, key: str, parser: Callable[[str], T]) -> T | None:
        """Parse the cell of ``key`` with ``parser``; None if empty or bad (bad is recorded)."""
        text = self.text(key)
        if not text:
            return None
        try:
            return parser(text)
        except BadValue as exc:
            self.add(key, exc.code, exc.message, **exc.params)
            return None

    def field_errors(self, errors: Iterable[FieldError], prefix: str = "", *,
                     columns: dict[str, str] | None = None) -> None:
        """Record protocol errors; field ``f`` is in column ``prefix + f`` unless ``columns`` maps it."""
        for error in errors:
            key = (columns or {}).get(error.field, prefix + error.field)
            if key in self.bad:
                continue
            self.errors.append(from_field_error(self.row.number, self.column(key), error))

    def raise_if_any(self) -> None:
        """Reject the row (rolling back its savepoint) if anything was recorded."""
        if self.errors:
            raise RowRejected(self.errors)
