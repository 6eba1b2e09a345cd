"""All writes to the hub's accounts (see :mod:`zszo.accounts` for the shared rules)."""

from __future__ import annotations

from hub.auth.models import ROLES, HubLoginAttempt, HubUser
from zszo.accounts import AccountError, AccountStore, LoginResult

accounts = AccountStore(HubUser, HubLoginAttempt, ROLES)

create_user = accounts.create_user
check_password = accounts.check_password
check_totp = accounts.check_totp
mark_logged_in = accounts.mark_logged_in
enable_totp = accounts.enable_totp
set_password = accounts.set_password

__all__ = ["AccountError", "LoginResult", "accounts", "check_password", "check_totp", "create_user",
           "enable_totp", "mark_logged_in", "set_password"]
