"""Named failpoints for crash tests: kill this process with SIGKILL at an exact point.

``ZSZO_FAILPOINTS=node.after_send_before_ack,hub.after_inbox_commit_before_reply`` (read once, at
import) arms the listed points; :func:`failpoint` at an armed point sends SIGKILL to its own
process — no cleanup, no flush, exactly what a power cut or ``kill -9`` does. Unarmed, a point
costs one set lookup. Testing only: production never sets the variable (docs/operations.md).
An unknown name in the variable stops the process at start: a misspelt point would otherwise
make a crash test pass without ever crashing.

This module must never do anything but die at an armed point: no logging, no I/O, no state.
In-process tests (tests/faults/test_stateful.py) replace :data:`ARMED` and :func:`_die` to turn
the kill into an exception they catch.
"""

from __future__ import annotations

import os
import signal

POINTS = {
    "node.after_send_before_ack": "the hub answered a batch; the node dies before storing the ack",
    "node.after_pull_before_apply": "the node received a downlink envelope; it dies before applying it",
    "hub.after_inbox_commit_before_reply": "the batch is durably in the inbox; the hub dies before answering",
    "merger.mid_transaction": "the merger wrote some rows of a cycle; it dies before committing",
}


def _armed(value: str) -> frozenset[str]:
    names = frozenset(p.strip() for p in value.split(",") if p.strip())
    unknown = sorted(names - POINTS.keys())
    if unknown:
        raise ValueError(f"ZSZO_FAILPOINTS names unknown failpoints {unknown}; known: {sorted(POINTS)}")
    return names


ARMED = _armed(os.environ.get("ZSZO_FAILPOINTS", ""))


def _die(name: str) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def failpoint(name: str) -> None:
    """Die here (SIGKILL) if ``name`` is armed."""
    if name in ARMED:
        _die(name)
