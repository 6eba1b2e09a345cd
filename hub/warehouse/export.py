"""Exporting the analytical layer as partitioned Parquet, for any engine (DuckDB, Spark, Trino).

The entity tables are exported — they hold no names, PESEL or contact data (the merger keeps
pseudonymised keys and reduced dates only — tests/hub/test_warehouse_privacy.py) — and, once the
analytical model has been built (:mod:`hub.warehouse.model`), its dimension and aggregate tables.
The warehouse's bookkeeping (``_merge_state``, ``_held``, ``_owner_request``) and the
rejected-change log stay home. Each entity table is written as
``<dir>/<table>/_rspo=<school>/data_0.parquet`` (hive partitioning by school), each model table
with a school column as ``<dir>/<table>/rspo=<school>/…``, so a reader can prune to the schools it
needs; ``dim_date`` (no school) is one file. Never writes outside ``target``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.warehouse import model
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
    tables = [(name, "_rspo") for name in ENTITIES]
    if model.is_built(cur):
        tables += [(name, _school_column(cur, name)) for name in model.MODEL_TABLES]
    return [_export_table(cur, target, name, school) for name, school in tables]


def _school_column(cur: Any, table: str) -> str | None:
    found = cur.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = 'rspo'",
                        [table]).fetchone()[0]
    return "rspo" if found else None


def _export_table(cur: Any, target: Path, name: str, school: str | None) -> ExportedTable:
    rows = int(cur.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
    out = target / name
    if rows and school:
        cur.execute(f"COPY (SELECT * FROM \"{name}\") TO '{_quote(out)}' "
                    f"(FORMAT PARQUET, PARTITION_BY ({school}), COMPRESSION ZSTD)")
    else:  # one file; an empty table still gets its schema, so readers find every table
        out.mkdir()
        file = "data_0.parquet" if rows else "empty.parquet"
        cur.execute(f"COPY (SELECT * FROM \"{name}\") TO '{_quote(out / file)}' (FORMAT PARQUET, COMPRESSION ZSTD)")
    return ExportedTable(name, rows, sum(1 for p in out.iterdir() if p.is_dir()))


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
