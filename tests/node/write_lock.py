"""What a request runs while it holds the SQLite write lock: the statements of every write
transaction (``BEGIN IMMEDIATE`` … ``COMMIT``/``ROLLBACK``) on a node database, for tests of the
request/transaction layer (docs/architecture.md, "Node requests and transactions")."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event

from node_agent.db import Database

_STATEMENT = re.compile(r"^\s*(INSERT INTO|UPDATE|DELETE FROM|SELECT\b.*?\bFROM)\s+(\w+)", re.S | re.I)


def summary(statement: str) -> str:
    """``"INSERT attendance"``, ``"SELECT lesson"``: the verb and the (first) table of a statement."""
    match = _STATEMENT.match(statement)
    if not match:
        return statement.split()[0].upper()
    return f"{match.group(1).split()[0].upper()} {match.group(2)}"


@contextlib.contextmanager
def write_transactions(db: Database) -> Iterator[list[list[str]]]:
    """Collect, per write transaction that ends inside the block, the summaries of its statements."""
    done: list[list[str]] = []
    open_: dict[int, list[str]] = {}

    def key(conn: Any) -> int:
        return id(conn.connection.dbapi_connection)

    def begin(conn: Any) -> None:
        if conn.get_execution_options().get("sqlite_begin", "IMMEDIATE") != "DEFERRED":
            open_[key(conn)] = []

    def execute(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if key(conn) in open_:
            open_[key(conn)].append(summary(statement))

    def end(conn: Any) -> None:
        statements = open_.pop(key(conn), None)
        if statements is not None:
            done.append(statements)

    listeners = (("begin", begin), ("before_cursor_execute", execute), ("commit", end), ("rollback", end))
    for name, fn in listeners:
        event.listen(db.engine, name, fn)
    try:
        yield done
    finally:
        for name, fn in listeners:
            event.remove(db.engine, name, fn)
