"""Importing staff: one row per person, with their current employment and the subjects they may teach.

A person is looked for before one is created: by e-mail address when the row has one, otherwise by
first and last name. A namesake with another e-mail address is another person; two people of that
name at the school make the row ambiguous (it is rejected with a request to add the e-mail). An
employment with the same basis and start date is the same employment (updated, never duplicated),
so importing the same file twice changes nothing. Subjects are added, never removed (a file lists
what it knows). Every write goes through :mod:`node_agent.staff.operations`; this module never commits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node_agent.imports.columns import Column, ColumnMap, missing
from node_agent.imports.problems import RowProblems
from node_agent.imports.reader import SourceRow
from node_agent.imports.report import ImportReport, RowError, RowRejected
from node_agent.imports.runner import run_import
from node_agent.imports.staff_values import parse_basis, parse_fte, parse_position, parse_promotion_grade
from node_agent.imports.values import fold, parse_date
from node_agent.records import ValidationFailed
from node_agent.school.models import Subject
from node_agent.staff import operations as staff_ops
from node_agent.staff.models import StaffEmployment, StaffMember, StaffSubject
from protocol.i18n import N_

STAFF_COLUMNS: tuple[Column, ...] = (
    Column("first_name", "first_name", "Imię"),
    Column("last_name", "last_name", "Nazwisko", ("surname",)),
    Column("position", "position", "Stanowisko", ("Funkcja",)),
    Column("promotion_grade", "promotion_grade", "Stopień awansu", ("Stopień awansu zawodowego", "Stopień")),
    Column("email", "email", "E-mail", ("Adres e-mail",)),
    Column("phone", "phone", "Telefon", ("Nr telefonu",)),
    Column("basis", "basis", "Podstawa zatrudnienia", ("Forma zatrudnienia",)),
    Column("starts_on", "starts_on", "Zatrudniony od", ("Data zatrudnienia", "Od")),
    Column("ends_on", "ends_on", "Zatrudniony do", ("Do",)),
    Column("fte", "fte_numerator", "Etat", ("Wymiar etatu", "Wymiar zatrudnienia")),
    Column("teaching_hours_norm", "teaching_hours_norm", "Pensum", ("Tygodniowy wymiar godzin",)),
    Column("subjects", "subject_id", "Przedmioty", ("Przedmioty nauczane",)),
)
MEMBER_FIELDS = ("first_name", "last_name", "email", "phone")
EMPLOYMENT_KEYS = ("basis", "starts_on", "ends_on", "fte", "teaching_hours_norm")


def find_member(session: Session, problems: RowProblems, data: dict[str, Any]) -> StaffMember | None:
    """The staff member a row means: by e-mail address, else by name (a namesake pair is a row error)."""
    email = data.get("email")
    if email:
        found = session.scalar(select(StaffMember).where(func.lower(StaffMember.email) == email.lower()))
        if found is not None:
            return found
    if not data.get("first_name") or not data.get("last_name"):
        return None
    same_name = list(session.scalars(select(StaffMember).where(
        StaffMember.first_name == data["first_name"], StaffMember.last_name == data["last_name"])))
    if email:  # a namesake with another e-mail address is another person
        same_name = [m for m in same_name if not m.email]
    if len(same_name) > 1:
        problems.add("last_name", "ambiguous", N_(
            "two or more staff members have this name; add their e-mail address to tell them apart"))
        return None
    return same_name[0] if same_name else None


def _employment_data(problems: RowProblems) -> dict[str, Any] | None:
    """The employment cells of the row as protocol values (None when the row has no employment)."""
    if not any(problems.text(k) for k in EMPLOYMENT_KEYS):
        return None
    fte = problems.parse("fte", parse_fte)
    data = {
        "basis": problems.parse("basis", parse_basis),
        "starts_on": problems.parse("starts_on", parse_date),
        "ends_on": problems.parse("ends_on", parse_date),
        "fte_numerator": fte[0] if fte else None,
        "fte_denominator": fte[1] if fte else None,
        "teaching_hours_norm": problems.text("teaching_hours_norm") or None,
    }
    for key, value in (("basis", data["basis"]), ("starts_on", data["starts_on"]), ("fte", fte)):
        if value is None and key not in problems.bad:
            problems.add(key, "required", N_("an employment needs the basis, the start date and the FTE"))
    return data


def _subjects(session: Session, problems: RowProblems, by_key: dict[str, str]) -> list[str]:
    text = problems.text("subjects")
    ids = []
    for name in (part.strip() for part in text.replace(";", ",").split(",")):
        if not name:
            continue
        subject_id = by_key.get(fold(name))
        if subject_id is None:
            problems.add("subjects", "unknown_subject", N_(
                "the school has no subject “{name}” (add it on the School page or correct the name)"), name=name)
        else:
            ids.append(subject_id)
    return ids


def _save_employment(session: Session, member: StaffMember, data: dict[str, Any]) -> bool:
    existing = None
    if data["basis"] and data["starts_on"]:
        existing = session.scalar(select(StaffEmployment).where(
            StaffEmployment.staff_member_id == member.id, StaffEmployment.basis == data["basis"],
            StaffEmployment.starts_on == data["starts_on"]))
    if existing is not None:
        before = {k: str(getattr(existing, k) or "") for k in data}
        staff_ops.save_employment(session, member, data, existing)
        return before != {k: str(getattr(existing, k) or "") for k in data}
    staff_ops.save_employment(session, member, data)
    return True


class StaffImporter:
    """Rows of a staff file: created (a new person), updated (person, employment or subjects changed) or unchanged."""

    kind = "staff"
    columns = STAFF_COLUMNS

    def __init__(self) -> None:
        self.subjects: dict[str, str] = {}

    def required(self, columns: ColumnMap) -> list[RowError]:
        """First name, last name and position."""
        return missing(columns, "first_name", "last_name", "position")

    def prepare(self, session: Session, columns: ColumnMap) -> None:
        """Subjects by folded name and code."""
        for subject in session.scalars(select(Subject)):
            self.subjects.setdefault(fold(subject.name), subject.id)
            self.subjects.setdefault(fold(subject.code), subject.id)

    def describe(self, columns: ColumnMap, row: SourceRow) -> str:
        """The person's name as written in the row."""
        return f"{columns.value(row, 'first_name')} {columns.value(row, 'last_name')}".strip()

    def import_row(self, session: Session, columns: ColumnMap, row: SourceRow) -> str:
        """Create or update the person of one row, their employment and subjects."""
        problems = RowProblems(row, columns)
        data: dict[str, Any] = problems.texts(MEMBER_FIELDS)
        data["position"] = problems.parse("position", parse_position)
        grade = problems.parse("promotion_grade", parse_promotion_grade)
        if grade is not None:
            data["promotion_grade"] = grade
        employment = _employment_data(problems)
        subject_ids = _subjects(session, problems, self.subjects)
        member = find_member(session, problems, data)
        problems.raise_if_any()
        try:
            outcome = self._write(session, member, data, employment, subject_ids)
        except ValidationFailed as exc:
            problems.field_errors(exc.errors, columns={"fte_numerator": "fte", "fte_denominator": "fte",
                                                       "subject_ids": "subjects"})
            raise RowRejected(problems.errors) from None
        return outcome

    def _write(self, session: Session, member: StaffMember | None, data: dict[str, Any],
               employment: dict[str, Any] | None, subject_ids: list[str]) -> str:
        changed = False
        if member is None:
            member = staff_ops.save_staff_member(session, data)
            outcome = "created"
        else:
            changes = {k: v for k, v in data.items() if v is not None and getattr(member, k) != v}
            if changes:
                staff_ops.save_staff_member(session, changes, member)
                changed = True
            outcome = "updated"
        if employment is not None:
            changed = _save_employment(session, member, employment) or changed
        if subject_ids:
            current = set(session.scalars(select(StaffSubject.subject_id).where(
                StaffSubject.staff_member_id == member.id)))
            if set(subject_ids) - current:
                staff_ops.set_subjects(session, member, current | set(subject_ids))
                changed = True
        if outcome == "created":
            return outcome
        return "updated" if changed else "unchanged"


def import_staff(session: Session, path: Path, *, dry_run: bool = False, sheet: str | None = None,
                 **options: Any) -> ImportReport:
    """Import the staff file at ``path`` inside the caller's transaction and return the report."""
    return run_import(session, path, StaffImporter(), dry_run=dry_run, sheet=sheet, **options)
