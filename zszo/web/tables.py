"""CSV and XLSX downloads of the dashboard's tables, made for Excel as Polish offices use it.

UTF-8 with a byte-order mark (without it Excel guesses a Windows code page and garbles ą, ę, ł),
``;`` between fields (the Polish list separator, since the comma is the decimal sign), decimals
with a comma, dates in ISO form, times in Warsaw time. Written with the stdlib :mod:`csv` module, never by joining
strings. Text that a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) gets a
leading apostrophe: school and institution names come from outside the city office.

Every table route answers ``?format=xlsx`` with the same table as a workbook (openpyxl, typed
cells: numbers stay numbers, dates stay dates; text that looks like a formula is stored as text).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from flask import Response, request
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

from zszo.web.i18n import TIMEZONE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str | int:
    """One value as written to the file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "tak" if value else "nie"
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    if isinstance(value, Decimal):  # already rounded to the places it should show (averages, FTE: two)
        return str(value).replace(".", ",")
    if isinstance(value, dt.datetime):  # naive values are UTC, as the stores keep them; shown in Warsaw time
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[Any]]) -> bytes:
    """The table as CSV bytes (BOM, ``;``, CRLF line ends as RFC 4180 and Excel expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(header: Sequence[object], rows: Iterable[Sequence[Any]], *, title: str = "Dane") -> bytes:
    """The table as an XLSX workbook (one sheet, bold frozen header row, typed cells)."""
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([str(h) for h in header])
    for cell_ in sheet[1]:
        cell_.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
        for cell_, value in zip(sheet[sheet.max_row], row, strict=False):
            if isinstance(value, str):
                cell_.data_type = TYPE_STRING  # never a formula, whatever the text starts with
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return "tak" if value else "nie"
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(TIMEZONE).replace(tzinfo=None)
    return value


def csv_response(filename: str, header: Sequence[object], rows: Iterable[Sequence[Any]]) -> Response:
    """A download of the table as CSV, or as XLSX when the request asks ``?format=xlsx``.

    ``filename`` is ASCII (browsers disagree on anything else); its extension follows the format.
    """
    if request.args.get("format") == "xlsx":
        stem = filename.rsplit(".", 1)[0]
        response = Response(xlsx_bytes(header, rows), mimetype=XLSX_MIME)
        response.headers["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
        return response
    response = Response(csv_bytes(header, rows), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
