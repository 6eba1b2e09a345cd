"""The parent's login session on the portal, kept apart from the city office's staff session.

The signed session cookie carries only the parent account's id, its ``session_version`` and two
timestamps (under their own keys, so a staff session and a parent session never mix). Every
portal request reloads the account and ends the session when the account is closed, its version
moved on (password changed), it was idle too long or is older than the maximum age. A login
always starts from an empty session. The staff login guard lets portal pages through
(:data:`PUBLIC`); this module is what protects them. Nothing personal goes into the cookie.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from hub.recruitment.models import ParentAccount
from hub.web.context import db
from zszo.web import sessions
from zszo.web.login import safe_next

KEY = "parent"
View = TypeVar("View", bound=Callable[..., Any])


def start(account: ParentAccount) -> None:
    """Begin a parent's session from an empty cookie (no fixation)."""
    session.clear()
    session.permanent = True
    moment = sessions.now()
    session[KEY] = {"id": account.id, "sv": account.session_version, "at": moment, "seen": moment}


def end() -> None:
    """Forget the parent's login."""
    session.pop(KEY, None)


def _limits() -> tuple[int, int]:
    settings = current_app.config["ZSZO_SETTINGS"]
    return settings["web.session_idle_minutes"] * 60, settings["web.session_max_hours"] * 3600


def load() -> None:
    """``before_request`` of the portal: put the logged-in parent (or None) on ``g.parent``."""
    g.parent = None
    data = session.get(KEY)
    if not isinstance(data, dict):
        return
    idle, maximum = _limits()
    moment = sessions.now()
    account = db().get(ParentAccount, int(data.get("id", 0)))
    if (moment - int(data.get("seen", 0)) > idle or moment - int(data.get("at", 0)) > maximum
            or account is None or not account.active or account.session_version != data.get("sv")):
        end()
        flash(_("Your session has ended. Log in again."), "info")
        return
    if moment - int(data.get("seen", 0)) >= 60:
        session[KEY] = {**data, "seen": moment}
    g.parent = account


def current() -> ParentAccount | None:
    """The logged-in parent, or None."""
    return g.get("parent")


def parent_required(view: View) -> View:
    """Send visitors who are not logged in as a parent to the portal's login page (GETs come back after)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current() is None:
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("portal.login", next=safe_next(target)))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
