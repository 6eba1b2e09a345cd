"""SQLite engines with the durability settings ZSZO requires, shared by node and hub.

WAL journal, ``synchronous=FULL`` (a commit survives power loss), foreign keys on, and a busy
timeout. Write transactions start with ``BEGIN IMMEDIATE`` so that two writers queue on the
busy handler instead of failing with "database is locked" when a read lock cannot be upgraded;
read-only work can ask for a deferred ``BEGIN``. :func:`verify` checks all of it at start-up.

Writers of one process queue in a first-come, first-served :class:`WriterQueue` (one per database
file) before they ask SQLite for the lock, and leave it when their transaction commits or rolls
back. SQLite's own busy handler polls with sleeps of up to 100 ms, so under load a freed lock sat
idle while the next writer slept and late writers could overtake early ones; the queue hands the
turn over at once and in arrival order. The busy timeout still covers other processes (a CLI
command, the ``sqlite3`` shell).

A writer that still finds the database locked when the busy timeout runs out retries its
``BEGIN IMMEDIATE`` until :data:`WRITE_WAIT_SECONDS` have passed (the queue counts against the
same limit). That is safe (nothing of the transaction has run yet) and it is what keeps a busy
school day error-free (tests/load/test_concurrent_teachers.py).
"""

from __future__ import annotations

import collections
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_MS = 15_000
WRITE_WAIT_SECONDS = 120  # how long a write transaction waits for its turn in all before it fails

log = logging.getLogger("zszo.sqlite")


class StorageError(RuntimeError):
    """The database is not in the state ZSZO needs; the message says what to do."""


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    # Without it, rows that INSERT/UPDATE OR REPLACE evicts on a UNIQUE conflict are deleted
    # silently: no delete trigger fires, so change capture would miss them.
    cursor.execute("PRAGMA recursive_triggers = ON")
    cursor.close()


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock (and nothing else went wrong)."""
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class WriterQueue:
    """First come, first served turns at writing, for the threads of one process.

    A turn is handed straight to the longest-waiting thread on release, so the write lock never
    idles while writers wait and nobody is overtaken. Not reentrant: a thread never opens a second
    write transaction while it holds one (SQLite would refuse it the lock too).
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: collections.deque[threading.Event] = collections.deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the turn; True when it is ours."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiting.remove(turn)
            return False

    def release(self) -> None:
        """Give the turn to the next waiting thread (or free it)."""
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._held = False


_queues: dict[str, WriterQueue] = {}
_queues_mutex = threading.Lock()


def writer_queue(path: str) -> WriterQueue:
    """The process's writer queue of the database file at ``path``."""
    with _queues_mutex:
        return _queues.setdefault(os.path.realpath(path), WriterQueue())


class QueuedConnection(sqlite3.Connection):
    """A ``sqlite3`` connection that gives its writer turn back when its transaction ends."""

    writer_turn: WriterQueue | None = None

    def _leave_queue(self) -> None:
        turn, self.writer_turn = self.writer_turn, None
        if turn is not None:
            turn.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave_queue()


def _on_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    if mode == "DEFERRED":
        connection.exec_driver_sql("BEGIN")
        return
    raw = connection.connection.driver_connection
    deadline = time.monotonic() + WRITE_WAIT_SECONDS
    queue = writer_queue(connection.engine.url.database)
    if not queue.acquire(WRITE_WAIT_SECONDS):
        raise sqlite3.OperationalError(f"database is locked: no turn to write within {WRITE_WAIT_SECONDS} s")
    raw.writer_turn = queue
    try:
        waited = 1
        while time.monotonic() + BUSY_TIMEOUT_MS / 1000 < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")  # waits up to the busy timeout for the write lock
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                log.warning("write lock still taken after %d busy timeouts of %d ms; waiting on", waited,
                            BUSY_TIMEOUT_MS)
                waited += 1
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the last try: fails as SQLAlchemy's OperationalError
    except BaseException:
        raw._leave_queue()
        raise


def make_engine(path: Path, *, pool_size: int = 20) -> Engine:
    """Create an engine for the SQLite file at ``path`` with ZSZO's pragmas on every connection."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}",
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000, "factory": QueuedConnection},
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def reader(engine: Engine) -> Engine:
    """The same engine, but transactions start with a deferred ``BEGIN`` (read-only work)."""
    return engine.execution_options(sqlite_begin="DEFERRED")


def connect_raw(path: Path) -> sqlite3.Connection:
    """A plain ``sqlite3`` connection with the same pragmas (for sqlite-utils and tools)."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    _on_connect(conn, None)
    conn.isolation_level = ""  # back to the stdlib's implicit transactions for library callers
    return conn


def verify(engine: Engine, *, quick_check: bool = True) -> dict[str, Any]:
    """Check the pragmas and (optionally) ``quick_check``; raise :class:`StorageError` if wrong."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        found = {
            "journal_mode": raw.execute("PRAGMA journal_mode").fetchone()[0],
            "synchronous": raw.execute("PRAGMA synchronous").fetchone()[0],
            "foreign_keys": raw.execute("PRAGMA foreign_keys").fetchone()[0],
            "busy_timeout": raw.execute("PRAGMA busy_timeout").fetchone()[0],
            "recursive_triggers": raw.execute("PRAGMA recursive_triggers").fetchone()[0],
        }
        if quick_check:
            found["quick_check"] = raw.execute("PRAGMA quick_check").fetchone()[0]
    problems = []
    if str(found["journal_mode"]).lower() != "wal":
        problems.append(f"journal_mode is {found['journal_mode']}, expected wal")
    if found["synchronous"] != 2:
        problems.append(f"synchronous is {found['synchronous']}, expected 2 (FULL)")
    if found["foreign_keys"] != 1:
        problems.append("foreign keys are off")
    if found["busy_timeout"] < 5000:
        problems.append(f"busy_timeout is {found['busy_timeout']} ms, expected at least 5000")
    if found["recursive_triggers"] != 1:
        problems.append("recursive triggers are off")
    if quick_check and found["quick_check"] != "ok":
        problems.append(f"integrity check failed: {found['quick_check']}; restore from backup (docs/operations.md)")
    if problems:
        raise StorageError("; ".join(problems))
    return found


def backup(engine_or_path: Engine | Path, target: Path) -> Path:
    """Write a consistent copy of the database to ``target`` with ``VACUUM INTO`` (never a file copy)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise FileExistsError(target)
    if isinstance(engine_or_path, Path):
        conn = sqlite3.connect(engine_or_path, isolation_level=None)
        try:
            conn.execute("VACUUM INTO ?", (str(target),))
        finally:
            conn.close()
    else:
        with engine_or_path.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("VACUUM INTO ?", (str(target),))
    target.chmod(0o600)
    return target
