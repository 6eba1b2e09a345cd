"""Per-request plumbing of the node's web app: the database session, the logged-in user,
role checks and audit rows.

One SQLAlchemy session per request, and the SQLite write lock held only while a request really
writes (docs/architecture.md, "Requests and transactions"):

* Every request starts reading in a deferred transaction (a snapshot, no write lock): the login
  guard's user, access checks, the page.
* Audit rows of a read (a GET showing pupils) are kept aside and written after the page has
  rendered, in a short transaction of their own; if that fails the page is not sent (500), so a
  shown page always has its audit row.
* A write request (a POST, or a GET marked :func:`writes_on_get`) switches to a write transaction
  when its view starts: the read snapshot ends, everything loaded is expired (so it is read again
  under the lock) and the next statement takes ``BEGIN IMMEDIATE``, which queues writers instead of
  failing with "database is locked". Its work is committed when the response is a success (status
  < 400) and rolled back otherwise, so a form that fails validation never leaves half a change.
* A view marked :func:`short_writes` stays in the read transaction and writes only inside
  ``with writing():`` blocks, each its own short ``BEGIN IMMEDIATE`` … ``COMMIT``: it validates
  against what it read, and the block holds the lock only for the statements themselves (the
  operation re-reads, under the lock, whatever decides what it writes).

Views must never commit themselves.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterator
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


def _view() -> Any:
    return current_app.view_functions.get(request.endpoint or "")


def _wants_write() -> bool:
    if getattr(_view(), "short_writes", False):
        return False
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    return bool(getattr(_view(), "writes_on_get", False))


def db() -> Session:
    """The request's session (opened on first use, reading until the request switches to writing)."""
    session = g.get("_db_session")
    if session is None:
        session = g._db_session = database().read_session()
        g._db_writing = False
    return session


def snapshot() -> Session:
    """A read-only session for reading before the write lock in a request that writes (the login's
    password check); the request's own session when it is still reading."""
    if not g.get("_db_writing"):
        return db()
    session = g.get("_db_snapshot")
    if session is None:
        session = g._db_snapshot = database().read_session()
    return session


def _close_snapshot() -> None:
    session = g.pop("_db_snapshot", None)
    if session is not None:
        session.rollback()
        session.close()


def _to_writes(session: Session, how: str) -> None:
    """End the session's read transaction; its next statement starts ``BEGIN IMMEDIATE``."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a request changed records before it started writing")
    session.commit()  # nothing to flush: only ends the read snapshot
    session.bind = database().engine
    g._db_writing = how  # "request": until the request ends; "block": a writing() block


def start_request() -> None:
    """``before_request`` (after the login guard): a write request writes from the start of its view."""
    if request.endpoint is not None and _wants_write():
        session = db()
        _to_writes(session, "request")
        session.expire_all()  # what the guard read before the lock is read again under it


@contextlib.contextmanager
def writing() -> Iterator[Session]:
    """A short write transaction inside a :func:`short_writes` view: commits at the end of the block
    (rolls back on an exception) and goes back to reading. The request's audit rows so far, and those
    recorded in the block, are written in it; rows recorded in a block that fails are dropped."""
    session = db()
    if g.get("_db_writing"):
        yield session  # the request already writes: one transaction, committed at its end
        return
    _to_writes(session, "block")
    earlier = g.pop("_audit_rows", [])
    try:
        yield session
        audit_ops.record_many(session, earlier + g.pop("_audit_rows", []))
        session.commit()
    except BaseException:
        session.rollback()
        g._audit_rows = earlier
        raise
    finally:
        session.bind = database().reader
        g._db_writing = False


def short_writes(view: View) -> View:
    """Mark a view that reads without the write lock and writes only inside ``with writing():`` blocks."""
    view.short_writes = True  # type: ignore[attr-defined]
    return view


def keep_writes() -> None:
    """Commit this request's writes now, whatever the response will be (a failed login is what throttling
    counts); the rest of the request (an error page to render) reads without the write lock."""
    g._db_keep = True
    session = g.get("_db_session")
    if session is not None and g.get("_db_writing") == "request":
        session.commit()
        session.bind = database().reader
        g._db_writing = False


def finish_request(response: Any) -> Any:
    """``after_request``: commit on success (with the request's audit rows), roll back otherwise; a request
    that only read writes its audit rows after the page has rendered, in a short transaction of its own."""
    _close_snapshot()
    session = g.pop("_db_session", None)
    rows = g.pop("_audit_rows", [])
    success = response.status_code < 400
    writing_now = bool(g.get("_db_writing"))
    if session is not None:
        try:
            if success or g.get("_db_keep"):
                if writing_now and success:
                    audit_ops.record_many(session, rows)
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()
    if rows and success and not (writing_now and session is not None):
        # Raises (and the page becomes a 500) rather than show a page whose reading is not audited.
        with database().transaction() as writer:
            audit_ops.record_many(writer, rows)
    return response


def close_session(_exc: BaseException | None) -> None:
    """``teardown_request``: roll back and close a session left open by an exception."""
    g.pop("_audit_rows", None)
    _close_snapshot()
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
    """Audit the current user's action (ids only, no data), never for a failed request: at once in a
    write request's transaction (so the request can read it back, as the right-of-access export does),
    at the end of a ``writing()`` block with the block's writes (one insert for a column of grades),
    or, in a request that only reads, right after the page has rendered (:func:`finish_request`)."""
    user = current_user()
    row = audit_ops.AuditRow(user_id=user.id if user else None, username=user.username if user else "-",
                             role=user.role if user else "-", action=action, entity=entity, record_id=record_id,
                             purpose=purpose)
    if g.get("_db_writing") == "request":
        audit_ops.record_many(db(), [row])
    else:
        g.setdefault("_audit_rows", []).append(row)


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
