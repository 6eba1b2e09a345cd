"""Parents' portal accounts: registration, password check with throttling, password change, and a
forgotten password reset through a one-time link sent to the account's address.

An account is an e-mail address and an argon2id hash (:mod:`zszo.security`); parents are not
staff, so there is no TOTP. Failed logins are counted per address: after
:data:`zszo.security.MAX_FAILED_LOGINS_PER_HOUR` in an hour the account is refused even with the
right password until the hour passes. A reset link carries a random token of which only the SHA-256
is stored; it works once, for :data:`RESET_MINUTES`, and at most :data:`MAX_RESETS_PER_HOUR` are
made per address an hour. This module never logs or stores a password or a token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.recruitment.errors import fail
from hub.recruitment.models import ParentAccount, ParentLoginAttempt, ParentPasswordReset
from hub.recruitment.parse import Fields
from protocol.i18n import N_
from zszo import security


def normal_email(value: str) -> str:
    """The address as stored: trimmed, lower-case (addresses are compared case-insensitively)."""
    return (value or "").strip().lower()[:254]


def register(session: Session, data: Mapping[str, Any]) -> ParentAccount:
    """Create an account from ``email``, ``password`` and ``confirm_password``; raise RecruitmentError."""
    fields = Fields(data)
    email = fields.text("email", N_("e-mail address"), max_length=254, fmt="email")
    password, confirm = str(data.get("password") or ""), str(data.get("confirm_password") or "")
    problem = security.password_problem(password)
    if problem:
        fields.add("password", "weak", problem, N_("password"))
    elif password != confirm:
        fields.add("confirm_password", "different", N_("the passwords are not the same"), N_("repeat the password"))
    if email and session.scalar(select(ParentAccount.id).where(ParentAccount.email == normal_email(email))):
        fields.add("email", "taken", N_("an account with this address already exists: log in"),
                   N_("e-mail address"))
    fields.check()
    account = ParentAccount(email=normal_email(email or ""), password_hash=security.hash_password(password))
    session.add(account)
    session.flush()
    return account


def failed_last_hour(session: Session, email: str, now: dt.datetime | None = None) -> int:
    """Failed logins for ``email`` in the past hour."""
    since = (now or utcnow()) - dt.timedelta(hours=1)
    return session.scalar(select(func.count()).select_from(ParentLoginAttempt).where(
        ParentLoginAttempt.email == email, ParentLoginAttempt.success.is_(False), ParentLoginAttempt.at >= since)) or 0


def check_login(session: Session, email: str, password: str) -> tuple[ParentAccount | None, bool]:
    """(account, throttled): the account when the password is right and logins are not throttled.

    The password is verified even for unknown addresses so the answer time reveals nothing; every
    attempt is recorded (the caller commits it whatever the outcome).
    """
    email = normal_email(email)
    account = session.scalar(select(ParentAccount).where(ParentAccount.email == email))
    throttled = failed_last_hour(session, email) >= security.MAX_FAILED_LOGINS_PER_HOUR
    ok = security.verify_password(account.password_hash if account else None, password)
    success = ok and account is not None and account.active and not throttled
    session.add(ParentLoginAttempt(email=email, success=success))
    if not success or account is None:
        return None, throttled
    if security.needs_rehash(account.password_hash):
        account.password_hash = security.hash_password(password)
    account.last_login_at = utcnow()
    return account, False


def _new_password(fields: Fields, data: Mapping[str, Any]) -> str:
    """The new password typed twice (``password``, ``confirm_password``), its problems added to ``fields``."""
    password, confirm = str(data.get("password") or ""), str(data.get("confirm_password") or "")
    problem = security.password_problem(password)
    if problem:
        fields.add("password", "weak", problem, N_("new password"))
    elif password != confirm:
        fields.add("confirm_password", "different", N_("the passwords are not the same"), N_("repeat the password"))
    return password


def change_password(account: ParentAccount, data: Mapping[str, Any]) -> None:
    """Replace the password after checking the current one; other sessions of the account end."""
    fields = Fields(data)
    if not security.verify_password(account.password_hash, str(data.get("current_password") or "")):
        fields.add("current_password", "wrong", N_("the current password is wrong"), N_("current password"))
    password = _new_password(fields, data)
    fields.check()
    account.password_hash = security.hash_password(password)
    account.session_version += 1


def deactivate(account: ParentAccount) -> None:
    """Close an account (no more logins, sessions end)."""
    if not account.active:
        raise fail("account", "inactive", N_("the account is already closed"), N_("account"))
    account.active = False
    account.session_version += 1


RESET_MINUTES = 60
MAX_RESETS_PER_HOUR = 3


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def request_reset(session: Session, email: str, now: dt.datetime | None = None) -> tuple[ParentAccount, str] | None:
    """(account, token) for a reset link to ``email``; None when there is no such open account or too many
    links were asked for in the past hour. The caller answers the same way in every case."""
    now = now or utcnow()
    account = session.scalar(select(ParentAccount).where(ParentAccount.email == normal_email(email)))
    if account is None or not account.active:
        return None
    recent = session.scalar(select(func.count()).select_from(ParentPasswordReset).where(
        ParentPasswordReset.parent_id == account.id, ParentPasswordReset.created_at >= now - dt.timedelta(hours=1)))
    if (recent or 0) >= MAX_RESETS_PER_HOUR:
        return None
    token = secrets.token_urlsafe(32)
    session.add(ParentPasswordReset(parent_id=account.id, token_hash=_token_hash(token), created_at=now,
                                    expires_at=now + dt.timedelta(minutes=RESET_MINUTES)))
    session.flush()
    return account, token


def valid_reset(session: Session, token: str, now: dt.datetime | None = None) -> ParentPasswordReset | None:
    """The unused, unexpired reset of ``token`` (None otherwise)."""
    now = now or utcnow()
    reset = session.scalar(select(ParentPasswordReset).where(ParentPasswordReset.token_hash == _token_hash(token)))
    if reset is None or reset.used_at is not None or reset.expires_at < now:
        return None
    return reset


def reset_password(session: Session, token: str, data: Mapping[str, Any],
                   now: dt.datetime | None = None) -> ParentAccount:
    """Set a new password through a reset link: the link and every other open link of the account stop
    working, and every session of the account ends."""
    now = now or utcnow()
    reset = valid_reset(session, token, now)
    if reset is None:
        raise fail("token", "expired", N_("the link is no longer valid: ask for a new one"), N_("link"))
    fields = Fields(data)
    password = _new_password(fields, data)
    fields.check()
    account = session.get(ParentAccount, reset.parent_id)
    assert account is not None
    account.password_hash = security.hash_password(password)
    account.session_version += 1
    session.execute(update(ParentPasswordReset).where(ParentPasswordReset.parent_id == account.id,
                                                      ParentPasswordReset.used_at.is_(None)).values(used_at=now))
    return account
