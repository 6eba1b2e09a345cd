"""Exporting the analytical layer as partitioned Parquet, for any engine (DuckDB, Spark, Trino).

Only the entity tables are exported: they hold no names, PESEL or contact data (the merger keeps
pseudonymised keys and reduced dates only — tests/hub/test_warehouse_privacy.py). The warehouse's
bookkeeping (``_merge_state``, ``_held``, ``_owner_request``) and the rejected-change log stay home.
Each table is written as ``<dir>/<table>/_rspo=<school>/data_0.parquet`` (hive partitioning by
school), so a reader can prune to the schools it needs. Never writes outside ``target``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.entities import ENTITIES


@dataclass(frozen=True)
class ExportedTable:
    """One table written: its rows and the number of school partitions."""

    name: str
    rows: int
    partitions: int


def export_parquet(cur: Any, target: Path, *, replace: bool = False) -> list[ExportedTable]:
    """Write every entity table under ``target`` (which must be empty or absent unless ``replace``)."""
    target = target.resolve()
    if target.exists() and any(target.iterdir()):
        if not replace:
            raise FileExistsError(f"{target} is not empty (use --replace to overwrite it)")
        shutil.rmtree(target)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ENTITIES:
        rows = int(cur.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
        out = target / name
        if rows:
            cur.execute(f"COPY (SELECT * FROM \"{name}\") TO '{_quote(out)}' "
                        "(FORMAT PARQUET, PARTITION_BY (_rspo), COMPRESSION ZSTD)")
        else:  # an empty table still gets its schema, so readers find every table
            out.mkdir()
            cur.execute(f"COPY (SELECT * FROM \"{name}\") TO '{_quote(out / 'empty.parquet')}' (FORMAT PARQUET)")
        partitions = sum(1 for p in out.iterdir() if p.is_dir())
        written.append(ExportedTable(name, rows, partitions))
    return written


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
