"""Downlink messages of transfers between city schools, applied inside the downlink transaction.

``city_institutions`` replaces the city's school list; ``transfer_offer`` keeps an offer for the
office; ``transfer_withdrawn`` and ``transfer_outcome`` close a transfer on either side. Each runs
in a savepoint: a message this node cannot use is recorded as rejected and never blocks the
messages after it (the downlink sequence must move on).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from node_agent.records import ValidationFailed
from node_agent.transfers import incoming, outgoing
from node_agent.transfers.models import CityInstitution
from protocol import downlink
from zszo.web.i18n import TIMEZONE

log = logging.getLogger(__name__)
KINDS = ("city_institutions", "transfer_offer", "transfer_withdrawn", "transfer_outcome")
_RSPO = re.compile(r"[0-9]{1,10}")


def store_directory(session: Session, body: dict[str, Any]) -> str:
    """Replace the city's institution list with the one in ``body``."""
    rows = []
    for item in body.get("institutions", []):
        if not isinstance(item, dict):
            continue
        rspo, name = str(item.get("rspo", "")), str(item.get("name", "")).strip()
        if not _RSPO.fullmatch(rspo) or not name:
            continue
        rows.append(CityInstitution(rspo=rspo, name=name[:300], kind=str(item.get("kind") or "")[:20],
                                    district=(str(item["district"])[:100] if item.get("district") else None),
                                    connected=bool(item.get("connected"))))
    if not rows:
        return "rejected"
    session.execute(delete(CityInstitution))
    session.add_all({row.rspo: row for row in rows}.values())
    session.flush()
    return "applied"


def apply(session: Session, message: downlink.Message) -> str:
    """Apply one transfer message; return the outcome kept with the message."""
    import datetime as dt

    today = dt.datetime.now(TIMEZONE).date()
    try:
        with session.begin_nested():
            if message.kind == "city_institutions":
                return store_directory(session, message.body)
            if message.kind == "transfer_offer":
                return "stored" if incoming.store_offer(session, message.body, message.seq) else "rejected"
            if message.kind == "transfer_withdrawn":
                return incoming.withdraw(session, message.body)
            return outgoing.apply_outcome(session, message.body, today=today)
    except (ValidationFailed, KeyError, TypeError, ValueError) as exc:
        log.warning("downlink %d (%s) not applied: %s", message.seq, message.kind, exc)
        return "rejected"
