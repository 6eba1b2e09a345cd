"""Importing pupils (with their class and up to two guardians) from a CSV or XLSX file.

One row is one pupil. An existing pupil is found by PESEL, else by document type and number,
and updated with the row's non-empty cells, so importing the same file twice creates nothing
new and reports every row unchanged. A row is all or nothing: if the pupil, the class
assignment or a guardian fails, the row's savepoint is rolled back and the row reported.
Writes go only through :mod:`node_agent.register.operations`; this module never commits.

Decisions worth knowing:
- birth date and sex may be left empty when the PESEL is given: they are taken from the PESEL
  (a filled-in value must match it, the protocol checks that);
- the admission date ("Data przyjęcia") defaults to the first day of the current school year,
  because imports mostly move an existing register at the start of a year and "today" would
  invent a class change in the middle of the year for every pupil; only a pupil moved from
  another class of the same school year moves on the import date;
- the current school year is the one containing the import date, else the latest one;
- an open enrolment in the same class is left as it is (its start date is not changed).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.imports import columns as cols
from node_agent.imports.guardians import (
    PESEL_AS_NUMBER,
    GuardianInput,
    check_guardian,
    read_guardian,
    require_relation,
    save_guardian_link,
)
from node_agent.imports.lookups import RegisterIndex
from node_agent.imports.problems import RowProblems
from node_agent.imports.reader import SourceRow
from node_agent.imports.report import ImportReport, RowError
from node_agent.imports.runner import run_import
from node_agent.imports.values import class_key, parse_date, parse_document_type, parse_sex
from node_agent.records import ValidationFailed, clean_input, to_wire
from node_agent.register import operations as register
from node_agent.register.models import ClassUnit, Enrolment, Pupil
from node_agent.school.models import SchoolYear
from protocol import pesel as pesel_rules
from protocol.entities import PUPIL
from protocol.i18n import N_

TEXT_FIELDS = ("pesel", "document_number", "first_name", "second_name", "last_name", "birth_place",
               "street", "postal_code", "city", "register_number")
GUARDIAN_PREFIXES = ("g1.", "g2.")
# Enrolment errors land on the column the user can fix.
ENROLMENT_COLUMNS = {"starts_on": "starts_on", "class_id": "class", "pupil_id": "class"}


def current_school_year(session: Session, on: dt.date) -> SchoolYear | None:
    """The school year whose dates contain ``on``, else the latest one (None if there is none)."""
    year = session.scalar(select(SchoolYear).where(SchoolYear.starts_on <= on, SchoolYear.ends_on >= on))
    return year or session.scalar(select(SchoolYear).order_by(SchoolYear.starts_on.desc()).limit(1))


def _required(columns: cols.ColumnMap) -> list[RowError]:
    errors = cols.identity_columns(columns) + cols.missing(columns, "first_name", "last_name")
    if not columns.has("pesel"):  # nothing to take the birth date and sex from
        errors += cols.missing(columns, "birth_date", "sex")
    for prefix in GUARDIAN_PREFIXES:
        if any(columns.has(k) for k in columns.columns if k.startswith(prefix)):
            errors += cols.missing(columns, *(prefix + f for f in ("first_name", "last_name", "relation")))
    return errors


class PupilImporter:
    """Rows of a pupil file; see the module docstring for the rules."""

    kind = "pupils"
    columns = cols.PUPIL_COLUMNS

    def __init__(self, on: dt.date | None = None) -> None:
        self.on = on or dt.date.today()
        self.year: SchoolYear | None = None
        self.year_label = ""
        self.year_start = self.on
        self.classes: dict[str, ClassUnit] = {}  # class_key(name) → class (held, so never reloaded)
        self.seen_pesel: dict[str, int] = {}  # PESEL → first row with it
        self.seen_document: dict[tuple[str, str], int] = {}
        self.index: RegisterIndex | None = None

    def required(self, columns: cols.ColumnMap) -> list[RowError]:
        """First and last name, a way to identify the pupil, complete guardian column groups."""
        return _required(columns)

    def prepare(self, session: Session, columns: cols.ColumnMap) -> None:
        """Load the current school year, its classes and the register's index once."""
        self.index = RegisterIndex(session)
        year = current_school_year(session, self.on)
        if year is not None:
            self.year_label, self.year_start = year.label, year.starts_on
            self.year = year
            for unit in session.scalars(select(ClassUnit).where(ClassUnit.school_year_id == year.id)):
                self.classes.setdefault(class_key(unit.name), unit)

    def import_row(self, session: Session, columns: cols.ColumnMap, row: SourceRow) -> str:
        """Create or update the pupil of one row with class and guardians; return the outcome."""
        problems = RowProblems(row, columns)
        data = self._pupil_data(problems)
        duplicate = self._duplicate_in_file(problems, data)
        class_unit = self._class(problems)
        starts_on = problems.parse("starts_on", parse_date)
        guardians = [(p, g) for p in GUARDIAN_PREFIXES if (g := read_guardian(problems, p)) is not None]
        for prefix, given in guardians:
            if given.relation is None:
                require_relation(problems, prefix)
        if duplicate:
            problems.raise_if_any()  # never touch the earlier row's pupil with this row's data
        pupil, outcome = self._save_pupil(session, problems, data)
        if pupil is None:
            for prefix, given in guardians:
                check_guardian(problems, given, prefix)
            problems.raise_if_any()
            raise AssertionError("a pupil that failed to save must have reported why")  # pragma: no cover
        changed = outcome != "unchanged"
        new = outcome == "created"
        if class_unit is not None:
            changed |= self._enrol(session, problems, pupil, class_unit, starts_on, new)
        for prefix, given in guardians:
            changed |= self._guardian(session, problems, pupil, prefix, given, new)
        problems.raise_if_any()
        if outcome == "created":
            return outcome
        return "updated" if changed else "unchanged"

    # --- the parts of a row ---------------------------------------------------------------------

    def _pupil_data(self, problems: RowProblems) -> dict[str, Any]:
        data: dict[str, Any] = problems.texts(TEXT_FIELDS)
        if "pesel" in data and problems.columns.numeric(problems.row, "pesel") and len(data["pesel"]) <= 10:
            problems.add("pesel", "pesel_number", PESEL_AS_NUMBER)
            del data["pesel"]
        parsers = (("birth_date", parse_date), ("sex", parse_sex), ("document_type", parse_document_type))
        for key, parser in parsers:
            value = problems.parse(key, parser)
            if value is not None:
                data[key] = value
        if data.get("pesel") and pesel_rules.is_valid(data["pesel"]):
            info = pesel_rules.parse(data["pesel"])
            for key, value in (("birth_date", info.birth_date.isoformat()), ("sex", info.sex)):
                if key not in data and key not in problems.bad:
                    data[key] = value
        elif problems.text("pesel"):
            # A wrong PESEL is the root cause: do not also report the birth date and sex that
            # would have been read from it as missing.
            problems.bad.update(k for k in ("birth_date", "sex") if k not in data)
        return data

    def _duplicate_in_file(self, problems: RowProblems, data: dict[str, Any]) -> bool:
        duplicate = False
        pesel = data.get("pesel")
        if pesel:
            first = self.seen_pesel.setdefault(pesel, problems.row.number)
            if first != problems.row.number:
                problems.add("pesel", "duplicate_in_file", N_("the same PESEL is already in row {other_row}"),
                             other_row=first)
                duplicate = True
        if data.get("document_type") and data.get("document_number"):
            document = (data["document_type"], data["document_number"])
            first = self.seen_document.setdefault(document, problems.row.number)
            if first != problems.row.number:
                problems.add("document_number", "duplicate_in_file",
                             N_("the same document is already in row {other_row}"), other_row=first)
                duplicate = True
        return duplicate

    def _class(self, problems: RowProblems) -> ClassUnit | None:
        name = problems.text("class")
        if not name:
            return None
        if self.year is None:
            problems.add("class", "no_school_year",
                         N_("no school year is set up yet, so there are no classes"))
            return None
        class_unit = self.classes.get(class_key(name))
        if class_unit is None:
            problems.add("class", "unknown_class", N_("there is no class “{name}” in the school year {year}"),
                         name=name, year=self.year_label)
        return class_unit

    def _save_pupil(self, session: Session, problems: RowProblems,
                    data: dict[str, Any]) -> tuple[Pupil | None, str]:
        """Create or update the pupil; (None, "") when validation failed (errors recorded)."""
        assert self.index is not None
        pupil = self.index.find_pupil(session, data)
        try:
            if pupil is None:
                pupil, outcome = register.save_pupil(session, data), "created"
            else:
                current = to_wire(PUPIL, pupil)
                changes = {k: v for k, v in clean_input(PUPIL, data).items()
                           if v is not None and current.get(k) != v}
                if not changes:
                    return pupil, "unchanged"
                pupil, outcome = register.save_pupil(session, changes, pupil), "updated"
        except ValidationFailed as exc:
            problems.field_errors(exc.errors)
            return None, ""
        self.index.remember_pupil(pupil)
        return pupil, outcome

    def _enrol(self, session: Session, problems: RowProblems, pupil: Pupil, unit: ClassUnit,
               starts_on: str | None, new_pupil: bool) -> bool:
        start = self.year_start
        if not new_pupil:
            open_classes = dict(session.execute(
                select(ClassUnit.id, ClassUnit.school_year_id)
                .join(Enrolment, Enrolment.class_id == ClassUnit.id)
                .where(Enrolment.pupil_id == pupil.id, Enrolment.ends_on.is_(None))).all())
            if unit.id in open_classes:
                return False
            if unit.school_year_id in open_classes.values():
                # A move between classes of the same year happens now, not back in September.
                start = max(self.on, self.year_start)
        if starts_on:
            start = dt.date.fromisoformat(starts_on)
        try:
            register.assign_class(session, pupil, unit, starts_on=start)
        except ValidationFailed as exc:
            key_for = dict(ENROLMENT_COLUMNS)
            if not problems.columns.has("starts_on"):
                key_for["starts_on"] = "class"  # the user fixes it in the class column then
            problems.field_errors(exc.errors, columns=key_for)
            return False
        return True

    def _guardian(self, session: Session, problems: RowProblems, pupil: Pupil, prefix: str,
                  given: GuardianInput, new_pupil: bool) -> bool:
        if problems.errors:
            check_guardian(problems, given, prefix)  # the row fails anyway: only report
            return False
        try:
            return save_guardian_link(session, pupil, given, new_pupil=new_pupil, index=self.index)[1]
        except ValidationFailed as exc:
            problems.field_errors(exc.errors, prefix)
            return False


def import_pupils(session: Session, path: Path, *, dry_run: bool = False, sheet: str | None = None,
                  on: dt.date | None = None, **options: Any) -> ImportReport:
    """Import the pupil file at ``path`` inside the caller's transaction and return the report.

    ``on`` is the import date (default today; it picks the current school year); ``options``
    go to :func:`~node_agent.imports.runner.run_import` (limits, progress callback).
    """
    return run_import(session, path, PupilImporter(on), dry_run=dry_run, sheet=sheet, **options)
