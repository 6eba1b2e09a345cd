"""Importing guardians: the guardians file, and the guardian part of a pupil file.

A guardian is looked for before one is created: first among the pupil's own guardians (same
first and last name), then with :func:`~node_agent.register.operations.find_guardian` (same name
and the same phone or e-mail). Only non-empty cells change an existing guardian or link. Every
write goes through :mod:`node_agent.register.operations`, which validates it; this module never
writes models itself and never commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.imports import columns as cols
from node_agent.imports.lookups import RegisterIndex
from node_agent.imports.problems import RowProblems
from node_agent.imports.reader import SourceRow
from node_agent.imports.report import ImportReport, RowError, RowRejected
from node_agent.imports.runner import run_import
from node_agent.imports.values import parse_bool, parse_document_type, parse_relation
from node_agent.records import ValidationFailed, clean_input
from node_agent.register import operations as register
from node_agent.register.models import Guardian, Pupil, PupilGuardian
from protocol import pesel as pesel_rules
from protocol.entities import GUARDIAN
from protocol.fields import new_id
from protocol.i18n import N_

GUARDIAN_FIELDS = ("first_name", "last_name", "phone", "email", "street", "postal_code", "city")
LINK_FIELDS = ("relation", "legal_custody", "may_receive_info")
PESEL_AS_NUMBER = N_("PESEL stored as a number lost its leading zero — format the column as text")


@dataclass
class GuardianInput:
    """A guardian's cells from one row: contact data plus how they relate to the pupil."""

    data: dict[str, str]
    relation: str | None
    legal_custody: bool | None
    may_receive_info: bool | None


def read_guardian(problems: RowProblems, prefix: str = "") -> GuardianInput | None:
    """The guardian in columns ``prefix + field`` of the row, or None if those cells are all empty."""
    data = problems.texts(GUARDIAN_FIELDS, prefix)
    link_cells = [problems.text(prefix + f) for f in LINK_FIELDS]
    if not data and not any(link_cells):
        return None
    return GuardianInput(
        data=data,
        relation=problems.parse(prefix + "relation", parse_relation),
        legal_custody=problems.parse(prefix + "legal_custody", parse_bool),
        may_receive_info=problems.parse(prefix + "may_receive_info", parse_bool),
    )


def check_guardian(problems: RowProblems, given: GuardianInput, prefix: str = "") -> None:
    """Record what is wrong with ``given`` without writing (used when the row's pupil failed)."""
    record = {"id": new_id(), **clean_input(GUARDIAN, given.data)}
    problems.field_errors(GUARDIAN.validate(record), prefix)
    if given.relation is None:
        require_relation(problems, prefix)


def require_relation(problems: RowProblems, prefix: str = "") -> None:
    """Record that the guardian's relation is missing (unless its cell was already reported)."""
    if prefix + "relation" not in problems.bad:
        problems.add(prefix + "relation", "relation_missing", N_(
            "enter the guardian's relation to the pupil "
            "(matka, ojciec, opiekun prawny, rodzina zastępcza, inne)"))


def _find(session: Session, pupil: Pupil, clean: Mapping[str, str | None], new_pupil: bool,
          index: RegisterIndex | None) -> Guardian | None:
    first, last = clean.get("first_name"), clean.get("last_name")
    if not first or not last or (index is not None and not index.may_have_guardian(first, last)):
        return None
    if not new_pupil:  # a pupil created by this row has no guardians yet: save the query
        for guardian in session.scalars(select(Guardian).join(PupilGuardian).where(
                PupilGuardian.pupil_id == pupil.id, Guardian.first_name == first,
                Guardian.last_name == last)):
            return guardian
    return register.find_guardian(session, first_name=first, last_name=last,
                                  phone=clean.get("phone"), email=clean.get("email"))


def save_guardian_link(session: Session, pupil: Pupil, given: GuardianInput, *, new_pupil: bool = False,
                       index: RegisterIndex | None = None) -> tuple[bool, bool]:
    """Find or create the guardian and link them to ``pupil``; return (link created, anything changed).

    ``new_pupil`` says the pupil was created by the same row and ``index`` knows which guardian
    names exist (both only save look-ups). Raises :class:`ValidationFailed` (guardian or link
    fields); the caller's savepoint undoes the rest.
    """
    clean = clean_input(GUARDIAN, given.data)
    guardian = _find(session, pupil, clean, new_pupil, index)
    changed = link_possible = False
    if guardian is None:
        guardian = register.save_guardian(session, given.data)
        if index is not None:
            index.remember_guardian(guardian)
        changed = True
    else:
        link_possible = not new_pupil
        changes = {k: v for k, v in clean.items() if v is not None and getattr(guardian, k) != v}
        if changes:
            register.save_guardian(session, changes, guardian)
            changed = True
    link = None
    if link_possible:
        link = session.scalar(select(PupilGuardian).where(
            PupilGuardian.pupil_id == pupil.id, PupilGuardian.guardian_id == guardian.id))
    wanted = {
        "relation": given.relation or (link.relation if link else ""),
        "legal_custody": given.legal_custody if given.legal_custody is not None
        else (link.legal_custody if link else True),
        "may_receive_info": given.may_receive_info if given.may_receive_info is not None
        else (link.may_receive_info if link else True),
    }
    if link is None or any(getattr(link, k) != v for k, v in wanted.items()):
        register.link_guardian(session, pupil, guardian, **wanted)
        changed = True
    return link is None, changed


def _required(columns: cols.ColumnMap) -> list[RowError]:
    return cols.identity_columns(columns) + cols.missing(columns, "first_name", "last_name", "relation")


class GuardianImporter:
    """Rows of a guardians file: who the pupil is, the guardian's data and the relation.

    A row counts as created when it links a guardian to the pupil for the first time, as updated
    when it changes an existing guardian or link, unchanged otherwise.
    """

    kind = "guardians"
    columns = cols.GUARDIAN_FILE_COLUMNS

    def required(self, columns: cols.ColumnMap) -> list[RowError]:
        """A way to identify the pupil plus the guardian's name and relation."""
        return _required(columns)

    def prepare(self, session: Session, columns: cols.ColumnMap) -> None:
        """Nothing to preload."""

    def import_row(self, session: Session, columns: cols.ColumnMap, row: SourceRow) -> str:
        """Link (and if needed create or update) the guardian of one row."""
        problems = RowProblems(row, columns)
        pupil = find_pupil(session, problems)
        given = read_guardian(problems)
        if given is None:
            problems.add("first_name", "no_guardian", N_("the row names a pupil but no guardian"))
        elif given.relation is None:
            require_relation(problems)
        problems.raise_if_any()
        assert given is not None and pupil is not None
        try:
            created, changed = save_guardian_link(session, pupil, given)
        except ValidationFailed as exc:
            problems.field_errors(exc.errors)
            raise RowRejected(problems.errors) from None
        return "created" if created else "updated" if changed else "unchanged"


def find_pupil(session: Session, problems: RowProblems) -> Pupil | None:
    """The pupil a guardians-file row names by PESEL or document; problems recorded if none."""
    pesel = problems.text("pesel")
    if pesel:
        if problems.columns.numeric(problems.row, "pesel") and len(pesel) <= 10:
            problems.add("pesel", "pesel_number", PESEL_AS_NUMBER)
            return None
        try:
            pesel_rules.parse(pesel)
        except pesel_rules.PeselError as exc:
            problems.add("pesel", exc.code, exc.message)
            return None
        pupil = session.scalar(select(Pupil).where(Pupil.pesel == pesel))
        if pupil is None:
            problems.add("pesel", "unknown_pupil", N_("there is no pupil with this PESEL in the register"))
        return pupil
    document_type = problems.parse("document_type", parse_document_type)
    number = problems.text("document_number")
    if document_type and number:
        pupil = session.scalar(select(Pupil).where(
            Pupil.document_type == document_type, Pupil.document_number == number))
        if pupil is None:
            problems.add("document_number", "unknown_pupil",
                         N_("there is no pupil with this document in the register"))
        return pupil
    if "document_type" not in problems.bad:
        problems.add("pesel", "identity_missing", N_("enter the pupil's PESEL or document type and number"))
    return None



def import_guardians(session: Session, path: Path, *, dry_run: bool = False, sheet: str | None = None,
                     **options: Any) -> ImportReport:
    """Import the guardians file at ``path`` inside the caller's transaction and return the report."""
    return run_import(session, path, GuardianImporter(), dry_run=dry_run, sheet=sheet, **options)
