"""Importing the streets of the school's catchment area (obwód): one rule per row.

Columns: Ulica (required), Od numeru, Do numeru, Numery (wszystkie / parzyste / nieparzyste). A row
equal to a rule the school already has is unchanged, so importing the same file twice adds nothing.
Writes go through :mod:`node_agent.catchment.operations`; this module never commits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from node_agent.catchment import operations as catchment
from node_agent.imports.columns import Column, ColumnMap, missing
from node_agent.imports.problems import RowProblems
from node_agent.imports.reader import SourceRow
from node_agent.imports.report import ImportReport, RowError, RowRejected
from node_agent.imports.runner import run_import
from node_agent.imports.values import choose_word, fold
from node_agent.records import ValidationFailed
from protocol.i18n import N_

STREET_COLUMNS = (
    Column("street", "street", "Ulica", ("Nazwa ulicy",)),
    Column("number_from", "number_from", "Od numeru", ("Numer od", "Od")),
    Column("number_to", "number_to", "Do numeru", ("Numer do", "Do")),
    Column("parity", "parity", "Numery", ("Parzystość", "Strona")),
)
_PARITIES = {fold(w): code for code, words in {
    "all": ("wszystkie", "all", ""), "odd": ("nieparzyste", "odd"), "even": ("parzyste", "even"),
}.items() for w in words}


def parse_parity(text: str) -> str:
    """all, odd or even for wszystkie, nieparzyste, parzyste."""
    return choose_word(text, _PARITIES, "parity", N_("write one of: wszystkie, parzyste, nieparzyste"))


class StreetImporter:
    """Rows of an obwód file: created (a new rule) or unchanged (the school has it already)."""

    kind = "catchment_streets"
    columns = STREET_COLUMNS

    def required(self, columns: ColumnMap) -> list[RowError]:
        """The street column."""
        return missing(columns, "street")

    def prepare(self, session: Session, columns: ColumnMap) -> None:
        """Nothing to preload."""

    def describe(self, columns: ColumnMap, row: SourceRow) -> str:
        """The street and numbers as written."""
        numbers = "–".join(n for n in (columns.value(row, "number_from"), columns.value(row, "number_to")) if n)
        return f"{columns.value(row, 'street')} {numbers}".strip()

    def import_row(self, session: Session, columns: ColumnMap, row: SourceRow) -> str:
        """Add the rule of one row unless the school has it."""
        problems = RowProblems(row, columns)
        data: dict[str, Any] = problems.texts(("street", "number_from", "number_to"))
        data["parity"] = problems.parse("parity", parse_parity) or "all"
        problems.raise_if_any()
        try:
            _rule, created = catchment.add_street(session, data)
        except ValidationFailed as exc:
            problems.field_errors(exc.errors)
            raise RowRejected(problems.errors) from None
        return "created" if created else "unchanged"


def import_catchment_streets(session: Session, path: Path, *, dry_run: bool = False, sheet: str | None = None,
                             **options: Any) -> ImportReport:
    """Import the obwód file at ``path`` inside the caller's transaction and return the report."""
    return run_import(session, path, StreetImporter(), dry_run=dry_run, sheet=sheet, **options)
