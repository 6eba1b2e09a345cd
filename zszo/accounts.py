"""Account operations shared by node and hub: create users, check logins, TOTP, passwords.

Node and hub keep their own user tables (a school works offline with its own logins; the city
office logs in at the hub) with the same columns; :class:`AccountStore` is bound to one pair
of (user, login attempt) models. All writes to accounts go through it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zszo import security


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class AccountError(ValueError):
    """An account operation was refused; ``message`` is an i18n message id."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LoginResult:
    """Outcome of a password check."""

    user: Any | None
    needs_totp: bool = False
    throttled: bool = False


class AccountStore:
    """Account operations over one user model and one login-attempt model."""

    def __init__(self, user_model: type, attempt_model: type, roles: tuple[str, ...]) -> None:
        self.User, self.Attempt, self.roles = user_model, attempt_model, roles

    def create_user(self, session: Session, *, username: str, display_name: str, role: str, password: str,
                    totp_secret: str | None = None, **extra: Any) -> Any:
        """Create an account; raise :class:`AccountError` for a taken name, bad role or weak password."""
        username = username.strip().lower()
        if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
            raise AccountError("username", "Use 1-64 letters, digits, dots, dashes or underscores")
        if role not in self.roles:
            raise AccountError("role", "Choose one of the listed roles")
        problem = security.password_problem(password)
        if problem:
            raise AccountError("password", problem)
        if session.scalar(select(self.User.id).where(self.User.username == username)) is not None:
            raise AccountError("username", "This user name is already taken")
        user = self.User(
            username=username, display_name=display_name.strip() or username, role=role,
            password_hash=security.hash_password(password), totp_secret=totp_secret,
            totp_enabled=totp_secret is not None, **extra,
        )
        session.add(user)
        session.flush()
        return user

    def failed_logins_last_hour(self, session: Session, username: str, now: dt.datetime | None = None) -> int:
        """Count failed attempts for ``username`` in the past hour."""
        since = (now or _utcnow()) - dt.timedelta(hours=1)
        return session.scalar(
            select(func.count()).select_from(self.Attempt).where(
                self.Attempt.username == username, self.Attempt.success.is_(False), self.Attempt.at >= since)
        ) or 0

    def check_password(self, session: Session, username: str, password: str,
                       remote_addr: str | None = None, *, reader: Session | None = None) -> LoginResult:
        """Check a user name and password, recording the attempt; throttle after too many failures.

        The password is verified even for unknown or throttled names so response time reveals
        nothing. A throttled account is refused even with the right password until the hour passes.
        With ``reader`` (a read-only session) the account is read and the password verified there,
        and ``session`` is used only to write: a web request does not hold the write lock while
        the password hash is computed (tens of milliseconds by design).
        """
        username = username.strip().lower()[:64]
        source = reader if reader is not None else session
        user = source.scalar(select(self.User).where(self.User.username == username))
        throttled = self.failed_logins_last_hour(source, username) >= security.MAX_FAILED_LOGINS_PER_HOUR
        ok = security.verify_password(user.password_hash if user else None, password)
        success = ok and user is not None and user.active and not throttled
        if success and reader is not None:
            user = session.get(self.User, user.id)  # the writing session's copy, read under the lock
        session.add(self.Attempt(username=username, success=success, remote_addr=(remote_addr or "")[:64]))
        if throttled:
            return LoginResult(None, throttled=True)
        if not success or user is None:
            return LoginResult(None)
        if security.needs_rehash(user.password_hash):
            user.password_hash = security.hash_password(password)
        return LoginResult(user, needs_totp=user.totp_enabled)

    def check_totp(self, session: Session, user: Any, code: str) -> bool:
        """Verify a TOTP code for ``user`` (each code only once); failures count towards throttling."""
        if not user.totp_secret:
            return False
        step = security.verify_totp(user.totp_secret, code, user.totp_last_step)
        if step is None:
            session.add(self.Attempt(username=user.username, success=False, remote_addr="totp"))
            return False
        user.totp_last_step = step
        return True

    @staticmethod
    def mark_logged_in(user: Any) -> None:
        """Record a completed login."""
        user.last_login_at = _utcnow()

    @staticmethod
    def stage_totp(user: Any, secret: str) -> None:
        """Keep a new TOTP secret on the account while the user sets up their app (not enabled yet)."""
        if user.totp_enabled:
            raise AccountError("totp", "Two-step login is already set up for this account")
        user.totp_secret, user.totp_last_step = secret, None

    @staticmethod
    def enable_totp(session: Session, user: Any, secret: str, code: str) -> bool:
        """Turn on TOTP for ``user`` once they prove they can produce a code from ``secret``."""
        step = security.verify_totp(secret, code, None)
        if step is None:
            return False
        user.totp_secret, user.totp_enabled, user.totp_last_step = secret, True, step
        return True

    @staticmethod
    def set_password(user: Any, password: str) -> None:
        """Replace the password and end the user's other sessions."""
        problem = security.password_problem(password)
        if problem:
            raise AccountError("password", problem)
        user.password_hash = security.hash_password(password)
        user.session_version += 1

    @staticmethod
    def end_sessions(user: Any) -> None:
        """End every session of ``user`` (logout, or an administrator's decision)."""
        user.session_version += 1

    @staticmethod
    def set_active(user: Any, active: bool) -> None:
        """Deactivate (no login, sessions end) or reactivate an account; accounts are never deleted."""
        if user.active != active:
            user.active = active
            user.session_version += 1

    @staticmethod
    def reset_totp(user: Any) -> None:
        """Forget the user's TOTP secret so they set up a new one at the next login (lost phone)."""
        user.totp_secret, user.totp_enabled, user.totp_last_step = None, False, None
        user.session_version += 1
