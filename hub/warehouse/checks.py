"""The protocol's validation rules as DuckDB SQL, so the merger validates whole batches at once.

For every change of an entity the generated expression yields NULL (valid) or
``"field|code"`` naming the first rule broken, in the same order as
:meth:`protocol.entities.Entity.validate`: unknown fields, then each field in registry order,
then the record-level rules.

Speed: the JSON record is parsed once per row. :func:`projection` extracts every field's JSON
type (``_t``), text (``_x``) and the record's keys (``_k``) as lists in one pass; the rules then
read list elements (an :class:`Access` in "columns" mode). Reading ``data->>'field'`` in every
rule instead re-parses the record dozens of times per row and is ~50× slower. The "inline" mode
exists for tests that evaluate one expression on a literal record.
``tests/hub/test_checks_equivalence.py`` feeds random records to both implementations and
insists they agree; change both together.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from protocol.attendance import MARKS
from protocol.entities import ENTITIES, Entity
from protocol.entities_lessons import MARK_PATTERN
from protocol.fields import FORMATS, MAX_DATE, MIN_DATE, WHITESPACE, Field, FieldType

MACROS = [
    # Error code of a PESEL (NULL if valid), in the order protocol.pesel.parse checks.
    """CREATE OR REPLACE MACRO zszo_pesel_error(p) AS CASE
        WHEN length(p) <> 11 THEN 'pesel_length'
        WHEN NOT regexp_full_match(p, '[0-9]{11}') THEN 'pesel_digits'
        WHEN (10 - CAST(list_dot_product(list_transform(string_split(p, '')[1:10], lambda c: ascii(c) - 48),
                                         [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) AS INTEGER) % 10) % 10
             <> ascii(p[11]) - 48 THEN 'pesel_checksum'
        WHEN zszo_pesel_century(CAST(substr(p, 3, 2) AS INTEGER)) IS NULL THEN 'pesel_month'
        WHEN zszo_pesel_date(p) IS NULL THEN 'pesel_date'
        END""",
]
PRE_MACROS = [
    # The month digits carry the century: 81-92 → 1800s, 01-12 → 1900s, 21-32 → 2000s, ...
    """CREATE OR REPLACE MACRO zszo_pesel_century(mm) AS CASE
        WHEN mm BETWEEN 1 AND 12 THEN 1900 WHEN mm BETWEEN 21 AND 32 THEN 2000
        WHEN mm BETWEEN 81 AND 92 THEN 1800 WHEN mm BETWEEN 41 AND 52 THEN 2100
        WHEN mm BETWEEN 61 AND 72 THEN 2200 END""",
    # Every century offset is a multiple of 20, so the month is mm % 20; try() turns a date that
    # does not exist (2001-02-29) into NULL.
    """CREATE OR REPLACE MACRO zszo_pesel_date(p) AS try(make_date(
        zszo_pesel_century(CAST(substr(p, 3, 2) AS INTEGER)) + CAST(substr(p, 1, 2) AS INTEGER),
        CAST(substr(p, 3, 2) AS INTEGER) % 20, CAST(substr(p, 5, 2) AS INTEGER)))""",
]


def install_macros(con) -> None:  # type: ignore[no-untyped-def]
    """Create the helper macros on a DuckDB connection."""
    for sql in PRE_MACROS + MACROS:
        con.execute(sql)


def _re2(pattern: str) -> str:
    """Translate our Python patterns to RE2: ``\\uXXXX`` escapes become ``\\x{XXXX}``."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", r"\\x{\1}", pattern)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_WS = _re2(WHITESPACE)
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class Access:
    """How a rule reads field ``name``: its JSON type, its text, and the record's key list."""

    def __init__(self, entity: Entity, src: str = "data", *, columns: bool = False) -> None:
        self.entity, self.src, self.columns = entity, src, columns
        self.index = {name: i + 1 for i, name in enumerate(entity.field_names)}  # SQL lists are 1-based

    def t(self, name: str) -> str:
        """JSON type of the field (NULL if absent)."""
        if self.columns:
            return f"_t[{self.index[name]}]"
        return f"json_type({self.src}, '$.\"{name}\"')"

    def v(self, name: str) -> str:
        """Text of the field (unquoted string, number or boolean as text; NULL if absent or null)."""
        if self.columns:
            return f"_x[{self.index[name]}]"
        return f"({self.src}->>'{name}')"

    def pesel_error(self, name: str) -> str:
        """The PESEL error code of the field (computed once per row in columns mode)."""
        return f"_pe{self.index[name]}" if self.columns else f"zszo_pesel_error({self.v(name)})"

    def pesel_date(self, name: str) -> str:
        """The birth date encoded in the field's PESEL."""
        return f"_pd{self.index[name]}" if self.columns else f"zszo_pesel_date({self.v(name)})"

    def keys(self) -> str:
        """The record's keys."""
        return "_k" if self.columns else f"json_keys({self.src})"

    def present(self, name: str) -> str:
        """SQL: the field is given (not absent, not null, not "")."""
        t, v = self.t(name), self.v(name)
        return f"NOT ({t} IS NULL OR {t} = 'NULL' OR ({t} = 'VARCHAR' AND {v} = ''))"

    def date(self, name: str) -> str:
        """The field as a DATE (NULL if not a date)."""
        return f"TRY_CAST({self.v(name)} AS DATE)"


def parsed(entity: Entity, src: str = "data") -> str:
    """SELECT-list items parsing the record once per row: ``_t`` (JSON types), ``_x`` (texts), ``_k`` (keys)."""
    paths = "[" + ", ".join(_lit(f'$."{name}"') for name in entity.field_names) + "]"
    return f"json_type({src}, {paths}) AS _t, json_extract_string({src}, {paths}) AS _x, json_keys({src}) AS _k"


def derived(entity: Entity) -> str:
    """SELECT-list items computed from :func:`parsed` columns (PESEL error and date), or ``""``.

    Select them from a *materialized* result of :func:`parsed`: a macro repeats its argument, and
    over a lateral alias each repetition would parse the JSON again (measured: 2.5× slower).
    """
    items = []
    for i, field in enumerate(entity.fields, start=1):
        if field.check == "pesel":
            items += [f"zszo_pesel_error(_x[{i}]) AS _pe{i}", f"zszo_pesel_date(_x[{i}]) AS _pd{i}"]
    return ", ".join(items)


def projection(entity: Entity, src: str = "data") -> str:
    """:func:`parsed` and :func:`derived` items in one SELECT list (for single records in tests)."""
    return ", ".join(part for part in (parsed(entity, src), derived(entity)) if part)


def field_error(field: Field, a: Access) -> str:
    """SQL yielding the error code of ``field`` (NULL if fine)."""
    t, v = a.t(field.name), a.v(field.name)
    branches = [f"WHEN NOT ({a.present(field.name)}) THEN {_lit('required') if field.required else 'NULL'}"]
    if field.type in (FieldType.TEXT,):
        branches += [f"WHEN {t} <> 'VARCHAR' THEN 'type'"]
        if field.max_length is not None:
            branches.append(f"WHEN length({v}) > {field.max_length} THEN 'too_long'")
        branches += [
            f"WHEN regexp_matches({v}, {_lit(_CONTROL)}) THEN 'control_chars'",
            f"WHEN regexp_matches({v}, {_lit('^[' + _WS + ']|[' + _WS + ']$')}) THEN 'whitespace'",
        ]
    elif field.type is FieldType.UUID:
        branches.append(f"WHEN {t} <> 'VARCHAR' OR NOT regexp_full_match({v}, {_lit(_UUID)}) THEN 'type'")
    elif field.type is FieldType.INT:
        branches.append(f"WHEN {t} NOT IN ('BIGINT', 'UBIGINT') OR TRY_CAST({v} AS BIGINT) IS NULL THEN 'type'")
        if field.min_value is not None or field.max_value is not None:
            low = field.min_value if field.min_value is not None else -(2**63)
            high = field.max_value if field.max_value is not None else 2**63 - 1
            branches.append(f"WHEN NOT (CAST({v} AS BIGINT) BETWEEN {low} AND {high}) THEN 'out_of_range'")
    elif field.type is FieldType.DATE:
        branches.append(
            f"WHEN {t} <> 'VARCHAR' OR NOT regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
            f"OR TRY_CAST({v} AS DATE) IS NULL "
            f"OR NOT (TRY_CAST({v} AS DATE) BETWEEN DATE '{MIN_DATE}' AND DATE '{MAX_DATE}') THEN 'date'")
    elif field.type is FieldType.BOOL:
        branches.append(f"WHEN NOT ({t} = 'BOOLEAN' OR ({t} IN ('BIGINT', 'UBIGINT') AND {v} IN ('0', '1'))) "
                        "THEN 'type'")
    elif field.type is FieldType.ENUM:
        choices = ", ".join(_lit(c) for c in field.choices)
        branches.append(f"WHEN {t} <> 'VARCHAR' OR {v} NOT IN ({choices}) THEN 'choice'")
    if field.check == "pesel":
        branches.append(f"WHEN {a.pesel_error(field.name)} IS NOT NULL THEN {a.pesel_error(field.name)}")
    elif field.check is not None:
        pattern = _re2(FORMATS[field.check][0].pattern)
        branches.append(f"WHEN NOT regexp_full_match({v}, {_lit(pattern)}) THEN {_lit(field.check)}")
    return "CASE " + " ".join(branches) + " END"


def record_errors(entity: Entity, a: Access) -> list[str]:
    """SQL branches (``WHEN cond THEN 'field|code'``) for the entity's record-level rules."""
    has, v, date = a.present, a.v, a.date
    if entity.name == "pupil":
        pesel = v("pesel")
        return [
            f"WHEN {has('pesel')} AND {date('birth_date')} <> {a.pesel_date('pesel')} "
            "THEN 'birth_date|pesel_birth_date'",
            f"WHEN {has('pesel')} AND {has('sex')} AND {v('sex')} <> "
            f"(CASE WHEN CAST(substr({pesel}, 10, 1) AS INTEGER) % 2 = 0 THEN 'F' ELSE 'M' END) THEN 'sex|pesel_sex'",
            f"WHEN NOT {has('pesel')} AND (NOT {has('document_type')} OR NOT "
            f"{has('document_number')}) THEN 'pesel|identity_missing'",
        ]
    if entity.name == "school_year":
        label = v("label")
        first, second = f"CAST(split_part({label}, '/', 1) AS INTEGER)", f"CAST(split_part({label}, '/', 2) AS INTEGER)"
        return [
            f"WHEN {date('ends_on')} < {date('starts_on')} THEN 'ends_on|date_order'",
            f"WHEN {second} <> {first} + 1 OR year({date('starts_on')}) <> {first} "
            "THEN 'label|school_year_label'",
        ]
    if entity.name == "enrolment":
        return [
            f"WHEN {has('ends_on')} AND {date('ends_on')} < {date('starts_on')} THEN 'ends_on|date_order'",
            f"WHEN {has('ends_on')} AND NOT {has('leaving_reason')} THEN 'leaving_reason|required'",
            f"WHEN {has('leaving_reason')} AND NOT {has('ends_on')} THEN 'ends_on|required'",
        ]
    if entity.name in RECORD_SQL:
        return RECORD_SQL[entity.name](a)
    branches = []
    for check in entity.record_checks:
        order = getattr(check, "date_order", None)
        if order is None:
            raise NotImplementedError(f"record rules of {entity.name} have no SQL equivalent yet")
        start, end = order
        branches.append(f"WHEN {has(start)} AND {has(end)} AND {date(end)} < {date(start)} THEN '{end}|date_order'")
    return branches


# Feature modules whose entities have record rules beyond ``date_order`` add their SQL mirror here
# (entity name → function of Access returning ``WHEN cond THEN 'field|code'`` branches), before
# the expressions below are built; tests/hub/test_checks_equivalence.py checks both sides agree.
def _register_entry_sql(a: Access) -> list[str]:
    """Mirror of protocol.entities_secretariat's register_entry rules (date order, leaving needs date and reason)."""
    has, date = a.present, a.date
    return [
        f"WHEN {has('admitted_on')} AND {has('left_on')} AND {date('left_on')} < {date('admitted_on')} "
        "THEN 'left_on|date_order'",
        f"WHEN {has('left_on')} AND NOT {has('leaving_reason')} THEN 'leaving_reason|required'",
        f"WHEN {has('leaving_reason')} AND NOT {has('left_on')} THEN 'left_on|required'",
    ]


def _pupil_transfer_sql(a: Access) -> list[str]:
    """Mirror of the pupil_transfer rule (a transfer within the city names the other school's RSPO)."""
    return [f"WHEN {a.v('in_city')} IN ('true', '1') AND NOT {a.present('other_rspo')} THEN 'other_rspo|required'"]


def _transfer_decision_sql(a: Access) -> list[str]:
    """Mirror of the transfer_decision rule (a rejection gives a reason)."""
    return [f"WHEN {a.v('accepted')} IN ('false', '0') AND NOT {a.present('reason')} THEN 'reason|required'"]


def _bell_time_sql(a: Access) -> list[str]:
    """Mirror of protocol.entities_lessons' bell_time rule (a lesson ends after it starts; HH:MM as text)."""
    return [f"WHEN {a.present('starts_at')} AND {a.present('ends_at')} AND {a.v('ends_at')} <= {a.v('starts_at')} "
            "THEN 'ends_at|time_order'"]
def _staff_employment_sql(a: Access) -> list[str]:
    """Mirror of protocol.entities_staff's staff_employment rules (date order, FTE at most one post)."""
    has, date, v = a.present, a.date, a.v
    return [
        f"WHEN {has('ends_on')} AND {date('ends_on')} < {date('starts_on')} THEN 'ends_on|date_order'",
        f"WHEN TRY_CAST({v('fte_numerator')} AS BIGINT) > TRY_CAST({v('fte_denominator')} AS BIGINT) "
        "THEN 'fte_numerator|fte_above_one'",
    ]


def _attendance_code_sql(a: Access) -> list[str]:
    """Mirror of protocol.entities_lessons' attendance_code rule (a school's mark: its format, never a standard one)."""
    standard = ", ".join(_lit(m) for m in MARKS.values())
    return [f"WHEN {a.present('mark')} AND NOT regexp_full_match({a.v('mark')}, {_lit(MARK_PATTERN.pattern)}) "
            "THEN 'mark|mark_format'",
            f"WHEN {a.present('mark')} AND {a.v('mark')} IN ({standard}) THEN 'mark|standard_mark'"]
def _catchment_child_sql(a: Access) -> list[str]:
    """Mirror of protocol.entities_catchment's catchment_child rules (identity, what a status must name)."""
    has, date, v = a.present, a.date, a.v
    return [
        f"WHEN {has('pesel')} AND {date('birth_date')} <> {a.pesel_date('pesel')} THEN 'birth_date|pesel_birth_date'",
        f"WHEN NOT {has('pesel')} AND (NOT {has('document_type')} OR NOT {has('document_number')}) "
        "THEN 'pesel|identity_missing'",
        f"WHEN {v('status')} = 'deferred' AND NOT {has('decision_number')} THEN 'decision_number|required'",
        f"WHEN {v('status')} = 'elsewhere' AND NOT {has('other_school')} THEN 'other_school|required'",
    ]


RECORD_SQL: dict[str, Callable[[Access], list[str]]] = {
    "register_entry": _register_entry_sql,
    "pupil_transfer": _pupil_transfer_sql,
    "transfer_decision": _transfer_decision_sql,
    "bell_time": _bell_time_sql,
    "staff_employment": _staff_employment_sql,
    "attendance_code": _attendance_code_sql,
    "catchment_child": _catchment_child_sql,
}


def error_expr(entity: Entity, src: str = "data", *, columns: bool = False) -> str:
    """One SQL expression: NULL when the record is valid, else ``'field|code'``.

    ``columns=False`` reads the JSON column ``src`` directly (for single records in tests);
    ``columns=True`` reads ``_t``/``_x``/``_k`` produced by :func:`projection` (the merger).
    """
    a = Access(entity, src, columns=columns)
    known = "[" + ", ".join(_lit(n) for n in entity.field_names) + "]"
    unknown = f"list_filter({a.keys()}, lambda k: NOT list_contains({known}, k))"
    parts = [f"CASE WHEN len({unknown}) > 0 THEN list_sort({unknown})[1] || '|unknown_field' END"]
    for field in entity.fields:
        parts.append(f"{_lit(field.name + '|')} || ({field_error(field, a)})")
    record = record_errors(entity, a)
    if record:
        parts.append("CASE " + " ".join(record) + " END")
    return "COALESCE(" + ", ".join(parts) + ")"


ERROR_EXPRESSIONS = {name: error_expr(entity) for name, entity in ENTITIES.items()}
COLUMN_ERROR_EXPRESSIONS = {name: error_expr(entity, columns=True) for name, entity in ENTITIES.items()}
