"""Read-only queries of the fleet pages: institutions with the state of their servers, enrolment
codes (never the code itself: only its hash is stored), nodes, security events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.fleet.models import EnrolmentToken, Institution, Node
from hub.sync.models import NodeContact, SecurityEvent
from zszo.web.text import polish_key


@dataclass(frozen=True)
class InstitutionRow:
    """An institution and what the hub knows about its school server."""

    institution: Institution
    node_state: str  # "enrolled", "revoked", "waiting" (an unused code is valid), "none"
    active_node_id: str | None


def _node_state(nodes: list[Node], tokens: list[EnrolmentToken], now: dt.datetime) -> tuple[str, str | None]:
    active = [n for n in nodes if n.status == "active"]
    if active:
        return "enrolled", active[0].id
    if any(t.used_at is None and t.expires_at >= now for t in tokens):
        return "waiting", None
    if nodes:
        return "revoked", None
    return "none", None


def institutions(session: Session, now: dt.datetime) -> list[InstitutionRow]:
    """Every institution in Polish alphabetical order, with the state of its server."""
    nodes: dict[str, list[Node]] = {}
    for node in session.scalars(select(Node).order_by(Node.enrolled_at)):
        nodes.setdefault(node.rspo, []).append(node)
    tokens: dict[str, list[EnrolmentToken]] = {}
    for token in session.scalars(select(EnrolmentToken)):
        tokens.setdefault(token.rspo, []).append(token)
    rows = [InstitutionRow(i, *_node_state(nodes.get(i.rspo, []), tokens.get(i.rspo, []), now))
            for i in session.scalars(select(Institution))]
    return sorted(rows, key=lambda row: (polish_key(row.institution.name), row.institution.rspo))


def institution_row(session: Session, rspo: str, now: dt.datetime) -> InstitutionRow | None:
    """One institution with the state of its server, or None."""
    institution = session.get(Institution, rspo)
    if institution is None:
        return None
    nodes = list(session.scalars(select(Node).where(Node.rspo == rspo).order_by(Node.enrolled_at)))
    tokens = list(session.scalars(select(EnrolmentToken).where(EnrolmentToken.rspo == rspo)))
    return InstitutionRow(institution, *_node_state(nodes, tokens, now))


@dataclass(frozen=True)
class TokenRow:
    """An enrolment code's record (the code itself is not known to the hub any more)."""

    token: EnrolmentToken
    institution: str
    state: str  # "used", "expired", "valid"


def tokens(session: Session, now: dt.datetime, rspo: str | None = None) -> list[TokenRow]:
    """Enrolment codes, newest first (optionally of one institution)."""
    query = (select(EnrolmentToken, Institution.name).join(Institution, Institution.rspo == EnrolmentToken.rspo)
             .order_by(EnrolmentToken.created_at.desc(), EnrolmentToken.id.desc()))
    if rspo is not None:
        query = query.where(EnrolmentToken.rspo == rspo)
    out = []
    for token, name in session.execute(query):
        state = "used" if token.used_at is not None else "expired" if token.expires_at < now else "valid"
        out.append(TokenRow(token, name, state))
    return out


@dataclass(frozen=True)
class NodeRow:
    """An enrolled node with its institution and last contact."""

    node: Node
    institution: str
    last_contact_at: dt.datetime | None


def nodes(session: Session, rspo: str | None = None) -> list[NodeRow]:
    """Enrolled nodes in Polish alphabetical order of their institution, newest first within one."""
    query = (select(Node, Institution.name, NodeContact.last_contact_at)
             .join(Institution, Institution.rspo == Node.rspo)
             .outerjoin(NodeContact, NodeContact.node_id == Node.id))
    if rspo is not None:
        query = query.where(Node.rspo == rspo)
    rows = [NodeRow(node, name, contact) for node, name, contact in session.execute(query)]
    rows.sort(key=lambda row: row.node.enrolled_at, reverse=True)
    return sorted(rows, key=lambda row: polish_key(row.institution))  # stable: keeps newest first


def security_events(session: Session, node_id: str, limit: int = 20) -> list[SecurityEvent]:
    """The most recent security events of one node, newest first."""
    return list(session.scalars(
        select(SecurityEvent).where(SecurityEvent.node_id == node_id)
        .order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc()).limit(limit)))


def institution_choices(session: Session) -> list[tuple[str, str]]:
    """(RSPO, "name (RSPO)") of every institution, in Polish alphabetical order."""
    rows = session.execute(select(Institution.rspo, Institution.name)).all()
    return [(rspo, f"{name} ({rspo})") for rspo, name in sorted(rows, key=lambda r: (polish_key(r[1]), r[0]))]
