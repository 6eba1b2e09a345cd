"""The downlink queue: messages for nodes, numbered per node, sealed on request.

A broadcast (e.g. a new city subject dictionary) is fanned out to one entry per active node
so that each node sees its own gap-free sequence.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.fleet.keyring import HubKeys
from hub.fleet.models import Node
from hub.fleet.operations import node_public_keys
from hub.sync.models import DownlinkEntry
from protocol import downlink, envelope
from protocol.keys import KeyPair

MAX_MESSAGES_PER_PULL = 500

# The city's subject dictionary (kept short and standard; the city can publish its own).
STANDARD_SUBJECTS = (
    ("pol", "Język polski"), ("mat", "Matematyka"), ("ang", "Język angielski"), ("niem", "Język niemiecki"),
    ("his", "Historia"), ("wos", "Wiedza o społeczeństwie"), ("geo", "Geografia"), ("bio", "Biologia"),
    ("chem", "Chemia"), ("fiz", "Fizyka"), ("inf", "Informatyka"), ("wf", "Wychowanie fizyczne"),
    ("muz", "Muzyka"), ("plas", "Plastyka"), ("tech", "Technika"), ("przyr", "Przyroda"),
    ("edb", "Edukacja dla bezpieczeństwa"), ("rel", "Religia"), ("ety", "Etyka"),
    ("wdz", "Wychowanie do życia w rodzinie"), ("ewcz", "Edukacja wczesnoszkolna"),
    ("zw", "Zajęcia z wychowawcą"), ("dor", "Doradztwo zawodowe"), ("hit", "Historia i teraźniejszość"),
    ("biz", "Biznes i zarządzanie"),
)


def enqueue(session: Session, node_id: str, kind: str, body: dict[str, Any]) -> DownlinkEntry:
    """Queue a message for one node with the next sequence number (under the write lock)."""
    if kind not in downlink.KINDS:
        raise ValueError(f"unknown downlink kind {kind!r}")
    last = session.scalar(select(func.max(DownlinkEntry.seq)).where(DownlinkEntry.node_id == node_id)) or 0
    entry = DownlinkEntry(node_id=node_id, seq=last + 1, kind=kind, body=json.dumps(body, ensure_ascii=False))
    session.add(entry)
    session.flush()
    return entry


def broadcast(session: Session, kind: str, body: dict[str, Any]) -> int:
    """Queue a message for every active node; return how many got it."""
    nodes = list(session.scalars(select(Node.id).where(Node.status == "active")))
    for node_id in nodes:
        enqueue(session, node_id, kind, body)
    return len(nodes)


def subjects_body(subjects: tuple[tuple[str, str], ...] = STANDARD_SUBJECTS) -> dict[str, Any]:
    """The body of a ``city_subjects`` message."""
    return {"subjects": [{"code": code, "name": name} for code, name in subjects]}


def seal_pending(session: Session, node: Node, after: int, keys: HubKeys,
                 signer: KeyPair | None = None) -> bytes | None:
    """Seal the messages after ``after`` for ``node`` into a downlink envelope; None if none wait.

    ``signer`` is the hub key the node trusts (during a hub key rotation, maybe the old one).
    """
    entries = list(session.scalars(
        select(DownlinkEntry).where(DownlinkEntry.node_id == node.id, DownlinkEntry.seq > after)
        .order_by(DownlinkEntry.seq).limit(MAX_MESSAGES_PER_PULL)
    ))
    if not entries:
        return None
    messages = [downlink.Message(e.seq, e.kind, json.loads(e.body)) for e in entries]
    public = node_public_keys(node)
    return envelope.seal(
        kind="downlink", sender_id=keys.hub_id, sender_keys=signer or keys.current, recipient_id=node.id,
        recipient_kid=public.kid, recipient_kex=public.kex, payload=downlink.encode(messages),
        epoch=f"hub-{keys.hub_id}", first_seq=messages[0].seq, last_seq=messages[-1].seq, count=len(messages),
        schema=downlink.SCHEMA,
    )
