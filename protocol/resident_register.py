"""Reading the population register's CSV of resident children, with row-level errors in Polish.

Shared by the hub's compulsory-schooling control (:mod:`hub.compulsory.register` adds the pupil
key) and a primary school's list of children due to start (:mod:`node_agent.catchment`). Pure:
bytes in, rows and errors out; no I/O, no database.

Columns (header row, any order; ``;`` or ``,`` between fields; UTF-8, a BOM is fine):
``pesel``, ``document_type``, ``document_number``, ``first_name``, ``last_name``, ``birth_date``,
``street``, ``postal_code``, ``city``. Every field is checked with the same rules as a pupil on a
school server (:mod:`protocol.entities`); a child is identified by PESEL or, without one, by a
document. Good rows are kept, bad rows are reported with their line, field and reason, a PESEL or
document listed twice is reported on its second line. Parsing is the stdlib :mod:`csv` module's.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from protocol import pesel as pesel_rules
from protocol.entities import ENTITIES
from protocol.fields import FieldError, parse_date
from protocol.i18n import N_

COLUMNS = ("pesel", "document_type", "document_number", "first_name", "last_name", "birth_date", "street",
           "postal_code", "city")
REQUIRED_COLUMNS = ("first_name", "last_name", "birth_date")
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    """One problem of one line of the file (line 1 is the header)."""

    line: int
    error: FieldError


@dataclass
class ParsedRegister:
    """The valid children (as model keyword arguments) and the problems found."""

    children: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    file_error: FieldError | None = None  # the file as a whole cannot be read


def _file_error(code: str, message: str, **params: Any) -> ParsedRegister:
    return ParsedRegister(file_error=FieldError("file", code, message, {"label": N_("file"), **params}))


def parse_resident_register(data: bytes) -> ParsedRegister:
    """Check every row of ``data``; the valid children come back as dicts with ``birth_date`` a date."""
    if len(data) > MAX_BYTES:
        return _file_error("too_large", N_("the file is larger than {max} MB"), max=MAX_BYTES // 2**20)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _file_error("encoding", N_("the file is not UTF-8 text (save it as CSV UTF-8)"))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing or not ({"pesel", "document_number"} & set(header)):
        need = missing or ["pesel / document_number"]
        return _file_error("columns", N_("the header lacks the columns: {columns}"), columns=", ".join(need))
    reader.fieldnames = header
    result = ParsedRegister()
    seen: dict[str, int] = {}
    pupil = ENTITIES["pupil"]
    for line, raw in enumerate(reader, start=2):
        result.rows_read += 1
        row = {c: (raw.get(c) or "").strip() or None for c in COLUMNS}
        if None in raw:  # more cells than header columns
            result.errors.append(RowError(line, FieldError("row", "extra_cells", N_("more cells than columns"),
                                                           {"label": N_("row")})))
            continue
        problems = [e for c in COLUMNS if (e := pupil.by_name[c].validate(row[c])) is not None]
        problems += _identity(row) if not problems else []
        if not problems:
            ident = row["pesel"] or f"{row['document_type']}:{(row['document_number'] or '').upper()}"
            if ident in seen:
                problems.append(FieldError("pesel" if row["pesel"] else "document_number", "duplicate",
                                           N_("already listed on line {line}"),
                                           {"label": N_("PESEL") if row["pesel"] else N_("document number"),
                                            "line": seen[ident]}))
            seen.setdefault(ident, line)
        if problems:
            result.errors.extend(RowError(line, p) for p in problems)
            continue
        birth = parse_date(row["birth_date"])
        assert birth is not None
        result.children.append({**{c: row[c] for c in COLUMNS if c != "birth_date"}, "birth_date": birth})
    return result


def _identity(row: dict[str, Any]) -> list[FieldError]:
    """PESEL or a document; a PESEL's date must be the birth date."""
    if row["pesel"]:
        birth = parse_date(row["birth_date"] or "")
        encoded = pesel_rules.parse(row["pesel"]).birth_date
        if birth is not None and birth != encoded:
            return [FieldError("birth_date", "pesel_birth_date",
                               N_("does not match the date encoded in the PESEL ({expected})"),
                               {"label": N_("date of birth"), "expected": encoded.isoformat()})]
        return []
    if not row["document_type"] or not row["document_number"]:
        return [FieldError("pesel", "identity_missing",
                           N_("enter the PESEL or, if the child has none, a document type and number"),
                           {"label": N_("PESEL")})]
    return []

