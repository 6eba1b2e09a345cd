"""The recruitment log: who did or saw what, with ids only (never names, PESEL or points)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.recruitment.models import RecruitmentLog


def record(session: Session, *, username: str, role: str, action: str, campaign_id: int | None = None,
           application_id: int | None = None, detail: str | None = None) -> None:
    """Add one log line in the caller's transaction."""
    session.add(RecruitmentLog(username=username[:254], role=role[:20], action=action[:40], campaign_id=campaign_id,
                               application_id=application_id, detail=(detail or None) and detail[:200]))
