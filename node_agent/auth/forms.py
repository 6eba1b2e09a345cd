"""Forms of the node's account pages: the shared ones (:mod:`zszo.web.auth_forms`), and the account
forms with the staff member the account belongs to (which gives a teacher their classes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from zszo.web import auth_forms
from zszo.web.auth_forms import CodeForm, LoginForm, PasswordChangeForm, SetPasswordForm

__all__ = ["CodeForm", "LoginForm", "PasswordChangeForm", "SetPasswordForm", "UserCreateForm", "UserEditForm"]


class UserEditForm(auth_forms.UserEditForm):
    """Name, role and staff member of an account."""

    staff_member_id = SelectField(_l("Staff member"), choices=[], validate_choice=False, validators=[Optional()])


class UserCreateForm(auth_forms.NewAccountFields, UserEditForm):
    """A new account: also the user name and the first password."""
