"""Forms of the parents' portal (fields and labels only; the rules live in accounts.py and operations.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField

_NEW = {"autocomplete": "new-password"}


class RegisterForm(FlaskForm):
    """A new parent account."""

    email = StringField(_l("E-mail address"), render_kw={"type": "email", "autocomplete": "email",
                                                        "spellcheck": "false", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), render_kw=_NEW)
    confirm_password = PasswordField(_l("Repeat the password"), render_kw=_NEW)


class ParentLoginForm(FlaskForm):
    """E-mail address and password."""

    email = StringField(_l("E-mail address"), render_kw={"type": "email", "autocomplete": "username",
                                                        "spellcheck": "false", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class ParentPasswordForm(FlaskForm):
    """Change the password."""

    current_password = PasswordField(_l("Current password"), render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), render_kw=_NEW)
    confirm_password = PasswordField(_l("Repeat the password"), render_kw=_NEW)


class ForgotPasswordForm(FlaskForm):
    """The address of the account whose password was forgotten."""

    email = StringField(_l("E-mail address"), render_kw={"type": "email", "autocomplete": "username",
                                                         "autocapitalize": "none", "spellcheck": "false"})


class ResetPasswordForm(FlaskForm):
    """A new password, set through the link from the e-mail."""

    password = PasswordField(_l("New password"), render_kw=_NEW)
    confirm_password = PasswordField(_l("Repeat the password"), render_kw=_NEW)


class CandidateForm(FlaskForm):
    """The child and the parent's contact details."""

    first_name = StringField(_l("First name"), render_kw={"autocomplete": "off"})
    second_name = StringField(_l("Second name (optional)"), render_kw={"autocomplete": "off"})
    last_name = StringField(_l("Last name"), render_kw={"autocomplete": "off"})
    pesel = StringField(_l("PESEL"), render_kw={"inputmode": "numeric", "maxlength": "11", "autocomplete": "off"})
    document_type = SelectField(_l("Identity document"), choices=[], validate_choice=False)
    document_number = StringField(_l("Document number"), render_kw={"autocomplete": "off"})
    birth_date = StringField(_l("Date of birth"), render_kw={"type": "date"})
    sex = SelectField(_l("Sex"), choices=[], validate_choice=False)
    street = StringField(_l("Street and number"), render_kw={"autocomplete": "street-address"})
    postal_code = StringField(_l("Postal code"), render_kw={"autocomplete": "postal-code", "inputmode": "numeric"})
    city = StringField(_l("Town"), render_kw={"autocomplete": "address-level2"})
    guardian_first_name = StringField(_l("Parent's first name"), render_kw={"autocomplete": "given-name"})
    guardian_last_name = StringField(_l("Parent's last name"), render_kw={"autocomplete": "family-name"})
    guardian_phone = StringField(_l("Telephone"), render_kw={"type": "tel", "autocomplete": "tel"})


class SubmitForm(FlaskForm):
    """The statement the parent signs by submitting."""

    statement = BooleanField(_l("I declare that the information in this application is true. I am aware of "
                                "criminal liability for making a false statement."))


class ActionForm(FlaskForm):
    """A button with only the CSRF token (withdraw, confirm, join the supplementary round)."""
