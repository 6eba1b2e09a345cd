"""Private key files of the node and the hub: created owner-only and durable, replaced atomically.

A key file is never world-readable, not even for a moment (created with mode 0600, never
chmod-ed afterwards), and a rotation never leaves a half-written key behind.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Create ``path`` (it must not exist) with mode 0600 holding ``text``, flushed to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def replace(source: Path, target: Path) -> None:
    """Move ``source`` over ``target`` atomically and make the rename durable."""
    os.replace(source, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
