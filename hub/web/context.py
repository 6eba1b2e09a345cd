"""Per-request plumbing of the hub's web app: the OLTP session, the warehouse cursor, the logged-in
user and role checks.

One SQLAlchemy session per request: POSTs (and the GETs marked :func:`writes_on_get`) get a
write session (``BEGIN IMMEDIATE``), other GETs read. The work is committed when the response
is a success (status < 400) and rolled back otherwise, so a refused form never leaves half a
change behind; views never commit themselves. Dashboard reads take one DuckDB cursor per
request (a cursor of the warehouse's connection: DuckDB connections are not shared between
threads), closed when the request ends. This module must never write to the warehouse:
the merger thread is its only writer.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import duckdb
from flask import current_app, g, request
from sqlalchemy.orm import Session

from hub.auth.models import ROLES, HubUser
from hub.runtime import HubRuntime
from zszo.web import access
from zszo.web.i18n import TIMEZONE

log = logging.getLogger("hub.web.access")
View = TypeVar("View", bound=Callable[..., Any])

ALL_ROLES = ROLES  # everyone logged in may read the dashboards and fleet lists (no personal data there)
ADMIN = "admin"


def runtime() -> HubRuntime:
    """The process's :class:`~hub.runtime.HubRuntime`."""
    return current_app.extensions["zszo_hub"]


def _wants_write() -> bool:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "writes_on_get", False))


def db() -> Session:
    """The request's OLTP session (opened on first use)."""
    session = g.get("_db_session")
    if session is None:
        database = runtime().db
        factory = database.write_session if _wants_write() else database.read_session
        session = g._db_session = factory()
    return session


def warehouse_cursor() -> duckdb.DuckDBPyConnection | None:
    """The request's DuckDB cursor, or None when this process has not opened the warehouse.

    A plain cursor of the warehouse's connection, not :meth:`Warehouse.cursor`: that one also
    re-creates the merger's SQL macros (a catalog write), and two threads doing so at once fail
    with "Catalog write-write conflict" (seen between the merger and ``/healthz`` polls). The
    dashboard's queries need no macros, so readers never write the catalog.
    """
    cursor = g.get("_warehouse_cursor")
    if cursor is None:
        warehouse = runtime().warehouse
        if warehouse is None:
            return None
        cursor = g._warehouse_cursor = warehouse.con.cursor()
    return cursor


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


def close_request(_exc: BaseException | None) -> None:
    """``teardown_request``: roll back a session left open by an exception; close the DuckDB cursor."""
    session = g.pop("_db_session", None)
    if session is not None:
        session.rollback()
        session.close()
    cursor = g.pop("_warehouse_cursor", None)
    if cursor is not None:
        cursor.close()


def current_user() -> HubUser | None:
    """The logged-in account, or None."""
    return access.current_user()


writes_on_get = access.writes_on_get


def deny(reason: str) -> None:
    """Log an access refusal and answer 403."""
    access.deny(reason, log)


roles_required = access.roles_guard(ALL_ROLES, log)


def is_admin() -> bool:
    """True when the logged-in user may change things (the fleet, accounts)."""
    user = current_user()
    return user is not None and user.role == ADMIN


def today() -> dt.date:
    """Today's date in the city (Warsaw time, whatever the server's clock zone)."""
    return dt.datetime.now(TIMEZONE).date()


def utcnow() -> dt.datetime:
    """Now in UTC, naive (as the OLTP store keeps times)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
