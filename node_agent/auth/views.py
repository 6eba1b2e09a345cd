"""The school server's login, TOTP, logout and own-account pages: :mod:`zszo.web.auth_views` bound to
the node's staff accounts (:mod:`node_agent.auth.operations`), with the node's templates."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.auth import operations as ops
from node_agent.auth.models import UserAccount
from node_agent.school.models import School
from node_agent.web import context
from protocol.i18n import N_
from zszo.web.auth_views import AuthSite, auth_blueprint, password_errors

__all__ = ["bp", "password_errors"]

THROTTLED = N_(
    "Too many failed login attempts for this account. Try again in an hour or ask the administrator for help."
)


def _issuer(session: Session) -> str:
    """The school's name, so a teacher working at two schools tells the two codes apart."""
    school = session.scalar(select(School.name).limit(1))
    return f"ZSZO {school}"[:60] if school else "ZSZO"


SITE = AuthSite(ops=ops, context=context, user_model=UserAccount, issuer=_issuer, throttled=THROTTLED,
                log=logging.getLogger("node_agent.auth"))
bp = auth_blueprint(SITE, import_name=__name__)
