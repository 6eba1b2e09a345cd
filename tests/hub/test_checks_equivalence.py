"""Python and DuckDB validate records identically.

``Entity.validate`` (node, ingest-time tools) and ``hub.warehouse.checks`` (the merger) must give
the same verdict for every record: the first error as ``"field|code"``, or valid. Hypothesis
builds records per entity from field strategies, valid ones and corrupted ones (wrong types,
None, "", too long, control characters, surrounding Unicode whitespace, bad dates, unknown keys,
bad PESELs, huge integers, floats, booleans as 0/1/2), and both SQL forms are evaluated on
whole lists of records at once: the inline form on ``json(?)`` and the merger's column form.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.warehouse import checks
from protocol import pesel
from protocol.entities import ENTITIES, Entity
from protocol.fields import MAX_DATE, MIN_DATE, WHITESPACE, Field, FieldType

EXAMPLES = settings(max_examples=6, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Text that is valid as such (no control characters) vs. anything at all (still valid UTF-8).
ANY_CHAR = st.characters(codec="utf-8", exclude_categories=("Cs",))
PRINTABLE = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp", "Zs"))


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the merger's macros."""
    connection = duckdb.connect()
    checks.install_macros(connection)
    yield connection
    connection.close()


def python_verdict(entity: Entity, record: dict[str, Any]) -> str | None:
    """The first error of ``Entity.validate`` as "field|code", or None."""
    errors = entity.validate(record)
    return f"{errors[0].field}|{errors[0].code}" if errors else None


def sql_verdicts(con: duckdb.DuckDBPyConnection, entity: Entity, records: list[dict[str, Any]]) -> dict[str, list]:
    """Verdicts of both SQL forms for every record, in one query each."""
    texts = [json.dumps(r, ensure_ascii=False) for r in records]
    source = "SELECT unnest(range(len($1))) AS i, json(unnest($1)) AS data"
    inline = con.execute(f"SELECT i, {checks.ERROR_EXPRESSIONS[entity.name]} FROM ({source}) ORDER BY i",
                         [texts]).fetchall()
    columns = con.execute(
        f"SELECT i, {checks.COLUMN_ERROR_EXPRESSIONS[entity.name]} FROM "
        f"(SELECT i, {checks.projection(entity, 'data')} FROM ({source})) ORDER BY i", [texts]).fetchall()
    return {"inline": [v for _, v in inline], "columns": [v for _, v in columns]}


def assert_agree(con: duckdb.DuckDBPyConnection, entity: Entity, records: list[dict[str, Any]]) -> None:
    """Python and both SQL forms give the same verdict for each record."""
    expected = [python_verdict(entity, r) for r in records]
    for form, got in sql_verdicts(con, entity, records).items():
        wrong = [(r, e, g) for r, e, g in zip(records, expected, got, strict=True) if e != g]
        assert not wrong, f"{form} SQL disagrees with Python on {len(wrong)} records, e.g. {wrong[:3]!r}"


# -- strategies ------------------------------------------------------------------------------------

DATES = st.dates(MIN_DATE, MAX_DATE)


_LOCAL = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp", "Zs"),
                                exclude_characters="@."), min_size=1, max_size=12)
FORMAT_VALUES: dict[str, st.SearchStrategy[str]] = {
    "postal_code": st.integers(0, 99_999).map(lambda n: f"{n // 1000:02d}-{n % 1000:03d}"),
    "email": st.builds(lambda a, b, c: f"{a}@{b}.{c}", _LOCAL, _LOCAL, st.sampled_from(["pl", "edu.pl", "com"])),
    "phone": st.builds(lambda p, n: f"{p}{n}", st.sampled_from(["", "+48", "+48 "]),
                       st.integers(100_000_000, 999_999_999).map(lambda n: f"{n // 10**6} {n // 1000 % 1000:03d} "
                                                                          f"{n % 1000:03d}")),
    "rspo": st.integers(0, 9_999_999_999).map(str),
    "school_year": st.integers(1900, 2198).map(lambda y: f"{y}/{y + 1}"),
    "document_number": st.from_regex(r"[0-9A-Z]{2} ?[0-9]{1,9}", fullmatch=True),
    "time": st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)),
}


def good_text(f: Field) -> st.SearchStrategy[str]:
    """Valid text for ``f`` (format checks honoured), sometimes at the length limit."""
    if f.check == "pesel":
        return st.builds(lambda d, s, n: pesel.generate(d, s, n), DATES, st.sampled_from("FM"),
                         st.integers(0, 4999))
    if f.check is not None:
        return FORMAT_VALUES[f.check]
    limit = f.max_length or 200
    words = st.text(PRINTABLE, min_size=1, max_size=min(limit, 12))
    return st.one_of(
        st.lists(words, min_size=1, max_size=3).map(" ".join).map(lambda v: v[:limit].strip() or "x"),
        st.sampled_from(["Ż" * limit, "😀" * limit, "D'Ąbrowska-Żółć", "O'Neill"]),
    )


def good_value(f: Field) -> st.SearchStrategy[Any]:
    """A valid value of ``f`` (optional fields are sometimes absent or null)."""
    return _GOOD[id(f)]


def _good_value(f: Field) -> st.SearchStrategy[Any]:
    by_type: dict[FieldType, st.SearchStrategy[Any]] = {
        FieldType.UUID: st.uuids().map(str),
        FieldType.TEXT: good_text(f),
        FieldType.INT: st.integers(f.min_value if f.min_value is not None else -(2**63),
                                   f.max_value if f.max_value is not None else 2**63 - 1),
        FieldType.DATE: DATES.map(dt.date.isoformat),
        FieldType.BOOL: st.sampled_from([True, False, 0, 1]),
        FieldType.ENUM: st.sampled_from(f.choices) if f.choices else st.just("x"),
    }
    value = by_type[f.type]
    return value if f.required else st.one_of(value, st.sampled_from([None, ""]))


def bad_values(f: Field) -> st.SearchStrategy[Any]:
    """Values that break a rule of ``f`` (or sit just at its edge)."""
    return _BAD[id(f)]


def _bad_values(f: Field) -> st.SearchStrategy[Any]:
    targeted = st.sampled_from(_edges(f))
    return st.one_of(
        targeted, targeted, targeted,
        st.sampled_from(_generic(f)),
        st.text(ANY_CHAR, max_size=12),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        _good_value(f),
    )


def _generic(f: Field) -> list[Any]:
    """Bad or borderline values of every kind, whatever the field."""
    limit = f.max_length or 100
    fixed = [
        None, "", " ", True, False, 0, 1, 2, -1, 1.0, 0.0, 0.5, -0.0, 2**31, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1,
        2**64, 10**30, [], {}, [1], {"a": 1}, "true", "1", "0", "null",
        "a\x00b", "\x1f", "x\x7f", "x\x0b", "\x1cx", " x", "x ", "\u00a0x", "x\u3000", "\tx", "x\n", "\rx", "x\x85",
        "\u2028", "x\u202f", "\u200bx", "\ufeffx", "e\u0301" * (limit // 2 + 1),
        "x" * limit, "x" * (limit + 1), "ż" * (limit + 1), "😀" * (limit + 1), "Ż" * 10_000,
        "2026-02-30", "2026-2-3", "20260901", "2026-09-01T00:00", "1899-12-31", "2200-01-01", "2199-12-31",
        "1900-01-01", "0000-01-01", "9999-12-31", "２０２６-09-01", " 2026-09-01", "2026-09-01\n", "2026-13-01",
        str(uuid.uuid4()).upper(), uuid.uuid4().hex, "{" + str(uuid.uuid4()) + "}", str(uuid.uuid4()) + "\n",
        "04231115629", "04231115628", "0423111562", "042311156290", "0423111562x", "０４２３１１１５６２９",
        "04931115621", "04223015622", "00000000000", "44051401359", "02070803628", "81010100000",
        "00-000", "00-0000", "a@b.pl", "a@b", "a@@b.pl", "a b@c.pl", "600 100 200", "+48600100200", "600-100",
        "2026/2027", "2026/2028", "1999/2000", "2199/2200", "1899/1900", "12", "12345678901", "AB 123/45", "-AB",
        *f.choices, *(c.upper() for c in f.choices), *(c + " " for c in f.choices),
    ]
    if f.check == "pesel":
        fixed += [_pesel_with(month=13), _pesel_with(month=2, day=30), _pesel_with(month=82, day=29),
                  _pesel_with(month=62, day=29, year=0)]
    return fixed


def _edges(f: Field) -> list[Any]:
    """Values at the edges of ``f``'s own rules: length limit, range, calendar, type look-alikes."""
    if f.type is FieldType.TEXT:
        n = f.max_length or 100
        edges: list[Any] = ["x" * n, "x" * (n + 1), "ż" * n, "ż" * (n + 1), "😀" * n, "😀" * (n + 1),
                            "e\u0301" * (n // 2 + 1), " x", "x ", "x\u00a0", "\u3000x", "x\x85", "\u2029x",
                            "a\x00b", "x\x7f", "x\x0c", "x\tx", "x\u200b", 5, True, None, ""]
        if f.check == "postal_code":
            edges += ["00-000", "00-00", "000-00", "00 000", "０0-000", "00-000\n"]
        elif f.check == "email":
            edges += ["a@b.pl", "a@b", "a@b.", "@b.pl", "a@.pl", "a b@c.pl", "a@b\u00a0c.pl", "ż@ż.pl",
                      "a" * 64 + "@b.pl", "a" * 65 + "@b.pl"]
        elif f.check == "phone":
            edges += ["600100200", "+48 600-100-200", "60010", "6001002", "600 100 200 300 400 5", "600 100 20a",
                      "-600100200", "600100200-"]
        elif f.check == "rspo":
            edges += ["1", "0", "1234567890", "12345678901", "12a", "１２"]
        elif f.check == "document_number":
            edges += ["AB", "A", "-AB", "AB/1-2 3", "ĄB12", "AB_12", "A" * 30, "A" * 31]
        elif f.check == "time":
            edges += ["00:00", "23:59", "24:00", "12:60", "8:00", "08:00:00", "08.00", "０8:00", "08:00\n"]
        elif f.check == "school_year":
            edges += ["2026/2027", "1900/1901", "2199/2200", "1899/1900", "2026-2027", "26/27", "2026/2027 "]
        return edges
    if f.type is FieldType.INT:
        low = f.min_value if f.min_value is not None else -(2**63)
        high = f.max_value if f.max_value is not None else 2**63 - 1
        return [low, high, low - 1, high + 1, 2**63, -(2**63) - 1, 2**63 - 1, -(2**63), 1.0, True, False, "3", None]
    if f.type is FieldType.DATE:
        return ["1899-12-31", "1900-01-01", "2199-12-31", "2200-01-01", "2026-02-29", "2024-02-29", "2026-2-3",
                " 2026-09-01", "2026-09-01 ", "2026-09-31", "2026-00-10", "+2026-09-01", 20260901, None, ""]
    if f.type is FieldType.BOOL:
        return [True, False, 0, 1, 2, -1, 1.0, 0.0, "1", "true", None, "", [True]]
    if f.type is FieldType.ENUM:
        return [*(c.upper() for c in f.choices), *(f" {c}" for c in f.choices), "other_value", 1, None, ""]
    value = str(uuid.UUID(int=12345))
    return [value, value.upper(), value.replace("-", ""), "{" + value + "}", value + "\n", value[:-1], 5, None, ""]


def _pesel_with(*, month: int, day: int = 1, year: int = 4) -> str:
    """A PESEL with a correct check digit but a month/day that may not exist."""
    first_ten = f"{year:02d}{month:02d}{day:02d}1234"
    return first_ten + str(pesel.check_digit(first_ten))


_GOOD = {id(f): _good_value(f) for e in ENTITIES.values() for f in e.fields}
_BAD = {id(f): _bad_values(f) for e in ENTITIES.values() for f in e.fields}
UNKNOWN_KEYS = st.one_of(st.sampled_from(["", "ID", "Id", "first name", "nick|name", "a\x00b", "żółw", "data", "0"]),
                         st.text(ANY_CHAR, max_size=6))


@st.composite
def records(draw: st.DrawFn, entity: Entity) -> dict[str, Any]:
    """A record of ``entity``: valid, with consistent record-level rules most of the time, then
    corrupted (0-3 times): a bad value, a missing key or an unknown key."""
    record: dict[str, Any] = {}
    for f in entity.fields:
        value = draw(good_value(f))
        if not f.required and draw(st.integers(0, 5)) == 0:
            continue  # absent key
        record[f.name] = value
    _fix_record_rules(draw, entity, record)
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 1, 2, 3]))):
        kind = draw(st.sampled_from(["value", "value", "value", "drop", "unknown"]))
        f = draw(st.sampled_from(entity.fields))
        if kind == "value":
            record[f.name] = draw(bad_values(f))
        elif kind == "drop":
            record.pop(f.name, None)
        else:
            key = draw(UNKNOWN_KEYS)
            if key not in entity.by_name:
                record[key] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=5)))
    return record


def _fix_record_rules(draw: st.DrawFn, entity: Entity, record: dict[str, Any]) -> None:
    """Make multi-field rules hold most of the time (and break them on purpose sometimes)."""
    if entity.name == "pupil":
        birth, sex = draw(DATES), draw(st.sampled_from("FM"))
        mode = draw(st.sampled_from(["pesel", "pesel", "pesel", "other_date", "other_sex", "document", "nothing"]))
        record.update(birth_date=birth.isoformat(), sex=sex)
        if mode in ("pesel", "other_date", "other_sex"):
            born = birth if mode != "other_date" else birth + dt.timedelta(days=draw(st.integers(1, 400)))
            if born > MAX_DATE:
                born = birth - dt.timedelta(days=1)
            record["pesel"] = pesel.generate(born, sex if mode != "other_sex" else "MF"["FM".index(sex)],
                                             draw(st.integers(0, 4999)))
        else:
            record["pesel"] = draw(st.sampled_from([None, ""]))
            if mode == "nothing":
                record[draw(st.sampled_from(["document_type", "document_number"]))] = None
    elif entity.name == "school_year":
        year = draw(st.integers(1898, 2200))
        starts = dt.date(min(max(year, 1900), 2199), 9, 1)
        record.update(label=draw(st.sampled_from([f"{year}/{year + 1}", f"{year}/{year + 2}", f"{year + 1}/{year}"])),
                      starts_on=starts.isoformat(),
                      ends_on=(starts + dt.timedelta(days=draw(st.integers(-30, 300)))).isoformat())
    elif entity.name == "enrolment":
        starts = draw(DATES)
        record["starts_on"] = starts.isoformat()
        shape = draw(st.sampled_from(["open", "closed", "closed", "reason_only", "end_only", "backwards"]))
        if shape == "open":
            record.update(ends_on=None, leaving_reason=None)
        elif shape == "reason_only":
            record.update(ends_on=None, leaving_reason="graduated")
        elif shape == "end_only":
            record.update(ends_on=starts.isoformat(), leaving_reason="")
        else:
            delta = draw(st.integers(0, 400)) * (-1 if shape == "backwards" else 1)
            ends = min(max(starts + dt.timedelta(days=delta), MIN_DATE), MAX_DATE)
            record.update(ends_on=ends.isoformat(), leaving_reason="transfer_out")


# -- the properties --------------------------------------------------------------------------------


RECORDS = {name: records(entity) for name, entity in ENTITIES.items()}


@pytest.mark.parametrize("name", list(ENTITIES))
def test_python_and_sql_agree_on_random_records(con: duckdb.DuckDBPyConnection, name: str) -> None:
    entity = ENTITIES[name]

    @EXAMPLES
    @given(st.lists(RECORDS[name], min_size=20, max_size=50))
    def check(batch: list[dict[str, Any]]) -> None:
        assert_agree(con, entity, batch)

    check()


def test_whitespace_class_is_exactly_what_strip_removes(con: duckdb.DuckDBPyConnection) -> None:
    """The WHITESPACE class (shared by Python and RE2) is exactly str.isspace, so "x\\u00a0" is
    refused by both; characters that merely look blank (zero-width space, BOM) are not whitespace."""
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    pattern = re.compile(f"[{WHITESPACE}]")
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if pattern.fullmatch(c)] == spaces
    lookalikes = ["\u200b", "\u180e", "\ufeff", "\u2060", "x"]
    rows = con.execute(f"SELECT c, regexp_full_match(c, '[{checks._WS}]') FROM unnest(?) t(c)",
                       [spaces + lookalikes]).fetchall()
    assert [c for c, matched in rows if matched] == spaces


EDGE_CASES: dict[str, list[dict[str, Any]]] = {
    "subject": [
        {"id": "8b5e0a64-3f1c-4d3a-9a5c-2f1e0d9c8b7a", "code": code, "name": "x"}
        for code in ["a\x00b", "e\u0301" * 10, "e\u0301" * 11, "😀" * 20, "😀" * 21, "a\u00a0", "\u3000a", "a\x85",
                     "a\n", "a\u200b", 5, None, "", True, ["a"], "x" * 20, "x" * 21]
    ] + [{"id": "8b5e0a64-3f1c-4d3a-9a5c-2f1e0d9c8b7a", "code": "a", "name": "x", "z": 1, "": 2, "é": 3, "nick|n": 4}],
    "staff_member": [
        {"id": "8b5e0a64-3f1c-4d3a-9a5c-2f1e0d9c8b7a", "first_name": "Anna", "last_name": "Nowak",
         "position": "teacher", "active": active}
        for active in [True, False, 0, 1, 2, -1, 1.0, 0.0, "1", "true", None, "", 2**63, [], {}]
    ],
    "class_unit": [
        {"id": "8b5e0a64-3f1c-4d3a-9a5c-2f1e0d9c8b7a", "school_year_id": "0b5e0a64-3f1c-4d3a-9a5c-2f1e0d9c8b7a",
         "level": level, "letter": "a"}
        for level in [0, 8, 9, -1, 3.0, True, "3", 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**70, 1e30, None, ""]
    ],
    "pupil": [
        {"id": "8b5e0a64-3f1c-4d3a-9a5c-2f1e0d9c8b7a", "pesel": p, "first_name": "Ala", "last_name": "Kot",
         "birth_date": "2004-03-11", "sex": "F", "document_type": "passport", "document_number": "AB 1"}
        for p in ["04231115629", "04231115628", "0423111562", "042311156290", "0423111562x", "０４２３１１１５６２９",
                  _pesel_with(month=13), _pesel_with(month=2, day=30), None, "", "04231115612", "04231215622"]
    ],
    "attendance_code": [
        {"id": "8b5e0a64-3f1c-4d3a-9a5c-2f1e0d9c8b7a", "mark": mark, "name": "zawody sportowe",
         "kind": "school_reason", "active": True}
        for mark in ["zaw", "żł", "ch2", "Zaw", "nb", "zw", "a b", "zawod", "zawody", "", None, "z-1", "ó"]
    ],
}


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_python_and_sql_agree_on_edge_cases(con: duckdb.DuckDBPyConnection, name: str) -> None:
    assert_agree(con, ENTITIES[name], EDGE_CASES[name])


# -- every single corruption of a valid record -------------------------------------------------------


def base_record(entity: Entity) -> dict[str, Any]:
    """A valid record of ``entity`` with every field given."""
    canonical = {"postal_code": "26-600", "email": "sekretariat@sp1.radom.pl", "phone": "600 100 200",
                 "rspo": "100101", "school_year": "2026/2027", "document_number": "AB 123456",
                 "time": "08:00"}
    record: dict[str, Any] = {}
    for f in entity.fields:
        if f.type is FieldType.TEXT:
            record[f.name] = canonical.get(f.check or "", "Żółć D'Ąb")[: f.max_length]
        elif f.type is FieldType.UUID:
            record[f.name] = str(uuid.uuid5(uuid.NAMESPACE_DNS, f.name))
        elif f.type is FieldType.INT:
            record[f.name] = f.max_value if f.max_value is not None else 1
        elif f.type is FieldType.DATE:
            record[f.name] = "2026-09-01"
        elif f.type is FieldType.BOOL:
            record[f.name] = True
        else:
            record[f.name] = f.choices[0]
    if entity.name == "pupil":
        record.update(birth_date="2018-01-01", sex="F", pesel=pesel.generate(dt.date(2018, 1, 1), "F", 1))
    elif entity.name == "catchment_child":
        record.update(birth_date="2019-03-01", pesel=pesel.generate(dt.date(2019, 3, 1), "M", 2))
    elif entity.name in ("school_year", "enrolment"):
        record["ends_on"] = "2027-06-25"
    elif entity.name == "bell_time":
        record["ends_at"] = "08:45"
    elif entity.name == "attendance_code":
        record["mark"] = "zaw"
    assert entity.validate(record) == [], entity.name
    return record


@pytest.mark.parametrize("name", list(ENTITIES))
def test_python_and_sql_agree_on_every_single_corruption(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Each edge and bad value, in each field of a valid record, one at a time (no luck needed)."""
    entity = ENTITIES[name]
    base = base_record(entity)
    batch = [base]
    for f in entity.fields:
        batch.append({k: v for k, v in base.items() if k != f.name})
        for value in _edges(f) + _generic(f):
            batch.append({**base, f.name: value})
    for key in ["", "ID", "nick|name", "a\x00b", "żółw", "zz", "a"]:
        batch.append({**base, key: 1})
    assert len(batch) > 100 * len(entity.fields)
    assert_agree(con, entity, batch)
