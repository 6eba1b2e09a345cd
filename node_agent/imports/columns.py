"""Which file column holds which value: header matching in Polish and English, and the column sets.

Headers are matched after :func:`~node_agent.imports.values.fold` (case, diacritics, spaces and
punctuation ignored), so "Imię", "IMIE" and "first_name" all find the first name. Problems with
the header row (a required column missing, the same column twice) stop the import before any
row is read; columns we do not know only give a warning. No database access here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from node_agent.imports.reader import SourceRow
from node_agent.imports.report import FileRejected, RowError
from node_agent.imports.values import fold
from protocol.i18n import N_


@dataclass(frozen=True)
class Column:
    """A column the importer understands.

    ``key`` is the importer's name for the value ("pesel", "g1.email"), ``field`` the protocol
    field it feeds (for error reports), ``name`` the usual Polish header (shown in errors when
    the file lacks the column) and ``aliases`` the other headers accepted for it.
    """

    key: str
    field: str
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def folded(self) -> set[str]:
        """Every accepted header, folded."""
        return {fold(h) for h in (self.name, self.key, *self.aliases)}


@dataclass
class ColumnMap:
    """The columns found in one file: key → index and header text."""

    columns: dict[str, Column]
    index: dict[str, int] = field(default_factory=dict)
    header: dict[str, str] = field(default_factory=dict)

    def has(self, key: str) -> bool:
        """True if the file has the column ``key``."""
        return key in self.index

    def value(self, row: SourceRow, key: str) -> str:
        """The trimmed text of column ``key`` in ``row`` ("" if the file lacks the column)."""
        return row.cell(self.index[key]).strip() if key in self.index else ""

    def numeric(self, row: SourceRow, key: str) -> bool:
        """True if the cell of ``key`` was a number in the spreadsheet."""
        return key in self.index and self.index[key] in row.numeric

    def column(self, key: str) -> str:
        """The header of ``key`` as written in the file, else its usual Polish name."""
        return self.header.get(key) or self.columns[key].name


def _column(key: str, name: str, *aliases: str, field_name: str | None = None) -> Column:
    return Column(key, field_name or key.split(".")[-1], name, aliases)


def guardian_columns(i: int) -> tuple[Column, ...]:
    """Columns of guardian ``i`` (1 or 2) inside a pupil file."""
    g = f"g{i}."
    return (
        _column(g + "first_name", f"Opiekun {i} imię", f"Imię opiekuna {i}", f"guardian{i}_first_name"),
        _column(g + "last_name", f"Opiekun {i} nazwisko", f"Nazwisko opiekuna {i}", f"guardian{i}_last_name"),
        _column(g + "phone", f"Opiekun {i} telefon", f"Telefon opiekuna {i}", f"guardian{i}_phone"),
        _column(g + "email", f"Opiekun {i} e-mail", f"E-mail opiekuna {i}", f"guardian{i}_email"),
        _column(g + "relation", f"Opiekun {i} pokrewieństwo", f"Opiekun {i} stopień pokrewieństwa",
                f"guardian{i}_relation"),
        _column(g + "legal_custody", f"Opiekun {i} władza rodzicielska", f"guardian{i}_legal_custody"),
        _column(g + "may_receive_info", f"Opiekun {i} zgoda na informowanie",
                f"guardian{i}_may_receive_info"),
    )


PUPIL_IDENTITY = (
    _column("pesel", "PESEL", "PESEL ucznia", "pupil_pesel"),
    _column("document_type", "Rodzaj dokumentu", "Typ dokumentu", "Rodzaj dokumentu ucznia"),
    _column("document_number", "Numer dokumentu", "Nr dokumentu", "Numer dokumentu ucznia"),
)

PUPIL_COLUMNS: tuple[Column, ...] = (
    *PUPIL_IDENTITY,
    _column("first_name", "Imię", "Imię ucznia", "first name"),
    _column("second_name", "Drugie imię", "middle_name"),
    _column("last_name", "Nazwisko", "Nazwisko ucznia", "surname"),
    _column("birth_date", "Data urodzenia", "date_of_birth"),
    _column("birth_place", "Miejsce urodzenia", "place_of_birth"),
    _column("sex", "Płeć", "gender"),
    _column("street", "Ulica", "Adres", "Ulica i numer", "address"),
    _column("postal_code", "Kod pocztowy", "zip_code"),
    _column("city", "Miejscowość", "Miasto", "town"),
    _column("register_number", "Numer w księdze uczniów", "Nr w księdze uczniów", "Numer w księdze"),
    _column("class", "Oddział", "Klasa", "Grupa", "class_name", field_name="class_id"),
    _column("starts_on", "Data przyjęcia", "admission_date"),
    *guardian_columns(1),
    *guardian_columns(2),
)

GUARDIAN_FILE_COLUMNS: tuple[Column, ...] = (
    *PUPIL_IDENTITY,
    _column("first_name", "Imię", "Imię opiekuna", "first name"),
    _column("last_name", "Nazwisko", "Nazwisko opiekuna", "surname"),
    _column("phone", "Telefon", "Nr telefonu", "Telefon opiekuna"),
    _column("email", "E-mail", "Adres e-mail", "E-mail opiekuna"),
    _column("street", "Ulica", "Adres", "Ulica i numer", "address"),
    _column("postal_code", "Kod pocztowy", "zip_code"),
    _column("city", "Miejscowość", "Miasto", "town"),
    _column("relation", "Pokrewieństwo", "Stopień pokrewieństwa"),
    _column("legal_custody", "Władza rodzicielska"),
    _column("may_receive_info", "Zgoda na informowanie"),
)

RequiredCheck = Callable[["ColumnMap"], list[RowError]]


def missing(columns: ColumnMap, *keys: str) -> list[RowError]:
    """A file-level error for each of ``keys`` the file lacks."""
    return [RowError(0, columns.column(k), "", "missing_column", N_("this required column is missing"))
            for k in keys if not columns.has(k)]


def identity_columns(columns: ColumnMap) -> list[RowError]:
    """The file must let us identify pupils: a PESEL column, or both document columns."""
    if columns.has("pesel") or (columns.has("document_type") and columns.has("document_number")):
        return []
    return [RowError(0, columns.column("pesel"), "", "missing_identity", N_(
        "this required column is missing (without it, both “Rodzaj dokumentu” and “Numer dokumentu” "
        "are needed)"))]


def map_columns(headers: list[str], known: Iterable[Column],
                required: RequiredCheck) -> tuple[ColumnMap, list[RowError]]:
    """Match ``headers`` to ``known`` columns; return the map and warnings (unknown columns).

    Raises :class:`FileRejected` listing every header problem at once.
    """
    known = tuple(known)
    by_folded = {h: c for c in known for h in c.folded}
    columns = ColumnMap({c.key: c for c in known})
    errors: list[RowError] = []
    warnings: list[RowError] = []
    seen: dict[str, str] = {}
    for index, header in enumerate(headers):
        if not header:
            continue  # an empty header cell: the column is ignored (headerless_data warns if it has data)
        folded = fold(header)
        if folded in seen:
            errors.append(RowError(0, header, "", "duplicate_column", N_(
                "this column appears twice (also as “{other}”)"), {"other": seen[folded]}))
            continue
        seen[folded] = header
        column = by_folded.get(folded)
        if column is None:
            warnings.append(RowError(0, header, "", "unknown_column", N_(
                "the column is not recognised and was ignored")))
        elif column.key in columns.index:
            errors.append(RowError(0, header, "", "duplicate_column", N_(
                "this column means the same as “{other}”; keep only one of them"),
                {"other": columns.header[column.key]}))
        else:
            columns.index[column.key] = index
            columns.header[column.key] = header
    if not errors:
        errors = required(columns)
    if errors:
        raise FileRejected(errors)
    return columns, warnings


def headerless_data(headers: list[str], rows: Iterable[SourceRow]) -> list[RowError]:
    """A warning for each column that holds data under an empty header cell (that data is ignored)."""
    unnamed = {i for i, header in enumerate(headers) if not header}
    found: set[int] = set()
    for row in rows:
        for index in (*unnamed, *range(len(headers), len(row.cells))):
            if index not in found and row.cell(index).strip():
                found.add(index)
    message = N_("column {number} holds data but has no header; the data was ignored")
    return [RowError(0, "", "", "no_header", message, {"number": index + 1}) for index in sorted(found)]
