"""Backups of the hub's DuckDB warehouse, and setting it aside after the OLTP store is restored.

The warehouse is derived data: ``zszo hub rebuild-warehouse`` rebuilds it from the inbox in the
OLTP store (which is what the scheduled backups protect). A copy only shortens recovery, e.g.
before an upgrade. DuckDB has a single writer that holds a file lock, so the copy is taken only
while ``zszo hub serve`` is stopped: this process opens the file (taking the lock, so nobody
writes meanwhile), checkpoints it (the ``.wal`` is folded in), copies the file, and checks the
copy's row counts table by table.

It must never copy a warehouse another process has open, and never touch the OLTP store.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb

from zszo.backup import BackupError, backup_name, fsync_dir, rotate

PREFIX, SUFFIX = "warehouse", ".duckdb"


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = [row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1").fetchall()]
    return {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def backup_warehouse(path: Path, directory: Path, *, keep: int | None = None,
                     verify: bool = True) -> tuple[Path, list[Path]]:
    """Copy the warehouse at ``path`` into ``directory`` (hub stopped); return the copy and rotated-out files."""
    if not path.exists():
        raise BackupError(f"{path} does not exist (rebuild it with `zszo hub rebuild-warehouse`)")
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise BackupError("the warehouse is in use by `zszo hub serve`: stop it, or back up without "
                              "--warehouse (it can be rebuilt from the inbox)") from None
        raise BackupError(f"{path}: cannot open the warehouse: {exc}") from None
    final = backup_name(PREFIX, directory, suffix=SUFFIX)
    partial = final.with_name(f".{final.name}.partial")
    try:
        con.execute("CHECKPOINT")
        counts = _counts(con)
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, partial)  # safe: this connection holds the only lock, and nothing is in the WAL
        partial.chmod(0o600)
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    try:
        if verify:
            copy = duckdb.connect(str(partial), read_only=True)
            try:
                found = _counts(copy)
            finally:
                copy.close()
            if found != counts:
                raise BackupError(f"{partial}: row counts differ from the warehouse's")
        os.replace(partial, final)
        fsync_dir(directory)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    removed = rotate(directory, PREFIX, keep, SUFFIX) if keep else []
    return final, removed


def set_aside(path: Path, now: dt.datetime | None = None) -> list[Path]:
    """Rename the warehouse and its ``.wal`` to ``….replaced-<stamp>`` (kept, never deleted); return the new names."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    moved = []
    for current in (path, path.with_name(path.name + ".wal")):
        if current.exists():
            aside = current.with_name(f"{current.name}.replaced-{stamp}")
            os.replace(current, aside)
            moved.append(aside)
    return moved
