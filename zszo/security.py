"""Password hashing, TOTP and login throttling rules shared by node and hub.

Passwords: argon2id via argon2-cffi (OWASP ASVS 2.4: at least 15 MiB, t=2; we use 19 MiB,
t=2, p=1). Hashing runs under a bounded semaphore so a login storm queues instead of
exhausting memory. TOTP: RFC 6238 via pyotp, 30-second steps, one step of clock drift, and a
code is accepted once only (the last used step is stored).
"""

from __future__ import annotations

import datetime as dt
import threading

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MAX_FAILED_LOGINS_PER_HOUR = 100
MIN_PASSWORD_LENGTH = 10

_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_HASHING_SLOTS = threading.BoundedSemaphore(4)
# A real hash to verify against when the account does not exist, so timing does not reveal it.
_DUMMY_HASH = _HASHER.hash("zszo-dummy-password")


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    with _HASHING_SLOTS:
        return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password`` against ``password_hash`` (None: unknown user, still spends the time)."""
    with _HASHING_SLOTS:
        try:
            return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash uses older parameters and should be replaced at the next login."""
    return _HASHER.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Return a message id saying why ``password`` is unacceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "The password must have at least 10 characters"
    if len(password) > 200:
        return "The password may have at most 200 characters"
    if password.strip() != password:
        return "The password may not begin or end with a space"
    return None


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


def totp_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def verify_totp(secret: str, code: str, last_step: int | None, now: dt.datetime | None = None) -> int | None:
    """Return the matched time step if ``code`` is valid and not reused, else None."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    moment = now or dt.datetime.now(dt.UTC)
    current = int(moment.timestamp()) // totp.interval
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if totp.at(step * totp.interval) == code:
            return step
    return None
