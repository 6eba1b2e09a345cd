"""Keeping an uploaded import file on the server between its preview and the confirmation.

The file is written to ``<data dir>/uploads/`` under a random token (``secrets.token_urlsafe``) with
a small JSON note of who uploaded it, what kind of import it is for, its original name and when.
Only a token of the exact generated form is ever turned into a path (no user text reaches the
file system), a file is handed back only to the account that uploaded it, files older than
:data:`MAX_AGE` are removed at every upload, and confirming or cancelling removes the file at once.
The uploads directory is outside anything the web app serves. No database access here.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

MAX_AGE = 3600  # seconds a preview stays confirmable
SUFFIXES = (".csv", ".xlsx")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class Upload:
    """A stored file waiting for confirmation."""

    token: str
    path: Path
    kind: str
    user_id: int
    filename: str


def _note(directory: Path, token: str) -> Path:
    return directory / f"{token}.json"


def store(directory: Path, data: bytes, *, filename: str, kind: str, user_id: int) -> Upload:
    """Save ``data`` under a new token (removing stale uploads first) and return it."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    clean_up(directory)
    suffix = Path(filename).suffix.lower()
    suffix = suffix if suffix in SUFFIXES else ".csv"
    token = secrets.token_urlsafe(24)  # 32 characters
    path = directory / f"{token}{suffix}"
    path.write_bytes(data)
    _note(directory, token).write_text(json.dumps(
        {"kind": kind, "user_id": user_id, "filename": filename[:200], "suffix": suffix, "at": time.time()}))
    return Upload(token, path, kind, user_id, filename[:200])


def load(directory: Path, token: str, *, kind: str, user_id: int) -> Upload | None:
    """The upload of ``token`` if it exists, is fresh, is for ``kind`` and belongs to ``user_id``; else None."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    note = _note(directory, token)
    try:
        meta = json.loads(note.read_text())
    except (OSError, ValueError):
        return None
    path = directory / f"{token}{meta.get('suffix', '.csv')}"
    if (meta.get("kind") != kind or meta.get("user_id") != user_id or not path.exists()
            or time.time() - float(meta.get("at", 0)) > MAX_AGE):
        return None
    return Upload(token, path, kind, user_id, str(meta.get("filename", "")))


def discard(directory: Path, token: str) -> None:
    """Remove the upload of ``token`` (file and note); nothing happens for an unknown token."""
    if not _TOKEN.fullmatch(token or ""):
        return
    for suffix in (*SUFFIXES, ".json"):
        (directory / f"{token}{suffix}").unlink(missing_ok=True)


def clean_up(directory: Path, now: float | None = None) -> int:
    """Remove uploads older than :data:`MAX_AGE`; return how many files were removed."""
    now = time.time() if now is None else now
    removed = 0
    for path in directory.glob("*"):
        try:
            if path.is_file() and now - path.stat().st_mtime > MAX_AGE:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
