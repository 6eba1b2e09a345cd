"""An unreadable warehouse file is set aside and rebuilt from the inbox, never left to fail every cycle.

DuckDB creating its file while the disk fills up can leave a file it cannot open again ("not a
valid DuckDB database file", a short read); a damaged disk block shows up later, as a checksum
mismatch when a merge or a dashboard reads it. The warehouse holds nothing the inbox does not
(docs/architecture.md), so the hub renames such a file to ``<name>.unreadable-<UTC time>`` (its
WAL beside it, for the post-mortem), logs an error saying so, and starts a fresh file, which
the merger fills from inbox batch 0. Not every DuckDB error means that: a file another process
holds (lock conflict) or a full disk must never make the hub discard a good warehouse, so only
the messages below count.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

# DuckDB's words for a file it cannot read as a database (checked against DuckDB 1.x and 2.0).
UNREADABLE_MARKERS = (
    "not a valid DuckDB database file",
    "Could not read enough bytes from file",
    "Corrupt database file",
    "does not match stored checksum",
)


def unreadable(exc: BaseException) -> bool:
    """Whether ``exc`` says the warehouse file itself is damaged (not locked, not a full disk)."""
    return isinstance(exc, duckdb.Error) and any(marker in str(exc) for marker in UNREADABLE_MARKERS)


def set_aside(path: Path, reason: BaseException, *, now: dt.datetime | None = None) -> Path:
    """Rename the damaged file (and its WAL) out of the way; return the new name. Logs an error."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.unreadable-{stamp}")
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}.unreadable-{stamp}-{number}")
    path.rename(target)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        wal.rename(target.with_name(target.name + ".wal"))
    log.error("warehouse %s is unreadable (%s): set aside as %s; a new warehouse is rebuilt from the inbox "
              "by the merger (delete the old file once it is no longer needed)", path, reason, target.name)
    return target
