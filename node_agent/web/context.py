"""Per-request plumbing of the node's web app: the database session, the logged-in user,
role checks and audit rows.

One SQLAlchemy session per request. POSTs (and the few GETs marked :func:`writes_on_get`
because they write audit rows) get a write session, whose ``BEGIN IMMEDIATE`` queues writers
instead of failing with "database is locked"; other GETs read from a snapshot. The request's
work is committed when the response is a success (status < 400) and rolled back otherwise, so
a form that fails validation never leaves half a change behind. Views must never commit
themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, g, request
from sqlalchemy.orm import Session

from node_agent.audit import operations as audit_ops
from node_agent.auth.models import UserAccount
from node_agent.db import Database
from zszo.web import access
from zszo.web.i18n import TIMEZONE
from zszo.web.login import log_safe

log = logging.getLogger("node_agent.web.access")
View = TypeVar("View", bound=Callable[..., Any])

ALL_ROLES = ("admin", "secretary", "director", "teacher")
OFFICE_ROLES = ("admin", "secretary", "director")  # the school office: all pupils, set-up pages


def database() -> Database:
    """The app's :class:`~node_agent.db.Database`."""
    return current_app.extensions["zszo_db"]


def _wants_write() -> bool:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "writes_on_get", False))


def db() -> Session:
    """The request's session (opened on first use)."""
    session = g.get("_db_session")
    if session is None:
        factory = database().write_session if _wants_write() else database().read_session
        session = g._db_session = factory()
    return session


def keep_writes() -> None:
    """Commit this request's writes even though the response is an error page (failed logins)."""
    g._db_keep = True


def finish_request(response: Any) -> Any:
    """``after_request``: commit on success, roll back otherwise."""
    session = g.pop("_db_session", None)
    if session is not None:
        try:
            if response.status_code < 400 or g.get("_db_keep"):
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()
    return response


def close_session(_exc: BaseException | None) -> None:
    """``teardown_request``: roll back and close a session left open by an exception."""
    session = g.pop("_db_session", None)
    if session is not None:
        session.rollback()
        session.close()


def current_user() -> UserAccount | None:
    """The logged-in account, or None."""
    return access.current_user()


writes_on_get = access.writes_on_get


def deny(reason: str) -> None:
    """Log an access refusal and answer 403."""
    access.deny(reason, log)


roles_required = access.roles_guard(ALL_ROLES, log)


def audit(action: str, entity: str, record_id: str | None, purpose: str) -> None:
    """Write an audit row for the current user in this request's transaction (ids only, no data)."""
    user = current_user()
    audit_ops.record(
        db(),
        user_id=user.id if user else None,
        username=user.username if user else "-",
        role=user.role if user else "-",
        action=action,
        entity=entity,
        record_id=record_id,
        purpose=purpose,
    )


def refuse(entity: str, record_id: str | None, reason: str, *, status: int = 403) -> None:
    """Refuse access to a record (403, or 404 for an id this school does not hold) and audit the attempt.

    The refusal is an audit row of its own (action ``denied``), committed whatever happens to the
    request: an attempt to open someone else's pupil by guessing an id (IDOR) must leave a trace
    the school and the hub can see. Anything the request did before is rolled back first.
    """
    user = current_user()
    who = {"user_id": user.id, "username": user.username, "role": user.role} if user else \
        {"user_id": None, "username": "-", "role": "-"}
    session = g.get("_db_session")
    if session is not None:
        session.rollback()  # releases a write lock this request may hold; the error page reads on afterwards
    with database().write_session() as writer, writer.begin():
        audit_ops.record(writer, action="denied", entity=entity, record_id=record_id, purpose=reason, **who)
    if status == 404:
        log.warning("no such %s %s for user=%s", entity, log_safe(record_id or "-", 40), log_safe(who["username"]))
        abort(404)
    log.warning("access denied user=%s role=%s %s %s: %s", log_safe(who["username"]), who["role"], request.method,
                log_safe(request.path, 200), reason)
    abort(403)


def today() -> dt.date:
    """Today's date at the school (Warsaw time, whatever the server's clock zone)."""
    return dt.datetime.now(TIMEZONE).date()


def release() -> None:
    """Commit and close the request's session now (before handing the database to a long job)."""
    session = g.pop("_db_session", None)
    if session is not None:
        try:
            session.commit()
        finally:
            session.close()
