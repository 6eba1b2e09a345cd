"""All writes of the compulsory-schooling control: register imports, exemptions, cases, the access log.

Each function validates first and raises :class:`ControlError` (errors per field, Polish through
the i18n layer) before writing anything; the caller's transaction makes a write all or nothing.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from hub.compulsory.models import (
    CASE_STATUSES,
    EXEMPTION_KINDS,
    CaseEvent,
    ChildAccess,
    ControlCase,
    Exemption,
    RegisterImport,
    ResidentChild,
)
from hub.compulsory.register import ParsedRegister
from protocol.fields import FieldError
from protocol.i18n import N_

_YEAR = re.compile(r"([0-9]{4})/([0-9]{4})")
# Which step may follow which; closing is possible from any open state (with a note saying why).
NEXT = {"open": ("notified", "closed"), "notified": ("explained", "closed"), "explained": ("closed",), "closed": ()}


class ControlError(ValueError):
    """Refused input; ``errors`` name the fields."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def _error(field: str, code: str, message: str, label: str, **params: object) -> FieldError:
    return FieldError(field, code, message, {"label": label, **params})


def check_school_year(value: str) -> str:
    """``value`` if it is a label like 2026/2027, else raise ControlError."""
    match = _YEAR.fullmatch(value or "")
    if match is None or int(match.group(2)) != int(match.group(1)) + 1:
        raise ControlError([_error("school_year", "school_year_label", N_("use the form 2026/2027"),
                                   N_("school year"))])
    return value


def save_import(session: Session, parsed: ParsedRegister, *, as_of: dt.date, file_name: str,
                by: str) -> RegisterImport:
    """Store a register snapshot with its valid rows (it becomes the current one)."""
    if parsed.file_error is not None:
        raise ControlError([parsed.file_error])
    if not parsed.children:
        raise ControlError([_error("file", "empty", N_("no valid row to import"), N_("file"))])
    snapshot = RegisterImport(as_of=as_of, file_name=file_name[:200], rows_read=parsed.rows_read,
                              rows_imported=len(parsed.children), imported_by=by[:64])
    session.add(snapshot)
    session.flush()
    session.add_all(ResidentChild(import_id=snapshot.id, **child) for child in parsed.children)
    session.flush()
    return snapshot


def add_exemption(session: Session, *, pupil_key: str, school_year: str, kind: str, details: str,
                  by: str) -> Exemption:
    """Record why a child need not (or, deferred, need not yet) attend a city school this year."""
    errors = []
    try:
        check_school_year(school_year)
    except ControlError as exc:
        errors += exc.errors
    if kind not in EXEMPTION_KINDS:
        errors.append(_error("kind", "choice", N_("choose one of the listed options"), N_("reason")))
    details = (details or "").strip()
    if not details:
        errors.append(_error("details", "required", N_("this field is required"), N_("details")))
    elif len(details) > 500:
        errors.append(_error("details", "too_long", N_("at most {max} characters"), N_("details"), max=500))
    if errors:
        raise ControlError(errors)
    exemption = Exemption(pupil_key=pupil_key, school_year=school_year, kind=kind, details=details,
                          recorded_by=by[:64])
    session.add(exemption)
    session.flush()
    return exemption


def open_case(session: Session, *, pupil_key: str, school_year: str, reason: str, by: str) -> ControlCase:
    """Start following up a child (one open case per child and year)."""
    check_school_year(school_year)
    existing = session.query(ControlCase).filter_by(pupil_key=pupil_key, school_year=school_year).filter(
        ControlCase.status != "closed").first()
    if existing is not None:
        return existing
    case = ControlCase(pupil_key=pupil_key, school_year=school_year, reason=reason[:30], opened_by=by[:64])
    session.add(case)
    session.flush()
    session.add(CaseEvent(case_id=case.id, status="open", note=reason, by=by[:64]))
    session.flush()
    return case


def advance_case(session: Session, case: ControlCase, *, status: str, note: str, by: str) -> None:
    """Move a case to its next step, with a note (required), kept in the case's history."""
    errors = []
    if status not in CASE_STATUSES or status not in NEXT[case.status]:
        errors.append(_error("status", "transition", N_("this step cannot follow the current one"), N_("step")))
    note = (note or "").strip()
    if not note:
        errors.append(_error("note", "required", N_("this field is required"), N_("note")))
    elif len(note) > 2000:
        errors.append(_error("note", "too_long", N_("at most {max} characters"), N_("note"), max=2000))
    if errors:
        raise ControlError(errors)
    case.status = status
    session.add(CaseEvent(case_id=case.id, status=status, note=note, by=by[:64]))
    session.flush()


def log_access(session: Session, *, username: str, role: str, pupil_key: str | None, action: str,
               purpose: str) -> None:
    """Note who looked at or exported children's data (never the data itself)."""
    session.add(ChildAccess(username=username[:64], role=role[:20], pupil_key=pupil_key, action=action[:20],
                            purpose=purpose[:60]))
