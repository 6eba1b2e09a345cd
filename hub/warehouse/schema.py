"""Warehouse tables derived from the entity registry, and how a wire record becomes a row.

The analytical layer keeps only what a field's :class:`~protocol.fields.Privacy` allows:
names, contact details, addresses and documents are dropped, birth dates become years,
and a pupil's PESEL or document becomes ``pupil_key`` = HMAC-SHA256(city key, identifier)
(BRIEF §3.4). No table has a primary key or unique index (DuckDB's ART indexes must fit in
memory and slow bulk merges); the merger keeps ``id`` unique and ``zszo hub check`` proves it.
"""

from __future__ import annotations

from protocol.entities import ENTITIES, Entity
from protocol.fields import Field, FieldType, Privacy

SQL_TYPES = {
    FieldType.UUID: "UUID",
    FieldType.TEXT: "VARCHAR",
    FieldType.INT: "INTEGER",
    FieldType.DATE: "DATE",
    FieldType.BOOL: "BOOLEAN",
    FieldType.ENUM: "VARCHAR",
}
META_COLUMNS = (
    ("_node_id", "VARCHAR"),   # the node that owns the row
    ("_rspo", "VARCHAR"),      # the owning institution
    ("_inbox_id", "BIGINT"),   # inbox batch the current version came in
    ("_seq", "BIGINT"),        # node sequence number of the current version
    ("_ts", "BIGINT"),         # node clock (ms) when it was written: informative only
)
PSEUDONYM_COLUMN = "pupil_key"


def kept_fields(entity: Entity) -> list[Field]:
    """Fields that reach the warehouse in some form."""
    return [f for f in entity.fields if f.privacy in (Privacy.KEEP, Privacy.YEAR)]


def column_name(field: Field) -> str:
    """The warehouse column of ``field`` (``birth_date`` → ``birth_year`` for YEAR fields)."""
    if field.privacy is Privacy.YEAR:
        return field.name.removesuffix("_date") + "_year"
    return field.name


def has_pseudonym(entity: Entity) -> bool:
    """True if the entity carries identifier fields that become ``pupil_key``."""
    return any(f.privacy is Privacy.IDENTIFIER for f in entity.fields)


def columns(entity: Entity) -> list[tuple[str, str]]:
    """(name, SQL type) of the entity's warehouse table, in order."""
    cols = []
    for f in kept_fields(entity):
        cols.append((column_name(f), "INTEGER" if f.privacy is Privacy.YEAR else SQL_TYPES[f.type]))
    if has_pseudonym(entity):
        cols.append((PSEUDONYM_COLUMN, "VARCHAR"))
    return cols + list(META_COLUMNS)


def value_expr(field: Field, raw_text: str) -> str:
    """SQL turning the (already validated) field's text ``raw_text`` into its warehouse value.

    An empty string is a valid "not given" (as in :mod:`protocol.fields`) and becomes NULL: casting
    it to a DATE or UUID would fail the whole merge cycle.
    """
    raw = f"nullif({raw_text}, '')"
    if field.privacy is Privacy.YEAR:
        return f"year(CAST({raw} AS DATE))"
    if field.type is FieldType.BOOL:
        return f"({raw} IN ('true', '1'))"
    return f"CAST({raw} AS {SQL_TYPES[field.type]})"


def ddl() -> list[str]:
    """CREATE statements for every warehouse table (idempotent)."""
    statements = [
        "CREATE TABLE IF NOT EXISTS _merge_state (id INTEGER, merged_through BIGINT, merged_at TIMESTAMP)",
        "CREATE TABLE IF NOT EXISTS _schema_info (key VARCHAR, value VARCHAR)",
        # Batches of nodes ahead of this hub's schema, acknowledged but not merged yet (plan.py).
        "CREATE TABLE IF NOT EXISTS _held (inbox_id BIGINT, node_id VARCHAR)",
        # Quarantined batches the operator released, once merged (plan.py, hub/sync/quarantine.py).
        "CREATE TABLE IF NOT EXISTS _released (inbox_id BIGINT)",
        # Changes refused because another node owns the row, to forward to the owner (hub/ownership).
        """CREATE TABLE IF NOT EXISTS _owner_request (
            inbox_id BIGINT, seq BIGINT, entity VARCHAR, pk VARCHAR, from_node VARCHAR, owner_node VARCHAR,
            forwarded BOOLEAN)""",
        """CREATE TABLE IF NOT EXISTS rejected_change (
            inbox_id BIGINT, node_id VARCHAR, rspo VARCHAR, seq BIGINT, entity VARCHAR, pk VARCHAR,
            field VARCHAR, code VARCHAR, rejected_at TIMESTAMP)""",
    ]
    for entity in ENTITIES.values():
        body = ", ".join(f"{name} {sql_type}" for name, sql_type in columns(entity))
        statements.append(f"CREATE TABLE IF NOT EXISTS {entity.name} ({body})")
    return statements


def add_missing_columns(con) -> list[str]:  # type: ignore[no-untyped-def]
    """After an upgrade that added fields to an entity, add their columns; return what was added.

    Older rows get NULL in a new column, as an upcast record without the field would.
    Columns are never dropped or retyped here: a version that removes a field keeps its column.
    """
    added = []
    for entity in ENTITIES.values():
        have = {row[0] for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'",
            [entity.name]).fetchall()}
        for name, sql_type in columns(entity):
            if name not in have:
                con.execute(f"ALTER TABLE {entity.name} ADD COLUMN {name} {sql_type}")
                added.append(f"{entity.name}.{name}")
    return added
