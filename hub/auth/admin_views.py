"""The administrator's account pages: list, add, edit name and role, deactivate/reactivate, reset
TOTP, set a password.

Only the ``admin`` role reaches these pages. Every change that weakens an existing session
(deactivation, TOTP reset, new password, another role) ends that user's sessions, and every
change is logged with who did it (never a password).
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from hub.auth import operations as ops
from hub.auth.forms import SetPasswordForm, UserCreateForm, UserEditForm
from hub.auth.models import ROLES, HubUser
from hub.auth.views import password_errors
from hub.web import labels
from hub.web.context import ADMIN, current_user, db, roles_required
from zszo.web import sessions
from zszo.web.forms import add_error
from zszo.web.login import log_safe

log = logging.getLogger("hub.auth")
bp = Blueprint("accounts", __name__, url_prefix="/admin/users", template_folder="templates")
MAX_DISPLAY_NAME = 200


def _user(user_id: int) -> HubUser:
    user = db().get(HubUser, user_id)
    if user is None:
        abort(404)
    return user


def _me() -> str:
    user = current_user()
    return log_safe(user.username if user else "-")


def _fill_choices(form: UserEditForm) -> None:
    form.role.choices = labels.choices({role: labels.ROLES[role] for role in ROLES}, blank=_("– choose –"))


def _check_common(form: UserEditForm) -> None:
    name = (form.display_name.data or "").strip()
    if not name:
        add_error(form, "display_name", _("Enter the user's full name"))
    elif len(name) > MAX_DISPLAY_NAME:
        add_error(form, "display_name", _("The name may have at most 200 characters"))
    if form.role.data not in ROLES:
        add_error(form, "role", _("Choose one of the listed roles"))


@bp.get("")
@roles_required(ADMIN)
def user_list():  # type: ignore[no-untyped-def]
    """All accounts of the city office."""
    users = db().scalars(select(HubUser).order_by(HubUser.active.desc(), HubUser.username)).all()
    return render_template("auth/users.html", users=users)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def user_new():  # type: ignore[no-untyped-def]
    """Add an account (administrator or analyst)."""
    form = UserCreateForm()
    _fill_choices(form)
    if request.method == "GET":
        return render_template("auth/user_new.html", form=form)
    _check_common(form)
    password_errors(form)
    if not form.errors:
        try:
            user = ops.create_user(
                db(), username=form.username.data or "", display_name=form.display_name.data,
                role=form.role.data, password=form.new_password.data,
            )
        except ops.AccountError as exc:
            add_error(form, {"password": "new_password"}.get(exc.field, exc.field), _(exc.message))
        else:
            log.info("user created by=%s user=%s role=%s", _me(), log_safe(user.username), user.role)
            flash(_("The account has been created. At the first login the user will set up the authenticator app."),
                  "success")
            return redirect(url_for("accounts.user_edit", user_id=user.id))
    form.new_password.data = form.confirm_password.data = ""
    return render_template("auth/user_new.html", form=form), 422


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def user_edit(user_id: int):  # type: ignore[no-untyped-def]
    """Change an account's name or role; buttons for the other actions."""
    user = _user(user_id)
    form = UserEditForm(obj=user) if request.method == "GET" else UserEditForm()
    _fill_choices(form)
    if request.method == "GET":
        return render_template("auth/user_edit.html", form=form, user=user)
    _check_common(form)
    if user.id == current_user().id and form.role.data != ADMIN:
        add_error(form, "role", _("You cannot take the administrator role away from yourself"))
    if form.errors:
        return render_template("auth/user_edit.html", form=form, user=user), 422
    if user.role != form.role.data:
        ops.end_sessions(user)  # new rights apply from a fresh login
    user.display_name = form.display_name.data.strip()
    user.role = form.role.data
    log.info("user changed by=%s user=%s role=%s", _me(), log_safe(user.username), user.role)
    flash(_("The account has been saved."), "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.post("/<int:user_id>/active")
@roles_required(ADMIN)
def user_active(user_id: int):  # type: ignore[no-untyped-def]
    """Deactivate or reactivate an account (never one's own)."""
    user = _user(user_id)
    if user.id == current_user().id:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("accounts.user_edit", user_id=user.id))
    ops.set_active(user, not user.active)
    log.info("user %s by=%s user=%s", "reactivated" if user.active else "deactivated", _me(),
             log_safe(user.username))
    flash(_("The account has been reactivated.") if user.active else _("The account has been deactivated."),
          "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.post("/<int:user_id>/reset-totp")
@roles_required(ADMIN)
def user_reset_totp(user_id: int):  # type: ignore[no-untyped-def]
    """Forget the user's authenticator app (lost phone); they set up a new one at the next login."""
    user = _user(user_id)
    ops.reset_totp(user)
    log.info("TOTP reset by=%s user=%s", _me(), log_safe(user.username))
    flash(_("The authenticator app has been reset. The user will set up a new one at the next login."), "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
@roles_required(ADMIN)
def user_password(user_id: int):  # type: ignore[no-untyped-def]
    """Set a new password for someone (their sessions end)."""
    user = _user(user_id)
    form = SetPasswordForm()
    if request.method == "GET":
        return render_template("auth/user_password.html", form=form, user=user)
    if not password_errors(form):
        ops.set_password(user, form.new_password.data)
        if user.id == current_user().id:
            sessions.refresh_version(user.session_version)
        log.info("password set by=%s user=%s", _me(), log_safe(user.username))
        flash(_("The new password has been set. Give it to the user in person."), "success")
        return redirect(url_for("accounts.user_edit", user_id=user.id))
    form.new_password.data = form.confirm_password.data = ""
    return render_template("auth/user_password.html", form=form, user=user), 422
