"""Consistent, rotated and verified SQLite backups (and restores) for the node and the hub's OLTP store.

A backup is copied with SQLite's online backup API *inside one read transaction*: the row counts
recorded in that transaction describe exactly the snapshot that was copied, so the restore check
(open the copy, ``PRAGMA integrity_check``, compare every table's row count) is exact even while
the service keeps writing. The copy is written under a temporary name, made self-contained
(rollback journal, no ``-wal`` beside it), fsynced, verified, and only then renamed into place.

It must never copy a live database file byte by byte, never delete a file that does not match
its own backup naming pattern, and never leave a file under a backup name that failed its check.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from zszo.sqlite import BUSY_TIMEOUT_MS

STAMP = "%Y%m%dT%H%M%SZ"
SIDECARS = ("-wal", "-shm")


class BackupError(RuntimeError):
    """A backup or restore could not be made or did not pass its check; the message says why."""


@dataclass(frozen=True)
class BackupReport:
    """What one backup produced: the file, its size, the verified row counts and what rotation removed."""

    path: Path
    size: int
    tables: dict[str, int]
    verified: bool
    removed: tuple[Path, ...] = ()


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                        "ORDER BY name").fetchall()
    return [name for (name,) in rows]


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    # Identifiers come from sqlite_master of the file itself; quoted, never user input.
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in _tables(conn)}


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_name(prefix: str, directory: Path, now: dt.datetime | None = None, suffix: str = ".sqlite") -> Path:
    """A free ``<prefix>-<UTC stamp><suffix>`` path in ``directory`` (``-2``, ``-3`` … within one second)."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime(STAMP)
    candidate = directory / f"{prefix}-{stamp}{suffix}"
    n = 1
    while candidate.exists():
        n += 1
        candidate = directory / f"{prefix}-{stamp}-{n}{suffix}"
    return candidate


def snapshot(source: Path, target: Path) -> dict[str, int]:
    """Copy ``source`` to ``target`` (must not exist) with the backup API; return the snapshot's row counts."""
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    if target.exists():
        raise FileExistsError(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        src.execute("BEGIN")  # deferred: the counts and the copied pages come from the same snapshot
        counts = _counts(src)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        dst = sqlite3.connect(target, isolation_level=None)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        finally:
            dst.close()
        src.execute("COMMIT")
    finally:
        src.close()
    with open(target, "rb") as fh:
        os.fsync(fh.fileno())
    return counts


def verify(copy: Path, expected: dict[str, int] | None = None, *, required_table: str | None = None) -> dict[str, int]:
    """Open ``copy`` read-only, run ``integrity_check`` and compare row counts; return the counts.

    Raises :class:`BackupError` naming the first problem: not a database, damaged, a table with
    another number of rows than the source had, or (``required_table``) not the expected kind of
    database at all.
    """
    try:
        conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{copy}: cannot open: {exc}") from None
    try:
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
            counts = _counts(conn)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{copy}: not a readable SQLite database: {exc}") from None
    finally:
        conn.close()
    if result != ["ok"]:
        raise BackupError(f"{copy}: integrity check failed: {'; '.join(result[:5])}")
    if required_table is not None and required_table not in counts:
        raise BackupError(f"{copy}: has no table {required_table!r}: not a backup of this kind of database")
    if expected is not None and counts != expected:
        differ = sorted(set(counts) ^ set(expected)) or sorted(k for k in counts if counts[k] != expected[k])
        name = differ[0]
        raise BackupError(f"{copy}: table {name} has {counts.get(name, 'no')} rows, the source had "
                          f"{expected.get(name, 'no')}")
    return counts


def _backups(directory: Path, prefix: str, suffix: str) -> list[Path]:
    pattern = re.compile(re.escape(prefix) + r"-(\d{8}T\d{6}Z)(?:-(\d+))?" + re.escape(suffix))
    found = []
    for path in directory.glob(f"{prefix}-*{suffix}") if directory.exists() else ():
        match = pattern.fullmatch(path.name)
        if match:
            found.append((match.group(1), int(match.group(2) or 1), path))
    return [path for _stamp, _n, path in sorted(found)]


def rotate(directory: Path, prefix: str, keep: int, suffix: str = ".sqlite") -> list[Path]:
    """Delete all but the newest ``keep`` backups named ``<prefix>-<stamp><suffix>``; return the deleted ones."""
    if keep < 1:
        raise BackupError("keep at least one backup")
    old = _backups(directory, prefix, suffix)[:-keep]
    for path in old:
        path.unlink()
    return old


def take(source: Path, directory: Path, prefix: str, *, target: Path | None = None, verify_copy: bool = True,
         keep: int | None = None, required_table: str | None = None) -> BackupReport:
    """Back up ``source`` into ``directory`` (or to ``target``), verify it, then rotate (keep the newest N)."""
    final = target or backup_name(prefix, directory)
    if final.exists():
        raise FileExistsError(final)
    partial = final.with_name(f".{final.name}.partial")
    partial.unlink(missing_ok=True)  # a leftover of a backup that was killed half-way
    try:
        counts = snapshot(source, partial)
        if verify_copy:
            verify(partial, counts, required_table=required_table)
        os.replace(partial, final)
        fsync_dir(final.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    removed = tuple(rotate(directory, prefix, keep)) if keep and target is None else ()
    return BackupReport(final, final.stat().st_size, counts, verify_copy, removed)


@contextlib.contextmanager
def exclusive(lock_path: Path, what: str) -> Iterator[None]:
    """Hold ``lock_path`` exclusively, or raise :class:`BackupError` saying ``what`` holds it."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"{what} is running (lock {lock_path}): stop it first") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def restore(backup: Path, database: Path, *, required_table: str, now: dt.datetime | None = None) -> Path | None:
    """Put a verified ``backup`` in place of ``database``; return where the previous file was moved, if any.

    The service must be stopped (the caller holds its locks). The previous database and its
    ``-wal``/``-shm`` files are renamed to ``<name>.replaced-<stamp>…`` together — never deleted,
    never separated (a main file without its WAL would lose committed transactions).
    """
    verify(backup, required_table=required_table)
    database.parent.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime(STAMP)
    moved = None
    for suffix in ("", *SIDECARS):
        current = database.with_name(database.name + suffix)
        if current.exists():
            aside = database.with_name(f"{database.name}.replaced-{stamp}{suffix}")
            if aside.exists():
                raise FileExistsError(aside)
            os.replace(current, aside)
            moved = moved or aside
    partial = database.with_name(f".{database.name}.restoring")
    partial.unlink(missing_ok=True)
    try:
        snapshot(backup, partial)
        os.replace(partial, database)
        fsync_dir(database.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return moved
