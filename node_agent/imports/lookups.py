"""In-memory indexes of the register, loaded once per import so that rows cost fewer queries.

A bulk import mostly creates pupils that do not exist yet; asking the database "is there a pupil
with this PESEL?" and "a guardian with this name?" for each of them is most of the import's time.
These indexes answer "certainly not" from memory. They may hold false positives (a row that was
rolled back after being remembered): every positive answer is confirmed in the database, so a
stale entry costs one query and never a wrong match. False negatives cannot happen while the
import holds the write transaction, and the register's own uniqueness checks would still catch
one. This module never writes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.register.models import Guardian, Pupil


class RegisterIndex:
    """PESELs, documents and guardian names already in the register (plus those added since)."""

    def __init__(self, session: Session) -> None:
        self.by_pesel: dict[str, str] = {}
        self.by_document: dict[tuple[str, str], str] = {}
        for pupil_id, pesel, document_type, document_number in session.execute(
                select(Pupil.id, Pupil.pesel, Pupil.document_type, Pupil.document_number)):
            self._add_pupil(pupil_id, pesel, document_type, document_number)
        self.guardian_names: set[tuple[str, str]] = {
            (first, last) for first, last in session.execute(select(Guardian.first_name, Guardian.last_name))}

    def _add_pupil(self, pupil_id: str, pesel: str | None, document_type: str | None,
                   document_number: str | None) -> None:
        if pesel:
            self.by_pesel[pesel] = pupil_id
        if document_type and document_number:
            self.by_document[(document_type, document_number)] = pupil_id

    def remember_pupil(self, pupil: Pupil) -> None:
        """Note a pupil created or changed by this import."""
        self._add_pupil(pupil.id, pupil.pesel, pupil.document_type, pupil.document_number)

    def remember_guardian(self, guardian: Guardian) -> None:
        """Note a guardian created by this import."""
        self.guardian_names.add((guardian.first_name, guardian.last_name))

    def find_pupil(self, session: Session, data: dict[str, Any]) -> Pupil | None:
        """The pupil with the row's PESEL, else the one with its document (if that has no other PESEL)."""
        pesel = data.get("pesel")
        if pesel and pesel in self.by_pesel:
            pupil = session.get(Pupil, self.by_pesel[pesel])
            if pupil is not None and pupil.pesel == pesel:
                return pupil
        document = (data.get("document_type"), data.get("document_number"))
        if all(document) and document in self.by_document:
            pupil = session.get(Pupil, self.by_document[document])  # type: ignore[index]
            if (pupil is not None and (pupil.document_type, pupil.document_number) == document
                    and (pupil.pesel is None or pupil.pesel == pesel)):
                return pupil
        return None

    def may_have_guardian(self, first_name: str, last_name: str) -> bool:
        """False when no guardian with this name exists (so there is nothing to look for)."""
        return (first_name, last_name) in self.guardian_names
