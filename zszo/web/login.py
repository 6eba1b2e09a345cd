"""The login steps shared by node and hub: password, TOTP code, forced TOTP set-up.

Each app supplies :class:`AccountHooks` bound to its own user table (the node's local staff
accounts, the hub's city accounts) and renders its own pages; :class:`LoginFlow` owns the
order of the steps, what is kept in the session between them, and the security log. Every
decision is logged with the user name stripped of line breaks, never with a password, code or
TOTP secret. This module must never complete a login that skipped a required step.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.image.svg
from flask import session
from markupsafe import Markup

from protocol.i18n import N_
from zszo import security
from zszo.web import sessions

# What zszo.accounts and zszo.security refuse with (English ids), marked here so they are
# extracted and translated in web.po; a test keeps this list equal to those modules' texts.
ACCOUNT_MESSAGES = (
    N_("Use 1-64 letters, digits, dots, dashes or underscores"),
    N_("Choose one of the listed roles"),
    N_("This user name is already taken"),
    N_("The password must have at least 10 characters"),
    N_("The password may have at most 200 characters"),
    N_("The password may not begin or end with a space"),
    N_("Two-step login is already set up for this account"),
)


def log_safe(value: object, limit: int = 64) -> str:
    """A user-supplied value made safe for one log line (no CR/LF or other control characters)."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return text[:limit]


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no scheme, host or protocol-relative URL), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(not ch.isprintable() for ch in target):
        return None
    return target


class Outcome(enum.StrEnum):
    """What a login step decided."""

    DONE = "done"  # logged in
    NEED_CODE = "need_code"  # password fine, now the TOTP code
    NEED_SETUP = "need_setup"  # password fine, TOTP must be set up first
    BAD_CREDENTIALS = "bad_credentials"
    THROTTLED = "throttled"
    BAD_CODE = "bad_code"
    EXPIRED = "expired"  # no pending login (or it took too long): start again


@dataclass(frozen=True)
class AccountHooks:
    """How the flow reaches one app's accounts; all writes happen in the request's transaction."""

    check_password: Callable[[str, str, str | None], Any]  # -> zszo.accounts.LoginResult
    load_user: Callable[[int], Any | None]
    check_totp: Callable[[Any, str], bool]
    enable_totp: Callable[[Any, str, str], bool]
    is_throttled: Callable[[Any], bool]
    mark_logged_in: Callable[[Any], None]
    stage_totp: Callable[[Any, str], None]  # keep a not-yet-confirmed secret on the account


@dataclass(frozen=True)
class TotpSetup:
    """What the set-up page shows: the secret to type, and the same as a QR code."""

    secret: str
    uri: str
    qr_svg: Markup


class LoginFlow:
    """The login state machine over the Flask session."""

    def __init__(
        self, hooks: AccountHooks, *, require_totp: bool, issuer: str, log: logging.Logger | None = None
    ) -> None:
        self.hooks = hooks
        self.require_totp = require_totp
        self.issuer = issuer
        self.log = log or logging.getLogger("zszo.web.login")

    def password(
        self, username: str, password: str, remote_addr: str | None, next_url: str | None = None
    ) -> Outcome:
        """First step: user name and password."""
        name = log_safe(username.strip().lower())
        result = self.hooks.check_password(username, password, remote_addr)
        if result.throttled:
            self.log.warning("login throttled user=%s addr=%s", name, log_safe(remote_addr))
            sessions.end()
            return Outcome.THROTTLED
        user = result.user
        if user is None:
            self.log.warning("login failed user=%s addr=%s", name, log_safe(remote_addr))
            sessions.end()
            return Outcome.BAD_CREDENTIALS
        next_url = safe_next(next_url)
        if result.needs_totp:
            self.log.info("login password ok, code needed user=%s", name)
            sessions.begin_pending(user.id, "code", next_url)
            return Outcome.NEED_CODE
        if self.require_totp:
            self.log.info("login password ok, TOTP set-up required user=%s", name)
            sessions.begin_pending(user.id, "setup", next_url)
            return Outcome.NEED_SETUP
        return self._complete(user, "password")

    def pending_user(self, stage: str) -> Any | None:
        """The user half-way through the login at ``stage`` ("code" or "setup"), if any."""
        data = sessions.pending(stage)
        if data is None:
            return None
        user = self.hooks.load_user(int(data["uid"]))
        if user is None or not user.active:
            sessions.end()
            return None
        return user

    def code(self, code: str) -> Outcome:
        """Second step: the six-digit code from the authenticator app."""
        user = self.pending_user("code")
        if user is None:
            return Outcome.EXPIRED
        name = log_safe(user.username)
        if self.hooks.is_throttled(user):
            self.log.warning("login code throttled user=%s", name)
            sessions.end()
            return Outcome.THROTTLED
        if not self.hooks.check_totp(user, code):
            self.log.warning("login code wrong user=%s", name)
            return Outcome.BAD_CODE
        return self._complete(user, "password+totp")

    def setup(self) -> TotpSetup | None:
        """The secret being set up for the pending user: made once and kept on the account (not in
        the cookie, which is only signed) until the user confirms it with a code."""
        user = self.pending_user("setup")
        if user is None:
            return None
        if not user.totp_secret:
            self.hooks.stage_totp(user, security.new_totp_secret())
        secret = user.totp_secret
        uri = security.totp_uri(secret, user.username, self.issuer)
        return TotpSetup(secret, uri, qr_svg(uri))

    def confirm_setup(self, code: str) -> Outcome:
        """Turn TOTP on once the user proves their app produces codes for the new secret."""
        user = self.pending_user("setup")
        if user is None or not user.totp_secret:
            return Outcome.EXPIRED
        secret = user.totp_secret
        if self.hooks.is_throttled(user):
            self.log.warning("TOTP set-up throttled user=%s", log_safe(user.username))
            sessions.end()
            return Outcome.THROTTLED
        if not self.hooks.enable_totp(user, secret, code):
            self.log.warning("TOTP set-up code wrong user=%s", log_safe(user.username))
            return Outcome.BAD_CODE
        self.log.info("TOTP enabled user=%s", log_safe(user.username))
        return self._complete(user, "password+new totp")

    def next_url(self) -> str | None:
        """Where to go after the login (kept from the first step)."""
        return safe_next(session.pop("next", None))

    def _complete(self, user: Any, how: str) -> Outcome:
        next_url = (session.get(sessions.PENDING) or {}).get("next")
        self.hooks.mark_logged_in(user)
        sessions.start(user.id, user.session_version)
        if next_url:
            session["next"] = next_url
        self.log.info("login ok user=%s id=%s via=%s", log_safe(user.username), user.id, how)
        return Outcome.DONE


def qr_svg(data: str, labelled_by: str = "qr-caption") -> Markup:
    """``data`` as an inline SVG QR code (made here, offline; no image service, no inline style).

    ``labelled_by`` is the id of the page element (a figcaption) that names the image.
    """
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    svg = image.to_string(encoding="unicode")
    svg = svg.replace("<svg ", f'<svg class="qr" role="img" aria-labelledby="{labelled_by}" ', 1)
    return Markup(svg)  # noqa: S704 - generated here from a URI we built, not user input
