"""Importing staff qualifications: one row per qualification of a person already on the staff list.

The person is found as the staff import finds them (by e-mail address, else by first and last
name; two namesakes make the row ambiguous) but never created here: a qualification of someone not
on the staff list is a row error asking to import or add the person first. A qualification with the
same person, kind, field of study (compared without case or diacritics) and date obtained is the
same qualification — the institution and document number are updated, nothing is duplicated — so
importing the same file twice changes nothing. Every write goes through
:mod:`node_agent.staff.operations`; this module never commits.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.imports.columns import Column, ColumnMap, missing
from node_agent.imports.problems import RowProblems
from node_agent.imports.reader import SourceRow
from node_agent.imports.report import ImportReport, RowError, RowRejected
from node_agent.imports.runner import run_import
from node_agent.imports.staff import find_member
from node_agent.imports.staff_values import parse_qualification_kind
from node_agent.imports.values import fold, parse_date
from node_agent.records import ValidationFailed
from node_agent.staff import operations as staff_ops
from node_agent.staff.models import StaffQualification
from protocol.i18n import N_

QUALIFICATION_COLUMNS: tuple[Column, ...] = (
    Column("first_name", "first_name", "Imię"),
    Column("last_name", "last_name", "Nazwisko", ("surname",)),
    Column("email", "email", "E-mail", ("Adres e-mail",)),
    Column("kind", "kind", "Rodzaj kwalifikacji", ("Kwalifikacje", "Rodzaj")),
    Column("field_of_study", "field_of_study", "Kierunek lub specjalność", ("Kierunek", "Specjalność", "Zakres")),
    Column("institution", "institution", "Uczelnia lub instytucja", ("Uczelnia", "Instytucja", "Wydane przez")),
    Column("obtained_on", "obtained_on", "Data uzyskania", ("Data ukończenia", "Data")),
    Column("document_number", "document_number", "Numer dokumentu", ("Nr dyplomu", "Nr świadectwa", "Numer dyplomu")),
)
UPDATABLE = ("institution", "document_number")


class QualificationImporter:
    """Rows of a qualifications file: created (a new qualification), updated or unchanged."""

    kind = "qualifications"
    columns = QUALIFICATION_COLUMNS

    def required(self, columns: ColumnMap) -> list[RowError]:
        """Who (first and last name), what kind, and the field of study."""
        return missing(columns, "first_name", "last_name", "kind", "field_of_study")

    def prepare(self, session: Session, columns: ColumnMap) -> None:
        """Nothing to load ahead: people are looked up per row."""

    def describe(self, columns: ColumnMap, row: SourceRow) -> str:
        """The person's name and the field of study as written in the row."""
        who = f"{columns.value(row, 'first_name')} {columns.value(row, 'last_name')}".strip()
        return f"{who}: {columns.value(row, 'field_of_study')}".strip()

    def import_row(self, session: Session, columns: ColumnMap, row: SourceRow) -> str:
        """Add or update one qualification of a person on the staff list."""
        problems = RowProblems(row, columns)
        person = problems.texts(("first_name", "last_name", "email"))
        data: dict[str, Any] = {
            "kind": problems.parse("kind", parse_qualification_kind),
            "field_of_study": problems.text("field_of_study") or None,
            "institution": problems.text("institution") or None,
            "obtained_on": problems.parse("obtained_on", parse_date),
            "document_number": problems.text("document_number") or None,
        }
        member = find_member(session, problems, person)
        if member is None and "last_name" not in problems.bad:
            problems.add("last_name", "unknown_person", N_(
                "nobody of this name is on the staff list; import or add the person first"))
        problems.raise_if_any()
        try:
            return self._write(session, member, data)  # type: ignore[arg-type]
        except ValidationFailed as exc:
            problems.field_errors(exc.errors)
            raise RowRejected(problems.errors) from None

    def _write(self, session: Session, member: Any, data: dict[str, Any]) -> str:
        obtained = dt.date.fromisoformat(data["obtained_on"]) if data["obtained_on"] else None
        same = [q for q in session.scalars(select(StaffQualification).where(
                    StaffQualification.staff_member_id == member.id, StaffQualification.kind == data["kind"]))
                if q.obtained_on == obtained and fold(q.field_of_study) == fold(data["field_of_study"] or "")]
        if not same:
            staff_ops.save_qualification(session, member, data)
            return "created"
        existing = same[0]
        changes = {k: data[k] for k in UPDATABLE if data[k] is not None and getattr(existing, k) != data[k]}
        if not changes:
            return "unchanged"
        staff_ops.save_qualification(session, member, changes, existing)  # merged over the stored record
        return "updated"


def import_qualifications(session: Session, path: Path, *, dry_run: bool = False, sheet: str | None = None,
                          **options: Any) -> ImportReport:
    """Import the qualifications file at ``path`` inside the caller's transaction and return the report."""
    return run_import(session, path, QualificationImporter(), dry_run=dry_run, sheet=sheet, **options)
