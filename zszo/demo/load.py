"""Writing the demo city: generated institutions → node databases and a ``city.json`` manifest.

Each institution gets a fresh node database (``Database`` + ``prepare``: migrations, capture
triggers, pragmas) filled in one transaction with SQLAlchemy Core ``executemany`` inserts in
the protocol's dependency order. The inserts go through the normal engine on purpose: the
capture triggers put every row into ``sync_outbox``, so a node's first sync uploads its school.
Every record is validated with the protocol's rules before anything is written, so a broken
generator fails loudly instead of storing what the hub would reject.

This module never overwrites an existing database: the demo is written into a fresh directory.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from node_agent.auth.operations import create_user
from node_agent.db import Database, prepare
from node_agent.grades.models import GradeHistory
from node_agent.models import SYNCED_MODELS
from node_agent.records import ValidationFailed
from protocol.entities import ENTITIES, dependency_order
from protocol.fields import FieldType
from zszo.demo.generator import SCHOOL_YEAR, GeneratedSchool, generate_school
from zszo.demo.plan import InstitutionPlan, city_plan

MANIFEST = "city.json"


class DemoExists(FileExistsError):
    """The output already holds a demo node database; the demo never overwrites one."""


@dataclass(frozen=True)
class LoadStats:
    """What :func:`load_school` wrote: rows per synced table, outbox rows and demo accounts."""

    counts: dict[str, int]
    outbox: int
    users: int


def _python_rows(name: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wire records → column values (``datetime.date`` for dates, ``bool`` for booleans)."""
    entity = ENTITIES[name]
    dates = [f.name for f in entity.fields if f.type is FieldType.DATE]
    bools = [f.name for f in entity.fields if f.type is FieldType.BOOL]
    rows = []
    for record in records:
        row = dict(record)
        for key in dates:
            if row.get(key) is not None:
                row[key] = dt.date.fromisoformat(row[key])
        for key in bools:
            if row.get(key) is not None:
                row[key] = bool(row[key])
        rows.append(row)
    return rows


def check_records(school: GeneratedSchool) -> None:
    """Raise :class:`ValidationFailed` for the first record that breaks a protocol rule."""
    for name, records in school.records.items():
        entity = ENTITIES[name]
        for record in records:
            errors = entity.validate(record)
            if errors:
                raise ValidationFailed(errors)


def grade_history(school: GeneratedSchool) -> list[dict[str, Any]]:
    """The history rows the gradebook keeps for each generated grade: created by its teacher, on its date.

    The node's operations write the same rows (record as sorted JSON, author's account and staff
    member); a teacher with a demo login is named by it, the others as ``demo``.
    """
    usernames = {x.staff_member_id: x.username for x in school.logins if x.staff_member_id}
    rows = []
    for name in ("grade", "term_grade"):
        for record in school.records.get(name, []):
            rows.append({"entity": name, "record_id": record["id"], "action": "create", "before": None,
                         "after": json.dumps(record, ensure_ascii=False, sort_keys=True),
                         "username": usernames.get(record["teacher_id"], "demo"),
                         "staff_member_id": record["teacher_id"],
                         "changed_at": dt.datetime.combine(dt.date.fromisoformat(record["given_on"]), dt.time(12))})
    return rows


def load_school(db_path: Path, school: GeneratedSchool, *, backups: Path) -> LoadStats:
    """Create the node database at ``db_path`` and write ``school`` into it in one transaction.

    Raises :class:`DemoExists` if ``db_path`` exists and :class:`ValidationFailed` if a record
    is invalid (checked before the database is created).
    """
    if db_path.exists():
        raise DemoExists(db_path)
    check_records(school)
    db = Database(db_path)
    try:
        prepare(db, backups)
        with db.transaction() as session:
            for name in dependency_order():
                rows = school.records.get(name)
                if rows:
                    session.execute(insert(SYNCED_MODELS[name].__table__), _python_rows(name, rows))
            for login in school.logins:
                create_user(session, username=login.username, display_name=login.display_name,
                            role=login.role, password=login.password, staff_member_id=login.staff_member_id)
            history = grade_history(school)
            if history:
                session.execute(insert(GradeHistory.__table__), history)
        with db.engine.connect() as conn:
            counts = {name: conn.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar_one()
                      for name in dependency_order()}
            outbox = conn.exec_driver_sql("SELECT count(*) FROM sync_outbox").scalar_one()
    finally:
        db.dispose()
    return LoadStats(counts, outbox, len(school.logins))


def node_path(out_dir: Path, rspo: str) -> Path:
    """Where the node database of the institution with ``rspo`` lives under ``out_dir``."""
    return out_dir / "nodes" / rspo / "node.sqlite"


def _manifest_entry(school: GeneratedSchool, out_dir: Path, stats: LoadStats) -> dict[str, Any]:
    plan = school.plan
    return {
        "index": plan.index, "rspo": plan.rspo, "id": school.school["id"], "name": plan.name,
        "kind": plan.kind, "type": plan.type, "district": plan.district,
        "db": node_path(out_dir, plan.rspo).relative_to(out_dir).as_posix(),
        "pupils": school.pupils, "teachers": school.teachers, "counts": stats.counts,
        "logins": [{"username": x.username, "password": x.password, "role": x.role,
                    "display_name": x.display_name} for x in school.logins],
    }


def _totals(entries: list[Mapping[str, Any]]) -> dict[str, Any]:
    counts = {name: sum(e["counts"][name] for e in entries) for name in dependency_order()}
    kinds: dict[str, int] = {}
    for entry in entries:
        kinds[entry["kind"]] = kinds.get(entry["kind"], 0) + 1
    return {"institutions": len(entries), "pupils": sum(e["pupils"] for e in entries),
            "teachers": sum(e["teachers"] for e in entries), "kinds": kinds, "counts": counts}


def _build(out_dir: Path, plan: InstitutionPlan, seed: int, scale: float, term_weeks: int | None) -> dict[str, Any]:
    """Generate and load one institution; return its manifest entry (runs in a worker process)."""
    school = generate_school(plan, seed=seed, scale=scale, term_weeks=term_weeks)
    path = node_path(out_dir, plan.rspo)
    stats = load_school(path, school, backups=path.parent / "backups")
    return _manifest_entry(school, out_dir, stats)


def write_city(out_dir: Path, *, schools: int | None = None, seed: int = 2026, scale: float = 1.0,
               jobs: int = 1, on_school: Callable[[dict[str, Any]], None] | None = None,
               term_weeks: int | None = 0) -> dict[str, Any]:
    """Generate and load the city (or its first ``schools`` institutions) into ``out_dir``.

    Writes ``out_dir/nodes/<rspo>/node.sqlite`` per institution and ``out_dir/city.json``
    (database paths in it are relative to ``out_dir``); returns the manifest. ``scale`` shrinks
    class sizes for quick runs; ``jobs`` > 1 builds institutions in that many worker processes
    (the result is the same: each institution depends only on the seed and its index). ``term_weeks``:
    the school term of :mod:`zszo.demo.term` (0 none, ``None`` from 1 September, N the last N weeks).
    ``on_school`` is called with each institution's manifest entry as it is finished.
    Refuses (:class:`DemoExists`) to touch an existing demo; the manifest is written last.
    """
    if (out_dir / MANIFEST).exists() or (out_dir / "nodes").exists():
        raise DemoExists(out_dir / MANIFEST)
    out_dir.mkdir(parents=True, exist_ok=True)
    plans = city_plan(seed)[:schools]
    entries: dict[int, dict[str, Any]] = {}
    if jobs <= 1:
        for plan in plans:
            entries[plan.index] = _build(out_dir, plan, seed, scale, term_weeks)
            if on_school is not None:
                on_school(entries[plan.index])
    else:
        # spawn, not fork: workers start clean, without the parent's engines or threads.
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(_build, out_dir, plan, seed, scale, term_weeks) for plan in plans]
            for future in as_completed(futures):
                entry = future.result()
                entries[entry["index"]] = entry
                if on_school is not None:
                    on_school(entry)
    ordered = [entries[plan.index] for plan in plans]
    manifest = {"seed": seed, "scale": scale, "term_weeks": term_weeks, "school_year": SCHOOL_YEAR, "schools": ordered,
                "totals": _totals(ordered)}
    tmp = out_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / MANIFEST)
    return manifest
