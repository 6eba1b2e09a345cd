"""Pupil pseudonyms: HMAC-SHA256 under a city key that never enters the warehouse.

A plain hash of a PESEL could be reversed by trying the ~10^8 plausible numbers; a keyed HMAC
cannot without the key. The key file lives outside the warehouse directory's backups (setting
``paths.pseudonym_key``); losing it means new pseudonyms, not lost data (rebuild the warehouse).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


def load_or_create_key(path: Path) -> bytes:
    """Read the 32-byte key at ``path`` or create it (mode 0600) on first use."""
    if path.exists():
        key = bytes.fromhex(path.read_text().strip())
        if len(key) != 32:
            raise ValueError(f"{path}: the pseudonym key must be 64 hex characters")
        return key
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex() + "\n")
    return key


def identifier(pesel: str | None, document_type: str | None, document_number: str | None) -> str | None:
    """The identifier a pupil is known by: the PESEL, or the document when there is none."""
    if pesel:
        return f"pesel:{pesel}"
    if document_type and document_number:
        return f"doc:{document_type}:{document_number.upper().replace(' ', '')}"
    return None


def pupil_key(key: bytes, pesel: str | None, document_type: str | None, document_number: str | None) -> str | None:
    """HMAC-SHA256 (hex) of the pupil's identifier, or None without one."""
    ident = identifier(pesel, document_type, document_number)
    if ident is None:
        return None
    return hmac.new(key, ident.encode("utf-8"), hashlib.sha256).hexdigest()
