"""Forwarding non-owner writes to the owner node as change requests (downlink ``change_request``).

Every school entity has one owner: the node that created the row (or, after a transfer, the one
ownership moved to). The merger never applies another node's change to it — the owner's version
wins everywhere, deterministically — but it records the refused change in the warehouse table
``_owner_request`` in the same transaction. This module then sends each one, with the proposed
record read back from the inbox, to the owner, whose staff accept it (it becomes the owner's own
write) or reject it. The losing version is thus never lost: it stays in the inbox and is shown to
the owner's administrator.

Exactly once across the two stores: the OLTP row ``forwarded_request`` (primary key
``inbox:seq``) and the downlink message are written in one transaction; only then is the DuckDB
row marked forwarded. A crash in between finds the OLTP row on the next run and only marks it.
"""

from __future__ import annotations

import json
import logging
import zlib
from typing import Any

from sqlalchemy import select

from hub.db import Database
from hub.fleet.models import Institution, Node
from hub.ownership.models import ForwardedRequest
from hub.sync import downlink
from hub.sync.models import InboxBatch

log = logging.getLogger(__name__)
BATCH = 1000


def forward_requests(cur: Any, db: Database) -> int:
    """Forward the pending requests recorded by the merger; return how many were handled."""
    rows = cur.execute(
        "SELECT inbox_id, seq, entity, pk, from_node, owner_node FROM _owner_request WHERE NOT forwarded "
        "ORDER BY inbox_id, seq LIMIT ?", [BATCH]).fetchall()
    if not rows:
        return 0
    with db.transaction() as session:
        batches = {row.id: row for row in session.execute(
            select(InboxBatch.id, InboxBatch.first_seq, InboxBatch.payload_zlib, InboxBatch.rspo)
            .where(InboxBatch.id.in_({r[0] for r in rows})))}
        lines = {inbox_id: zlib.decompress(b.payload_zlib).decode("utf-8").split("\n")
                 for inbox_id, b in batches.items()}
        names = dict(session.execute(select(Institution.rspo, Institution.name)).all())
        for inbox_id, seq, entity, pk, from_node, owner_node in rows:
            request_id = f"{inbox_id}:{seq}"
            if session.get(ForwardedRequest, request_id) is not None:
                continue  # sent before a crash: only the warehouse mark is missing
            batch = batches[inbox_id]
            change = json.loads(lines[inbox_id][seq - batch.first_seq])
            owner = session.get(Node, owner_node)
            outcome = "forwarded" if owner is not None and owner.status == "active" else "owner_inactive"
            if outcome == "forwarded":
                downlink.enqueue(session, owner_node, "change_request", {
                    "request_id": request_id, "from_rspo": batch.rspo, "from_name": names.get(batch.rspo, ""),
                    "entity": entity, "pk": pk, "op": change["op"], "data": change["data"], "ts": change["ts"],
                })
            session.add(ForwardedRequest(id=request_id, entity=entity, pk=pk, from_node=from_node,
                                         owner_node=owner_node, outcome=outcome))
    cur.executemany("UPDATE _owner_request SET forwarded = true WHERE inbox_id = ? AND seq = ?",
                    [(r[0], r[1]) for r in rows])
    log.info("forwarded %d change requests to their owners", len(rows))
    return len(rows)
