"""The administrator's user pages: list, add, edit, deactivate/reactivate, reset TOTP, set a password.

Only the ``admin`` role reaches these pages. Every change that weakens an existing session
(deactivation, TOTP reset, new password) ends that user's sessions, and is logged.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from node_agent.auth import operations as ops
from node_agent.auth.forms import SetPasswordForm, UserCreateForm, UserEditForm
from node_agent.auth.models import ROLES, UserAccount
from node_agent.auth.views import password_errors
from node_agent.staff.models import StaffMember
from node_agent.web import labels
from node_agent.web.context import current_user, db, roles_required
from zszo.web import sessions
from zszo.web.forms import add_error
from zszo.web.login import log_safe

log = logging.getLogger("node_agent.auth")
admin_bp = Blueprint("auth_admin", __name__, url_prefix="/admin/users", template_folder="templates")


def _user(user_id: int) -> UserAccount:
    user = db().get(UserAccount, user_id)
    if user is None:
        abort(404)
    return user


def _fill_choices(form: UserEditForm) -> None:
    form.role.choices = labels.choices([(role, labels.ROLES[role]) for role in ROLES], blank=_("– choose –"))
    staff = db().scalars(select(StaffMember).order_by(StaffMember.last_name, StaffMember.first_name)).all()
    form.staff_member_id.choices = labels.choices(
        [(s.id, f"{s.last_name} {s.first_name}") for s in staff], blank=_("– none –")
    )


def _check_common(form: UserEditForm) -> None:
    if not (form.display_name.data or "").strip():
        add_error(form, "display_name", _("Enter the user's full name"))
    elif len(form.display_name.data) > 200:
        add_error(form, "display_name", _("The name may have at most 200 characters"))
    if form.role.data not in ROLES:
        add_error(form, "role", _("Choose one of the listed roles"))
    staff_id = form.staff_member_id.data or None
    if staff_id and db().get(StaffMember, staff_id) is None:
        add_error(form, "staff_member_id", _("Choose one of the listed staff members"))
    if form.role.data == "teacher" and not staff_id:
        add_error(
            form, "staff_member_id", _("A teacher's account must be linked to their staff member record")
        )


@admin_bp.get("")
@roles_required("admin")
def user_list():  # type: ignore[no-untyped-def]
    """All accounts of the node."""
    users = db().scalars(select(UserAccount).order_by(UserAccount.active.desc(), UserAccount.username)).all()
    return render_template("auth/users.html", users=users)


@admin_bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def user_new():  # type: ignore[no-untyped-def]
    """Add an account."""
    form = UserCreateForm()
    _fill_choices(form)
    if request.method == "GET":
        return render_template("auth/user_new.html", form=form)
    _check_common(form)
    password_errors(form)
    if not form.errors:
        try:
            user = ops.create_user(
                db(),
                username=form.username.data or "",
                display_name=form.display_name.data,
                role=form.role.data,
                password=form.new_password.data,
                staff_member_id=form.staff_member_id.data or None,
            )
        except ops.AccountError as exc:
            add_error(form, {"password": "new_password"}.get(exc.field, exc.field), _(exc.message))
        else:
            log.info(
                "user created by=%s user=%s role=%s",
                log_safe(current_user().username),
                log_safe(user.username),
                user.role,
            )
            flash(
                _(
                    "The account has been created. At the first login the user will set up the authenticator "
                    "app."
                ),
                "success",
            )
            return redirect(url_for("auth_admin.user_edit", user_id=user.id))
    form.new_password.data = form.confirm_password.data = ""
    return render_template("auth/user_new.html", form=form), 422


@admin_bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id: int):  # type: ignore[no-untyped-def]
    """Change an account's name, role or staff member; buttons for the other actions."""
    user = _user(user_id)
    form = UserEditForm(obj=user) if request.method == "GET" else UserEditForm()
    _fill_choices(form)
    if request.method == "GET":
        form.staff_member_id.data = user.staff_member_id or ""
        return render_template("auth/user_edit.html", form=form, user=user)
    _check_common(form)
    if user.id == current_user().id and form.role.data != "admin":
        add_error(form, "role", _("You cannot take the administrator role away from yourself"))
    if form.errors:
        return render_template("auth/user_edit.html", form=form, user=user), 422
    if user.role != form.role.data:
        ops.end_sessions(user)  # new rights apply from a fresh login
    user.display_name = form.display_name.data.strip()
    user.role = form.role.data
    user.staff_member_id = form.staff_member_id.data or None
    log.info(
        "user changed by=%s user=%s role=%s",
        log_safe(current_user().username),
        log_safe(user.username),
        user.role,
    )
    flash(_("The account has been saved."), "success")
    return redirect(url_for("auth_admin.user_edit", user_id=user.id))


@admin_bp.post("/<int:user_id>/active")
@roles_required("admin")
def user_active(user_id: int):  # type: ignore[no-untyped-def]
    """Deactivate or reactivate an account (never one's own)."""
    user = _user(user_id)
    if user.id == current_user().id:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("auth_admin.user_edit", user_id=user.id))
    ops.set_active(user, not user.active)
    log.info(
        "user %s by=%s user=%s",
        "reactivated" if user.active else "deactivated",
        log_safe(current_user().username),
        log_safe(user.username),
    )
    flash(
        _("The account has been reactivated.") if user.active else _("The account has been deactivated."),
        "success",
    )
    return redirect(url_for("auth_admin.user_edit", user_id=user.id))


@admin_bp.post("/<int:user_id>/reset-totp")
@roles_required("admin")
def user_reset_totp(user_id: int):  # type: ignore[no-untyped-def]
    """Forget the user's authenticator app (lost phone); they set up a new one at the next login."""
    user = _user(user_id)
    ops.reset_totp(user)
    log.info("TOTP reset by=%s user=%s", log_safe(current_user().username), log_safe(user.username))
    flash(
        _("The authenticator app has been reset. The user will set up a new one at the next login."),
        "success",
    )
    return redirect(url_for("auth_admin.user_edit", user_id=user.id))


@admin_bp.route("/<int:user_id>/password", methods=["GET", "POST"])
@roles_required("admin")
def user_password(user_id: int):  # type: ignore[no-untyped-def]
    """Set a new password for someone (their sessions end)."""
    user = _user(user_id)
    form = SetPasswordForm()
    if request.method == "POST":
        if not password_errors(form):
            ops.set_password(user, form.new_password.data)
            if user.id == current_user().id:
                sessions.refresh_version(user.session_version)
            log.info("password set by=%s user=%s", log_safe(current_user().username), log_safe(user.username))
            flash(_("The new password has been set. Give it to the user in person."), "success")
            return redirect(url_for("auth_admin.user_edit", user_id=user.id))
        form.new_password.data = form.confirm_password.data = ""
        return render_template("auth/user_password.html", form=form, user=user), 422
    return render_template("auth/user_password.html", form=form, user=user)
