"""Change capture: SQLite triggers that copy every write of a synced table into the outbox.

Triggers, not ORM events, because they see every write path: the ORM, bulk ``UPDATE`` and
``DELETE`` statements, sqlite-utils imports, even the ``sqlite3`` shell. They run inside the
writing transaction, so a change is in the outbox exactly when the write commits, and a
rolled-back write leaves nothing behind. They are generated from :mod:`protocol.entities`:
only registry fields are serialised, in registry order, with SQLite's ``json_object``.

The triggers are derived state, (re)installed at every start by :func:`install` inside one
transaction; :func:`verify` refuses to run a node whose triggers do not match the registry.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, text

from protocol.entities import ENTITIES, Entity
from protocol.fields import FieldType

PREFIX = "zszo_capture_"
# Unix milliseconds from SQLite's clock (no application function needed, so any writer works).
NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"


def _value(entity: Entity, column: str, row: str) -> str:
    field = entity.by_name[column]
    ref = f"{row}.{column}"
    if field.type is FieldType.BOOL:
        # Stored as 0/1; send JSON true/false so the hub never guesses.
        return f"CASE WHEN {ref} IS NULL THEN NULL WHEN {ref} THEN json('true') ELSE json('false') END"
    return ref


def _json_object(entity: Entity, row: str) -> str:
    parts = ", ".join(f"'{f.name}', {_value(entity, f.name, row)}" for f in entity.fields)
    return f"json_object({parts})"


def trigger_sql(entity: Entity) -> list[str]:
    """Return the CREATE TRIGGER statements capturing ``entity``'s table."""
    table, pk, name = entity.name, entity.pk, PREFIX + entity.name
    insert = (
        "INSERT INTO sync_outbox (entity, v, pk, op, ts, data) VALUES "
        f"('{table}', {entity.version}, {{row}}.{pk}, '{{op}}', {NOW_MS}, {{data}});"
    )
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN "
        + insert.format(row="NEW", op="upsert", data=_json_object(entity, "NEW")) + " END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} BEGIN "
        + insert.format(row="NEW", op="upsert", data=_json_object(entity, "NEW")) + " END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN "
        + insert.format(row="OLD", op="delete", data="NULL") + " END",
        # A synced row's key is its identity at the hub: changing it would orphan the old row there.
        f"CREATE TRIGGER {name}_keep_pk BEFORE UPDATE OF {pk} ON {table} "
        f"WHEN NEW.{pk} IS NOT OLD.{pk} BEGIN SELECT RAISE(ABORT, 'the id of a synced record cannot change'); END",
    ]


def expected_triggers() -> dict[str, str]:
    """Map trigger name → SQL for the whole registry."""
    out: dict[str, str] = {}
    for entity in ENTITIES.values():
        for sql in trigger_sql(entity):
            out[sql.split()[2]] = sql
    return out


def fingerprint() -> str:
    """A short hash of all trigger SQL (changes whenever the registry does)."""
    return hashlib.sha256("\n".join(sorted(expected_triggers().values())).encode()).hexdigest()[:16]


def install(conn: Connection) -> None:
    """Drop and recreate every capture trigger inside the caller's transaction."""
    check_columns(conn)
    existing = conn.execute(
        text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE :p"), {"p": PREFIX + "%"}
    ).scalars()
    for name in list(existing):
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    for sql in expected_triggers().values():
        conn.exec_driver_sql(sql)


def check_columns(conn: Connection) -> None:
    """Raise RuntimeError if a synced table lacks a column the registry declares."""
    for entity in ENTITIES.values():
        columns = {row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({entity.name})")}
        missing = [f.name for f in entity.fields if f.name not in columns]
        if missing:
            raise RuntimeError(f"table {entity.name} lacks synced columns {missing}: run the migrations")


def verify(conn: Connection) -> None:
    """Raise RuntimeError unless exactly the expected capture triggers are installed."""
    found = dict(
        conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE :p"),
            {"p": PREFIX + "%"},
        ).all()
    )
    expected = expected_triggers()
    if found != expected:
        missing = sorted(set(expected) - set(found))
        stale = sorted(n for n in found if n in expected and found[n] != expected[n])
        extra = sorted(set(found) - set(expected))
        raise RuntimeError(f"capture triggers out of date: missing {missing}, stale {stale}, extra {extra}")
