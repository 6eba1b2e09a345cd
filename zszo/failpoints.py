"""Named failpoints for crash tests: kill this process with SIGKILL at an exact point.

``ZSZO_FAILPOINTS=node.after_send_before_ack,hub.after_inbox_commit_before_reply`` (read once, at
import) arms the listed points; :func:`failpoint` at an armed point sends SIGKILL to its own
process — no cleanup, no flush, exactly what a power cut or ``kill -9`` does. Unarmed, a point
costs one set lookup. Testing only: production never sets the variable (docs/operations.md).

Points:

* ``node.after_send_before_ack`` — the hub answered a batch; the node dies before storing the ack.
* ``hub.after_inbox_commit_before_reply`` — the batch is durably in the inbox; the hub dies before
  answering.
* ``merger.mid_transaction`` — the merger wrote some rows of a cycle and dies before committing.
"""

from __future__ import annotations

import os
import signal

ARMED = frozenset(p.strip() for p in os.environ.get("ZSZO_FAILPOINTS", "").split(",") if p.strip())


def failpoint(name: str) -> None:
    """Die here (SIGKILL) if ``name`` is armed."""
    if name in ARMED:
        os.kill(os.getpid(), signal.SIGKILL)
