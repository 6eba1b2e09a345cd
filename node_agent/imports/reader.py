"""Reading CSV and XLSX files into a plain table of text cells with spreadsheet row numbers.

CSV goes through the stdlib ``csv`` module and XLSX through openpyxl: this module never splits
lines or parses XML itself. It knows nothing about pupils or the database: it only turns bytes
into rows of text, applying the limits (size, row count) before doing much work, and reports
unreadable files as :class:`~node_agent.imports.report.FileRejected` with a Polish-translatable
reason. It never guesses at broken data: a PESEL typed as a number is flagged, not padded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from node_agent.imports.report import file_error
from protocol.i18n import N_

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
DELIMITERS = (";", "\t", ",")  # in order of preference on a tie: Polish Excel writes ";"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls format
TOO_MANY_ROWS = N_("the file has more than {max} rows; split it into smaller files")
NOT_CSV = N_("this is not a valid CSV file (binary data or an extremely long cell)")


@dataclass(frozen=True)
class SourceRow:
    """One non-empty data row: its spreadsheet row number and its cells as text.

    ``numeric`` holds the indexes of cells that were numbers in the spreadsheet (XLSX only),
    so the importer can tell a PESEL that lost its leading zero from one typed as text.
    """

    number: int
    cells: tuple[str, ...]
    numeric: frozenset[int] = frozenset()

    def cell(self, index: int) -> str:
        """The text of cell ``index`` ("" past the end of a short row)."""
        return self.cells[index] if index < len(self.cells) else ""


@dataclass
class Table:
    """A file's header row and its non-empty data rows."""

    headers: list[str]
    rows: list[SourceRow] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""


def read_table(path: Path, *, sheet: str | None = None, max_bytes: int = MAX_BYTES,
               max_rows: int = MAX_ROWS) -> Table:
    """Read the CSV or XLSX file at ``path`` (type told by its content, not its name).

    Raises :class:`FileRejected` for a file that is too big, unreadable, has no header row or
    no data rows, or more than ``max_rows`` data rows.
    """
    try:
        size = path.stat().st_size
    except OSError:
        raise file_error("unreadable", N_("the file cannot be opened")) from None
    if size > max_bytes:
        raise file_error("too_big", N_("the file is larger than {max_mb} MB; split it into smaller files"),
                         max_mb=max_bytes // (1024 * 1024))
    if size == 0:
        raise file_error("empty", N_("the file is empty"))
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_OLE_MAGIC):
        raise file_error("xls", N_("old Excel files (.xls) are not supported: save the file as .xlsx or CSV"))
    if head.startswith(_ZIP_MAGIC):
        table = _read_xlsx(path, sheet, max_rows)
    else:
        if sheet is not None:
            raise file_error("sheet_in_csv", N_("a CSV file has no sheets; leave out the sheet name"))
        table = _read_csv(path.read_bytes(), max_rows)
    if not table.rows:
        raise file_error("no_rows", N_("the file has a header row but no data rows"))
    return table


# --- CSV ------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding): UTF-8 (with or without BOM), else Windows-1250 (Polish Excel)."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1250"), "cp1250"
    except UnicodeDecodeError:
        raise file_error("encoding", N_("the file's character encoding is not recognised: "
                                        "save it as CSV UTF-8")) from None


def sniff_delimiter(text: str) -> str:
    """Pick ``;``, tab or ``,``: whichever splits the header row (read by ``csv``) into most columns."""
    best, best_count = DELIMITERS[0], 0
    for delimiter in DELIMITERS:
        try:
            header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(header) > best_count:
            best, best_count = delimiter, len(header)
    return best


def _read_csv(data: bytes, max_rows: int) -> Table:
    text, encoding = decode(data)
    if "\x00" in text:  # csv accepts NUL bytes, but no spreadsheet export contains them
        raise file_error("csv", NOT_CSV)
    delimiter = sniff_delimiter(text)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    table = _collect(_csv_records(records), max_rows)
    table.encoding, table.delimiter = encoding, delimiter
    return table


def _csv_records(records: Iterator[list[str]]) -> Iterator[tuple[tuple[str, ...], frozenset[int]]]:
    number = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except csv.Error:
            # A NUL byte or a cell over csv's size limit: not a text export of a spreadsheet.
            raise file_error("csv", NOT_CSV,
                             row=number + 1) from None
        number += 1
        yield tuple(record), frozenset()


# --- XLSX -----------------------------------------------------------------------------------------


def cell_text(value: Any) -> tuple[str, bool]:
    """Return (text, was_number) for an openpyxl cell value.

    Dates and datetimes become ISO dates; integral numbers lose the ".0" Excel adds.
    """
    if value is None:
        return "", False
    if isinstance(value, bool):  # before int: bool is an int in Python
        return ("tak" if value else "nie"), False
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), False
    if isinstance(value, dt.date):
        return value.isoformat(), False
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)), True
    return str(value), False


def _read_xlsx(path: Path, sheet: str | None, max_rows: int) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # A file object, not the path: openpyxl refuses paths without an .xlsx suffix (web uploads).
    with path.open("rb") as fh:
        try:
            workbook = load_workbook(fh, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise file_error("xlsx", N_("the file is not a valid XLSX workbook (.xlsx)")) from None
        return _read_sheet(workbook, sheet, max_rows)


def _read_sheet(workbook: Any, sheet: str | None, max_rows: int) -> Table:
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise file_error("sheet", N_("there is no sheet “{sheet}” (sheets in the file: {sheets})"),
                             sheet=sheet, sheets=", ".join(workbook.sheetnames))
        # Some programs write a wrong size into the file; read what is really there.
        worksheet.reset_dimensions()
        table = _collect(_xlsx_records(worksheet.iter_rows(values_only=True)), max_rows)
    except (ValueError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        raise file_error("xlsx", N_("the file is not a valid XLSX workbook (.xlsx)")) from None
    finally:
        workbook.close()
    table.encoding = "xlsx"
    return table


def _xlsx_records(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[tuple[str, ...], frozenset[int]]]:
    for values in rows:
        texts, numeric = [], set()
        for index, value in enumerate(values):
            text, was_number = cell_text(value)
            texts.append(text)
            if was_number:
                numeric.add(index)
        yield tuple(texts), frozenset(numeric)


# --- shared ---------------------------------------------------------------------------------------


def _collect(records: Iterator[tuple[tuple[str, ...], frozenset[int]]], max_rows: int) -> Table:
    """Header from row 1, then the non-empty rows numbered as the spreadsheet shows them."""
    first = next(records, None)
    if first is None or not any(c.strip() for c in first[0]):
        raise file_error("no_header", N_("the first row must hold the column names"))
    headers = [h.strip() for h in first[0]]
    while headers and not headers[-1]:
        headers.pop()
    table = Table(headers)
    # Empty rows count as rows (so numbers match the spreadsheet) but a sheet of millions of
    # empty formatted rows must not keep us busy: cap physical rows too.
    max_physical = 2 * max_rows + 1000
    for number, (cells, numeric) in enumerate(records, start=2):
        if number > max_physical:
            raise file_error("too_many_rows", TOO_MANY_ROWS, max=max_rows)
        if not any(c.strip() for c in cells):
            continue
        if len(table.rows) >= max_rows:
            raise file_error("too_many_rows", TOO_MANY_ROWS, max=max_rows)
        table.rows.append(SourceRow(number, cells, numeric))
    return table
