"""Importing exam results (egzamin ósmoklasisty) from a CSV or XLSX file, with row-level errors.

The file is what the OKE sends or the school exports: one row per candidate, a header row naming
the columns (any order; Polish names are accepted too):

* ``pesel`` — or, for a candidate without one, ``document_type`` and ``document_number``
  (as on the application);
* ``exam_polish``, ``exam_maths``, ``exam_language`` — the result in per cent (``78``, ``78,5``),
  or ``zw`` when the candidate was exempt from that part.

CSV is read by the stdlib :mod:`csv` module (UTF-8 with or without BOM, ``;`` or ``,``), XLSX by
openpyxl; nothing is split or parsed by hand. Each row is checked on its own: a good row is kept,
a bad one is reported with its line, column and reason in Polish and changes nothing. A row
matches a submitted application of the campaign whose first choice is the importing school (the
school that verifies it). Importing a corrected file again replaces the results.
The results are not points yet: the school checks them when it verifies the application (the
verification form is filled in from them).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.recruitment import activity
from hub.recruitment.errors import RecruitmentError, error, fail
from hub.recruitment.models import Application, Campaign, ExamResult
from hub.recruitment.parse import Fields
from hub.recruitment.portal.operations import DOCUMENT_TYPES
from hub.recruitment.stages import require
from protocol import pesel as pesel_rules
from protocol.fields import FieldError
from protocol.i18n import N_

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
PARTS = ("exam_polish", "exam_maths", "exam_language")
PART_LABELS = {"exam_polish": N_("exam result in per cent: Polish"),
               "exam_maths": N_("exam result in per cent: mathematics"),
               "exam_language": N_("exam result in per cent: foreign language")}
EXEMPT = ("zw", "zwolniony", "zwolniona", "exempt")
# Column names as files write them -> the import's names.
ALIASES = {"pesel": "pesel", "document_type": "document_type", "rodzaj_dokumentu": "document_type",
           "document_number": "document_number", "numer_dokumentu": "document_number",
           "exam_polish": "exam_polish", "jezyk_polski": "exam_polish", "język_polski": "exam_polish",
           "polski": "exam_polish", "exam_maths": "exam_maths", "matematyka": "exam_maths",
           "exam_language": "exam_language", "jezyk_obcy": "exam_language", "język_obcy": "exam_language"}
_ZIP = b"PK\x03\x04"
NO_APPLICATION = N_("no submitted application in this recruitment has this school as its first choice")


@dataclass(frozen=True)
class RowError:
    """One problem of one line (line 1 is the header)."""

    line: int
    error: FieldError


@dataclass
class ExamImport:
    """What an import kept and what it refused."""

    rows_read: int = 0
    saved: int = 0
    errors: list[RowError] = field(default_factory=list)


def _cell(value: Any) -> str:
    """An XLSX cell as text: whole numbers without ".0", decimals exactly as Excel shows them."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(Decimal(repr(value)))
    return str(value).strip()


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (lower-case, aliases resolved) and the non-empty rows with their line numbers.

    Raises :class:`RecruitmentError` on the field ``file`` when the file as a whole is unusable.
    """
    if len(data) > MAX_BYTES:
        raise fail("file", "too_large", N_("the file is larger than {max} MB"), N_("file"), max=MAX_BYTES // 2**20)
    if not data:
        raise fail("file", "empty", N_("the file is empty"), N_("file"))
    records = _xlsx_records(data) if data.startswith(_ZIP) else _csv_records(data)  # type: ignore[no-untyped-call]
    try:
        header = next(records, None)
        if header is None or not any(header):
            raise fail("file", "no_header", N_("the first row must hold the column names"), N_("file"))
        names = [ALIASES.get(h.strip().lower().replace(" ", "_"), h.strip().lower()) for h in header]
        rows = []
        for line, cells in enumerate(records, start=2):
            if any(c.strip() for c in cells):
                rows.append((line, cells))
            if len(rows) > MAX_ROWS or line > 2 * MAX_ROWS + 1000:  # empty formatted rows count too
                raise fail("file", "too_many_rows", N_("the file has more than {max} rows"), N_("file"), max=MAX_ROWS)
    except csv.Error:
        raise fail("file", "csv", N_("this is not a valid CSV file"), N_("file")) from None
    return names, rows


def _csv_records(data: bytes):  # type: ignore[no-untyped-def]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fail("file", "encoding", N_("the file is not UTF-8 text (save it as CSV UTF-8)"), N_("file")) from None
    if "\x00" in text:
        raise fail("file", "csv", N_("this is not a valid CSV file"), N_("file"))
    first = text.split("\n", 1)[0]
    return csv.reader(io.StringIO(text, newline=""), delimiter=";" if first.count(";") >= first.count(",") else ",")


def _xlsx_records(data: bytes):  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError,
                  ElementTree.ParseError)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except unreadable:
        raise fail("file", "xlsx", N_("the file is not a valid XLSX workbook (.xlsx)"), N_("file")) from None
    try:  # rows are read one by one, so the row limit stops a sheet of millions of rows early
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in row]
    except unreadable:
        raise fail("file", "xlsx", N_("the file is not a valid XLSX workbook (.xlsx)"), N_("file")) from None
    finally:
        workbook.close()


def _identity(fields: Fields) -> str | None:
    """The application identity ("pesel:…" / "doc:type:NUMBER") the row names, or None (errors added)."""
    pesel = fields.raw("pesel")
    if pesel:
        try:
            return f"pesel:{pesel_rules.parse(pesel).pesel}"
        except pesel_rules.PeselError as exc:
            fields.add("pesel", exc.code, exc.message, N_("PESEL"))
            return None
    kind = fields.choice("document_type", N_("identity document"), DOCUMENT_TYPES, required=False)
    number = fields.text("document_number", N_("document number"), required=False, max_length=30)
    if kind and number:
        return f"doc:{kind}:{number.upper().replace(' ', '')}"
    if not fields.errors:
        fields.add("pesel", "required", N_("enter the PESEL or, for a child without one, an identity document"),
                   N_("PESEL"))
    return None


def _results(fields: Fields) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for part in PARTS:
        raw = fields.raw(part)
        if raw.lower() in EXEMPT:
            values[part] = None
            continue
        if not raw:
            fields.add(part, "required", N_("enter the result in per cent or “zw” for an exemption"),
                       PART_LABELS[part])
            continue
        number = fields.percent(part, PART_LABELS[part])
        values[part] = str(number) if number is not None else None
    return values


def import_exam_results(session: Session, campaign: Campaign, data: bytes, *, filename: str, rspo: str,
                        by: str, role: str, today: dt.date) -> ExamImport:
    """Check every row of ``data`` and keep the results of the good ones (see the module docstring)."""
    if campaign.level != "secondary":
        raise fail("campaign", "level", N_("exam results are used only in the recruitment to secondary schools"),
                   N_("recruitment"))
    require(campaign, "verify", "main", today)
    names, rows = read_rows(data)
    missing = [p for p in PARTS if p not in names]
    if missing or not ({"pesel", "document_number"} & set(names)):
        raise RecruitmentError([error("file", "columns", N_("the header lacks the columns: {columns}"), N_("file"),
                                      columns=", ".join(missing or ["pesel"]))])
    stmt = select(Application).where(Application.campaign_id == campaign.id, Application.status != "draft",
                                     Application.first_choice_rspo == rspo)
    applications = {a.identity: a for a in session.scalars(stmt)}
    report, seen = ExamImport(), {}
    now, source_name = utcnow(), filename[-150:] or "-"
    for line, cells in rows:
        report.rows_read += 1
        fields = Fields({name: cells[i] if i < len(cells) else "" for i, name in enumerate(names) if name})
        identity = _identity(fields)
        values = _results(fields)
        application = applications.get(identity[:45]) if identity else None
        if identity and application is None:
            fields.add("pesel", "unknown", NO_APPLICATION, N_("candidate"))
        elif identity and identity in seen:
            fields.add("pesel", "duplicate", N_("already listed on line {line}"), N_("candidate"), line=seen[identity])
        if identity:
            seen.setdefault(identity, line)
        if fields.errors:
            report.errors.extend(RowError(line, e) for e in fields.errors)
            continue
        assert application is not None
        row = application.exam_result or ExamResult(application_id=application.id)
        for part, value in values.items():
            setattr(row, part, value)
        row.imported_at, row.imported_by, row.source = now, by[:64], f"{source_name}:{line}"
        application.exam_result = row
        report.saved += 1
    session.flush()
    activity.record(session, username=by, role=role, action="exam_import", campaign_id=campaign.id,
                    detail=f"{report.saved} saved, {len(report.errors)} errors")
    return report
