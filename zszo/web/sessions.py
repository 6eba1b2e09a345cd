"""Login sessions in the signed session cookie: who is logged in, since when, last seen when.

The cookie carries only the user's id, their ``session_version`` and two timestamps; on every
request :class:`SessionGuard` reloads the user and ends the session when the account is
inactive, its version moved on (password changed, TOTP reset, logged out elsewhere), it was
idle too long or is older than the maximum age. A login always starts from an empty session
(no fixation). This module must never put anything secret or personal into the cookie: it is
signed, not encrypted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l

USER = "uid"
VERSION = "sv"
LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
PENDING = "pending"
PENDING_SECONDS = 10 * 60  # time allowed between the password and the TOTP code

EXPIRY_MESSAGES = {
    "idle": _l("You were logged out after a period of inactivity. Log in again."),
    "expired": _l("Your session has reached its maximum length. Log in again."),
    "revoked": _l("Your session has ended (the password or account was changed). Log in again."),
}


def now() -> int:
    """Seconds since the epoch (one place, so tests can reason about it)."""
    return int(time.time())


def start(user_id: int, session_version: int) -> None:
    """Begin a logged-in session: clear everything from before, then store the user."""
    session.clear()
    session.permanent = True
    moment = now()
    session.update({USER: user_id, VERSION: session_version, LOGIN_AT: moment, SEEN_AT: moment})


def end() -> None:
    """Forget the login (the caller bumps the account's session_version to kill copies)."""
    session.clear()


def begin_pending(user_id: int, stage: str, next_url: str | None = None) -> None:
    """Remember that ``user_id`` passed the password step and must finish ``stage`` next."""
    session.clear()
    session[PENDING] = {"uid": user_id, "stage": stage, "at": now(), "next": next_url}


def pending(stage: str) -> dict[str, Any] | None:
    """The pending login at ``stage`` if it is recent enough, else None."""
    data = session.get(PENDING)
    if not isinstance(data, dict) or data.get("stage") != stage:
        return None
    if now() - int(data.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    return data


@dataclass
class SessionGuard:
    """Checks the session of each request against the account and the time limits."""

    load_user: Callable[[int], Any | None]
    idle_seconds: int
    max_seconds: int

    def resolve(self) -> tuple[Any | None, str | None]:
        """Return (user, None) for a valid session, or (None, reason) after ending a stale one.

        ``reason`` is "idle", "expired" or "revoked" when a session existed but is no longer
        valid, None when nobody was logged in.
        """
        user_id = session.get(USER)
        if user_id is None:
            return None, None
        moment = now()
        if moment - int(session.get(SEEN_AT, 0)) > self.idle_seconds:
            end()
            return None, "idle"
        if moment - int(session.get(LOGIN_AT, 0)) > self.max_seconds:
            end()
            return None, "expired"
        user = self.load_user(int(user_id))
        if user is None or not user.active or user.session_version != session.get(VERSION):
            end()
            return None, "revoked"
        # Writing the cookie on every request would race between parallel tabs for nothing:
        # a minute's precision is plenty for an idle limit counted in minutes.
        if moment - int(session.get(SEEN_AT, 0)) >= 60:
            session[SEEN_AT] = moment
        return user, None


def refresh_version(session_version: int) -> None:
    """Keep this session valid after the user's own password change ended all the others."""
    if USER in session:
        session[VERSION] = session_version


def install_guard(
    app: Flask, guard: SessionGuard, *, public_endpoints: Collection[str], login_endpoint: str
) -> None:
    """Check the session before every request: ``g.user`` is the logged-in user or None, and any
    endpoint not in ``public_endpoints`` sends anonymous visitors to ``login_endpoint`` (with
    the page they asked for, for GETs). Unknown URLs stay 404s for everyone.
    """

    @app.before_request
    def require_login():  # type: ignore[no-untyped-def]
        user, reason = guard.resolve()
        g.user = user
        if user is not None or request.endpoint is None or request.endpoint in public_endpoints:
            return None
        if reason is not None:
            flash(str(EXPIRY_MESSAGES[reason]), "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for(login_endpoint, next=target))
