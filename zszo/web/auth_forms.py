"""Forms of the login pages, the user's own account page and the administrators' account pages,
shared by the node and the hub (each adds its own fields by subclassing, e.g. the node's staff link).

Fields only: what is acceptable (password rules, roles, user names) is decided by
:mod:`zszo.accounts`, whose refusals the views show next to the field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField

_NEW = {"autocomplete": "new-password"}


class LoginForm(FlaskForm):
    """User name and password."""

    username = StringField(_l("User name"), render_kw={"autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("Password"))
    next = HiddenField()


class CodeForm(FlaskForm):
    """The six-digit code from the authenticator app."""

    code = StringField(
        _l("Code from the authenticator app"),
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "10"},
    )


class PasswordChangeForm(FlaskForm):
    """The user changes their own password."""

    current_password = PasswordField(_l("Current password"), render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), render_kw=_NEW)
    confirm_password = PasswordField(_l("Repeat the new password"), render_kw=_NEW)


class SetPasswordForm(FlaskForm):
    """An administrator sets a new password for someone."""

    new_password = PasswordField(_l("New password"), render_kw=_NEW)
    confirm_password = PasswordField(_l("Repeat the new password"), render_kw=_NEW)


class UserEditForm(FlaskForm):
    """Name and role of an account."""

    display_name = StringField(_l("Full name"))
    role = SelectField(_l("Role"), choices=[], validate_choice=False)


class NewAccountFields:
    """Mixin: a new account also has the user name and the first password."""

    username = StringField(_l("User name"), render_kw={"autocapitalize": "none", "spellcheck": "false"})
    new_password = PasswordField(_l("Password"), render_kw=_NEW)
    confirm_password = PasswordField(_l("Repeat the password"), render_kw=_NEW)


class UserCreateForm(NewAccountFields, UserEditForm):
    """A new account (name, role, user name, first password)."""
