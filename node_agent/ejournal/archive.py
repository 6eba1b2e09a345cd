"""Exporting and verifying the yearly e-journal archive on the node: build, sign with the node's key, write.

The node signs with the Ed25519 key it already uses for sync (``paths.keys``); the hub knows that
key from enrolment, so the city can verify an archive file without the school (``zszo hub ejournal
verify``). After a key rotation the node's old files stay verifiable with the old public key
(``--public-key``) or at the hub, which keeps retired keys.

Read-only on the database; writes only the files it is asked to, each atomically (a half-written
archive file never appears under its final name).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from node_agent.ejournal import build
from node_agent.grades.models import GradeHistory
from node_agent.register.models import ClassUnit
from node_agent.sync.models import SyncState
from protocol import ejournal
from protocol.keys import KeyPair


@dataclass(frozen=True)
class ExportedFile:
    """One written archive file."""

    class_name: str
    path: Path
    size: int


def file_name(year_label: str, unit: ClassUnit) -> str:
    """``dziennik-2025-2026-4b.xml``: the school year and class name, safe in any file system."""
    name = re.sub(r"[^0-9A-Za-z_-]+", "_", unit.name.encode("ascii", "ignore").decode() or unit.id)
    return f"dziennik-{year_label.replace('/', '-')}-{name}-{unit.id[:8]}.xml"


def signed_class(session: Session, keys: KeyPair, unit: ClassUnit, history: list[GradeHistory], *,
                 now: dt.datetime) -> bytes:
    """The signed archive file of ``unit`` (bytes)."""
    row = session.get(SyncState, 1)
    journal = build.build_journal(session, unit, history, generated_at=now,
                                  node_id=row.node_id if row else None)
    return ejournal.sign(journal, keys.sign, keys.public, signed_at=now)


def export(session: Session, keys: KeyPair, *, year_label: str, class_ref: str | None, out_dir: Path,
           now: dt.datetime | None = None) -> list[ExportedFile]:
    """Write one signed file per class of the school year ``year_label`` (or just ``class_ref``) into ``out_dir``."""
    now = now or dt.datetime.now(dt.UTC)
    year = build.school_year(session, year_label)
    units = build.classes(session, year, class_ref)
    history = build.history_by_class(session, year)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for unit in units:
        data = signed_class(session, keys, unit, history.get(unit.id, []), now=now)
        path = out_dir / file_name(year.label, unit)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        written.append(ExportedFile(unit.name, path, len(data)))
    return written
