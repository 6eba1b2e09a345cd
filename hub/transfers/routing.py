"""Routing transfers between city schools, after each merge cycle (in the merger thread, under its lock).

* **Directory.** Every active node gets the city's institution list (``city_institutions``) when it
  changes — which schools exist and which are connected, so a secretary can only choose a school
  the record can reach.
* **Offer.** A sending school's ``pupil_transfer`` (out, in the city, pending) that has no route
  yet is offered to the receiving school's node with the pupil's package
  (:mod:`hub.transfers.package`); without an active node there, the sender hears back
  ``undeliverable``.
* **Withdrawal.** When the sender cancels a transfer still offered, the receiver is told.
* **Decision.** When the receiver's ``transfer_decision`` has been merged, the sender gets the
  outcome: accepted (ownership has moved, :mod:`hub.transfers.ownership`) or rejected with the
  reason, which is read from the inbox (the warehouse never holds free text about people).

Exactly once: each step queues its downlink message in the same OLTP transaction that moves the
route's state (:class:`hub.transfers.models.TransferRoute`); the warehouse is only read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import Database, utcnow
from hub.fleet.models import Institution, Node
from hub.sync import downlink
from hub.sync.models import InboxBatch
from hub.transfers import package
from hub.transfers.models import DirectorySent, TransferRoute

log = logging.getLogger(__name__)


def directory_body(session: Session) -> dict[str, Any]:
    """The ``city_institutions`` body: every institution, and whether a node of it is active."""
    connected = set(session.scalars(select(Node.rspo).where(Node.status == "active")))
    return {"institutions": [
        {"rspo": i.rspo, "name": i.name, "kind": i.kind, "district": i.district, "connected": i.rspo in connected}
        for i in session.scalars(select(Institution).order_by(Institution.rspo))]}


def publish_directory(session: Session) -> int:
    """Queue the institution list for every active node that has not got this version; return how many."""
    body = directory_body(session)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    sent = dict(session.execute(select(DirectorySent.node_id, DirectorySent.digest)).all())
    queued = 0
    for node_id in session.scalars(select(Node.id).where(Node.status == "active").order_by(Node.id)):
        if sent.get(node_id) == digest:
            continue
        downlink.enqueue(session, node_id, "city_institutions", body)
        row = session.get(DirectorySent, node_id)
        if row is None:
            session.add(DirectorySent(node_id=node_id, digest=digest))
        else:
            row.digest, row.sent_at = digest, utcnow()
        queued += 1
    return queued


def _active_node(session: Session, rspo: str) -> str | None:
    return session.scalar(select(Node.id).where(Node.rspo == rspo, Node.status == "active")
                          .order_by(Node.enrolled_at.desc()).limit(1))


def _names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Institution.rspo, Institution.name)).all())


def _offer(cur: Any, session: Session, names: dict[str, str]) -> int:
    """Offer every new pending transfer to its receiving school."""
    rows = cur.execute("""
        SELECT CAST(id AS VARCHAR), CAST(pupil_id AS VARCHAR), _node_id, _rspo, other_rspo, transfer_on, handover
        FROM pupil_transfer WHERE direction = 'out' AND in_city AND status = 'pending' ORDER BY _inbox_id, _seq
    """).fetchall()
    routed = set(session.scalars(select(TransferRoute.transfer_id).where(
        TransferRoute.transfer_id.in_([r[0] for r in rows])))) if rows else set()
    queued = 0
    for transfer_id, pupil_id, from_node, from_rspo, to_rspo, transfer_on, handover in rows:
        if transfer_id in routed:
            continue
        to_node = _active_node(session, to_rspo) if to_rspo != from_rspo else None
        state = "offered" if to_node else "undeliverable"
        if to_node:
            downlink.enqueue(session, to_node, "transfer_offer", {
                "transfer_id": transfer_id, "pupil_id": pupil_id, "from_rspo": from_rspo,
                "from_name": names.get(from_rspo, from_rspo), "transfer_on": transfer_on.isoformat(),
                "handover": handover or "", "schools": names, "records": package.build(cur, session, pupil_id)})
        else:
            downlink.enqueue(session, from_node, "transfer_outcome", {
                "transfer_id": transfer_id, "outcome": "undeliverable", "to_name": names.get(to_rspo, to_rspo)})
        session.add(TransferRoute(transfer_id=transfer_id, pupil_id=pupil_id, from_node=from_node,
                                  from_rspo=from_rspo, to_rspo=to_rspo or "", to_node=to_node, state=state))
        queued += 1
    return queued


def _reason(session: Session, inbox_id: int, seq: int) -> str | None:
    """The decision's reason, read from the inbox (the warehouse drops free text)."""
    batch = session.execute(select(InboxBatch.first_seq, InboxBatch.payload_zlib)
                            .where(InboxBatch.id == inbox_id)).one()
    line = zlib.decompress(batch.payload_zlib).decode("utf-8").split("\n")[seq - batch.first_seq]
    reason = (json.loads(line).get("data") or {}).get("reason")
    return str(reason) if reason else None


def _follow(cur: Any, session: Session, names: dict[str, str]) -> int:
    """Withdrawals by the sender and decisions by the receiver of the routes still offered."""
    offered = list(session.scalars(select(TransferRoute).where(TransferRoute.state == "offered")))
    if not offered:
        return 0
    ids = [r.transfer_id for r in offered]
    status = dict(cur.execute("SELECT CAST(id AS VARCHAR), status FROM pupil_transfer "
                              "WHERE list_contains(?, CAST(id AS VARCHAR))", [ids]).fetchall())
    decisions: dict[str, tuple] = {}
    for row in cur.execute("""
            SELECT CAST(transfer_id AS VARCHAR), _node_id, accepted, decided_on, _inbox_id, _seq
            FROM transfer_decision WHERE list_contains(?, CAST(transfer_id AS VARCHAR))
            ORDER BY accepted, _inbox_id, _seq""", [ids]).fetchall():
        decisions[row[0]] = row  # an acceptance, if any, wins (ordered last)
    moved = {r[0] for r in cur.execute("SELECT DISTINCT transfer_id FROM _ownership_move "
                                       "WHERE list_contains(?, transfer_id)", [ids]).fetchall()}
    queued = 0
    for route in offered:
        decision = decisions.get(route.transfer_id)
        if decision is not None and decision[1] == route.to_node:
            _, _, accepted, decided_on, inbox_id, seq = decision
            body: dict[str, Any] = {"transfer_id": route.transfer_id, "to_name": names.get(route.to_rspo, ""),
                                    "decided_on": decided_on.isoformat() if decided_on else None}
            if accepted and route.transfer_id in moved:
                route.state = "accepted"
                downlink.enqueue(session, route.from_node, "transfer_outcome", {**body, "outcome": "accepted"})
            elif accepted:
                route.state = "not_completed"  # withdrawn before the acceptance arrived: nothing moved
                log.warning("transfer %s accepted by %s after it stopped pending: ownership unchanged",
                            route.transfer_id, route.to_rspo)
            else:
                route.state = "rejected"
                downlink.enqueue(session, route.from_node, "transfer_outcome", {
                    **body, "outcome": "rejected", "reason": _reason(session, inbox_id, seq)})
        elif status.get(route.transfer_id) == "cancelled" and route.to_node:
            route.state = "withdrawn"
            downlink.enqueue(session, route.to_node, "transfer_withdrawn", {"transfer_id": route.transfer_id})
        else:
            continue
        route.updated_at = utcnow()
        queued += 1
    return queued


def _has_work(cur: Any, db: Database) -> bool:
    """Whether anything may need routing (checked on a read session: most merge cycles have nothing to do)."""
    with db.reading() as session:
        body = directory_body(session)
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        active = set(session.scalars(select(Node.id).where(Node.status == "active")))
        current = set(session.scalars(select(DirectorySent.node_id).where(DirectorySent.digest == digest)))
        if active - current:
            return True
        if session.scalar(select(TransferRoute.transfer_id).where(TransferRoute.state == "offered").limit(1)):
            return True
        pending = [r[0] for r in cur.execute("SELECT CAST(id AS VARCHAR) FROM pupil_transfer WHERE direction = 'out' "
                                             "AND in_city AND status = 'pending'").fetchall()]
        return bool(pending) and len(set(session.scalars(select(TransferRoute.transfer_id).where(
            TransferRoute.transfer_id.in_(pending))))) < len(pending)


def route_transfers(cur: Any, db: Database) -> int:
    """Publish the directory and move every transfer on as far as the warehouse allows; return messages queued."""
    if not _has_work(cur, db):
        return 0
    with db.transaction() as session:
        names = _names(session)
        queued = publish_directory(session)
        queued += _offer(cur, session, names)
        queued += _follow(cur, session, names)
    if queued:
        log.info("queued %d transfer messages", queued)
    return queued
