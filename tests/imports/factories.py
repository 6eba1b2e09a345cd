"""Test factories for the importer: a prepared node database with a school year and classes, and
CSV/XLSX files written with the csv module and openpyxl (no binary fixtures in the repository)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from node_agent.db import Database, prepare
from node_agent.imports import ImportReport, import_guardians, import_pupils
from node_agent.register.models import ClassUnit
from node_agent.school.models import SchoolYear
from node_agent.sync.models import OutboxChange
from protocol import pesel

YEAR_START = dt.date(2026, 9, 1)
IMPORT_DAY = dt.date(2026, 10, 5)
CLASSES = ((1, "a"), (1, "b"), (3, "b"), (0, "Motylki"))

HEADERS = ["PESEL", "Imię", "Nazwisko", "Data urodzenia", "Płeć", "Oddział",
           "Opiekun 1 imię", "Opiekun 1 nazwisko", "Opiekun 1 telefon", "Opiekun 1 e-mail",
           "Opiekun 1 pokrewieństwo"]


def make_db(tmp_path: Path) -> Database:
    """A migrated node database with the 2026/2027 school year and a few classes."""
    db = Database(tmp_path / "node.sqlite")
    prepare(db, tmp_path / "backups")
    with db.transaction() as session:
        year = SchoolYear(label="2026/2027", starts_on=YEAR_START, ends_on=dt.date(2027, 6, 25))
        session.add(year)
        session.flush()
        session.add_all([ClassUnit(school_year_id=year.id, level=level, letter=letter)
                         for level, letter in CLASSES])
    return db


def count(db: Database, model: Any) -> int:
    """Rows in ``model``'s table."""
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(model))


def outbox_count(db: Database) -> int:
    """Changes waiting in the sync outbox."""
    return count(db, OutboxChange)


def make_pesel(i: int, *, sex: str = "F", birth: dt.date | None = None) -> str:
    """The ``i``-th valid PESEL (distinct for distinct ``i`` below 5000 per birth date)."""
    birth = birth or dt.date(2018, 1, 1) + dt.timedelta(days=i % 365)
    return pesel.generate(birth, sex, i // 365)


def pupil_row(i: int, **overrides: str) -> dict[str, str]:
    """A valid pupil-file row (Polish headers) for pupil ``i``."""
    sex = "F" if i % 2 else "M"
    row = {
        "PESEL": make_pesel(i, sex=sex), "Imię": "Zofia" if sex == "F" else "Łukasz",
        "Nazwisko": f"Wiśniewska-{i}" if sex == "F" else f"Żółtowski-{i}", "Data urodzenia": "",
        "Płeć": "K" if sex == "F" else "M", "Oddział": "1a" if i % 3 else "3 B",
        "Opiekun 1 imię": "Maria", "Opiekun 1 nazwisko": f"Rodzic-{i}", "Opiekun 1 telefon": f"600 {i:06d}",
        "Opiekun 1 e-mail": f"rodzic{i}@example.pl", "Opiekun 1 pokrewieństwo": "matka",
    }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: Iterable[dict[str, str]], *, headers: Sequence[str] = HEADERS,
              delimiter: str = ";", encoding: str = "utf-8") -> Path:
    """Write ``rows`` as a CSV file the way a spreadsheet program would."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: Iterable[Sequence[Any] | dict[str, Any]], *,
               headers: Sequence[str] = HEADERS, sheet: str = "Uczniowie") -> Path:
    """Write ``rows`` (dicts by header or value lists) to the first sheet of a new workbook."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h) for h in headers] if isinstance(row, dict) else list(row))
    wb.save(path)
    return path


def run_pupils(db: Database, path: Path, **kwargs: Any) -> ImportReport:
    """Import a pupil file in one transaction, as the CLI does (import date: IMPORT_DAY)."""
    kwargs.setdefault("on", IMPORT_DAY)
    with db.transaction() as session:
        return import_pupils(session, path, **kwargs)


def run_guardians(db: Database, path: Path, **kwargs: Any) -> ImportReport:
    """Import a guardians file in one transaction."""
    with db.transaction() as session:
        return import_guardians(session, path, **kwargs)


def rendered(report: ImportReport, gettext: Any) -> list[str]:
    """Every row error of ``report`` as the user reads it."""
    return [e.render(gettext) for e in report.errors]
