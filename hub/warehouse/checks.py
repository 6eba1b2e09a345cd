"""The protocol's validation rules as DuckDB SQL, so the merger validates whole batches at once.

For every change of an entity the generated expression yields NULL (valid) or
``"field|code"`` naming the first rule broken, in the same order as
:meth:`protocol.entities.Entity.validate`: unknown fields, then each field in registry order,
then the record-level rules. ``tests/hub/test_checks_equivalence.py`` feeds random records to
both implementations and insists they agree; change both together.
"""

from __future__ import annotations

import re

from protocol.entities import ENTITIES, Entity
from protocol.fields import FORMATS, MAX_DATE, MIN_DATE, WHITESPACE, Field, FieldType

MACROS = [
    # Error code of a PESEL (NULL if valid), in the order protocol.pesel.parse checks.
    f"""CREATE OR REPLACE MACRO zszo_pesel_error(p) AS CASE
        WHEN length(p) <> 11 THEN 'pesel_length'
        WHEN NOT regexp_full_match(p, '[0-9]{{11}}') THEN 'pesel_digits'
        WHEN (10 - ({' + '.join(f"CAST(substr(p, {i + 1}, 1) AS INTEGER) * {w}"
                              for i, w in enumerate((1, 3, 7, 9, 1, 3, 7, 9, 1, 3)))}) % 10) % 10
             <> CAST(substr(p, 11, 1) AS INTEGER) THEN 'pesel_checksum'
        WHEN zszo_pesel_offset(p) IS NULL THEN 'pesel_month'
        WHEN zszo_pesel_date(p) IS NULL THEN 'pesel_date'
        END""",
]
PRE_MACROS = [
    """CREATE OR REPLACE MACRO zszo_pesel_offset(p) AS CASE
        WHEN CAST(substr(p, 3, 2) AS INTEGER) BETWEEN 81 AND 92 THEN 80
        WHEN CAST(substr(p, 3, 2) AS INTEGER) BETWEEN 1 AND 12 THEN 0
        WHEN CAST(substr(p, 3, 2) AS INTEGER) BETWEEN 21 AND 32 THEN 20
        WHEN CAST(substr(p, 3, 2) AS INTEGER) BETWEEN 41 AND 52 THEN 40
        WHEN CAST(substr(p, 3, 2) AS INTEGER) BETWEEN 61 AND 72 THEN 60 END""",
    """CREATE OR REPLACE MACRO zszo_pesel_date(p) AS TRY_CAST(printf('%04d-%02d-%02d',
        (CASE zszo_pesel_offset(p) WHEN 80 THEN 1800 WHEN 0 THEN 1900 WHEN 20 THEN 2000 WHEN 40 THEN 2100
         WHEN 60 THEN 2200 END) + CAST(substr(p, 1, 2) AS INTEGER),
        CAST(substr(p, 3, 2) AS INTEGER) - zszo_pesel_offset(p), CAST(substr(p, 5, 2) AS INTEGER)) AS DATE)""",
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


def _present(name: str, src: str) -> str:
    t, v = f"json_type({src}, '$.\"{name}\"')", f"({src}->>'{name}')"
    return f"NOT ({t} IS NULL OR {t} = 'NULL' OR ({t} = 'VARCHAR' AND {v} = ''))"


def field_error(field: Field, src: str = "data") -> str:
    """SQL yielding the error code of ``field`` in JSON column ``src`` (NULL if fine)."""
    t, v = f"json_type({src}, '$.\"{field.name}\"')", f"({src}->>'{field.name}')"
    branches = [f"WHEN NOT ({_present(field.name, src)}) THEN {'%s' % _lit('required') if field.required else 'NULL'}"]
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
        branches.append(f"WHEN zszo_pesel_error({v}) IS NOT NULL THEN zszo_pesel_error({v})")
    elif field.check is not None:
        pattern = _re2(FORMATS[field.check][0].pattern)
        branches.append(f"WHEN NOT regexp_full_match({v}, {_lit(pattern)}) THEN {_lit(field.check)}")
    return "CASE " + " ".join(branches) + " END"


def _has(name: str, src: str) -> str:
    return _present(name, src)


def _date(name: str, src: str) -> str:
    return f"TRY_CAST(({src}->>'{name}') AS DATE)"


def record_errors(entity: Entity, src: str = "data") -> list[str]:
    """SQL branches (``WHEN cond THEN 'field|code'``) for the entity's record-level rules."""
    v = lambda name: f"({src}->>'{name}')"  # noqa: E731 - tiny local shorthand
    if entity.name == "pupil":
        pesel = v("pesel")
        return [
            f"WHEN {_has('pesel', src)} AND {_date('birth_date', src)} <> zszo_pesel_date({pesel}) "
            "THEN 'birth_date|pesel_birth_date'",
            f"WHEN {_has('pesel', src)} AND {_has('sex', src)} AND {v('sex')} <> "
            f"(CASE WHEN CAST(substr({pesel}, 10, 1) AS INTEGER) % 2 = 0 THEN 'F' ELSE 'M' END) THEN 'sex|pesel_sex'",
            f"WHEN NOT {_has('pesel', src)} AND (NOT {_has('document_type', src)} OR NOT "
            f"{_has('document_number', src)}) THEN 'pesel|identity_missing'",
        ]
    if entity.name == "school_year":
        label = v("label")
        first, second = f"CAST(split_part({label}, '/', 1) AS INTEGER)", f"CAST(split_part({label}, '/', 2) AS INTEGER)"
        return [
            f"WHEN {_date('ends_on', src)} < {_date('starts_on', src)} THEN 'ends_on|date_order'",
            f"WHEN {second} <> {first} + 1 OR year({_date('starts_on', src)}) <> {first} "
            "THEN 'label|school_year_label'",
        ]
    if entity.name == "enrolment":
        return [
            f"WHEN {_has('ends_on', src)} AND {_date('ends_on', src)} < {_date('starts_on', src)} "
            "THEN 'ends_on|date_order'",
            f"WHEN {_has('ends_on', src)} AND NOT {_has('leaving_reason', src)} THEN 'leaving_reason|required'",
            f"WHEN {_has('leaving_reason', src)} AND NOT {_has('ends_on', src)} THEN 'ends_on|required'",
        ]
    if entity.record_checks:
        raise NotImplementedError(f"record rules of {entity.name} have no SQL equivalent yet")
    return []


def error_expr(entity: Entity, src: str = "data") -> str:
    """One SQL expression: NULL when the record in ``src`` is valid, else ``'field|code'``."""
    known = "[" + ", ".join(_lit(n) for n in entity.field_names) + "]"
    unknown = f"list_filter(json_keys({src}), lambda k: NOT list_contains({known}, k))"
    parts = [f"CASE WHEN len({unknown}) > 0 THEN list_sort({unknown})[1] || '|unknown_field' END"]
    for field in entity.fields:
        parts.append(f"{_lit(field.name + '|')} || ({field_error(field, src)})")
    record = record_errors(entity, src)
    if record:
        parts.append("CASE " + " ".join(record) + " END")
    return "COALESCE(" + ", ".join(parts) + ")"


ERROR_EXPRESSIONS = {name: error_expr(entity) for name, entity in ENTITIES.items()}
