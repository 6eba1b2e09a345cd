"""All writes to the hub's accounts (see :mod:`zszo.accounts` for the shared rules)."""

from __future__ import annotations

from hub.auth.models import ROLES, HubLoginAttempt, HubUser
from zszo.accounts import AccountError, AccountStore, LoginResult

accounts = AccountStore(HubUser, HubLoginAttempt, ROLES)

create_user = accounts.create_user
failed_logins_last_hour = accounts.failed_logins_last_hour
check_password = accounts.check_password
check_totp = accounts.check_totp
mark_logged_in = accounts.mark_logged_in
enable_totp = accounts.enable_totp
set_password = accounts.set_password
end_sessions = accounts.end_sessions
set_active = accounts.set_active
reset_totp = accounts.reset_totp
stage_totp = accounts.stage_totp

__all__ = [
    "AccountError", "LoginResult", "accounts", "check_password", "check_totp", "create_user", "enable_totp",
    "end_sessions", "failed_logins_last_hour", "mark_logged_in", "reset_totp", "set_active", "set_password",
    "stage_totp",
]
