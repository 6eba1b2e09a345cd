"""Forms of the hub's account pages: the shared ones (:mod:`zszo.web.auth_forms`) serve as they are,
since a city-office account has no fields beyond name and role."""

from __future__ import annotations

from zszo.web.auth_forms import CodeForm, LoginForm, PasswordChangeForm, SetPasswordForm, UserCreateForm, UserEditForm

__all__ = ["CodeForm", "LoginForm", "PasswordChangeForm", "SetPasswordForm", "UserCreateForm", "UserEditForm"]
