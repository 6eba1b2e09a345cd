"""Login, TOTP code, forced TOTP set-up, logout and the user's own password change: the pages both
web apps share, bound to each app's accounts by :class:`AuthSite`.

The steps and their session state are :class:`zszo.web.login.LoginFlow`'s; this module renders the
pages. Failed attempts are committed even though the page reports an error (they are what
throttling counts). Nothing here logs a password, a code or a TOTP secret. Templates are the
app's own (``auth/login.html``, ``auth/code.html``, ``auth/totp_setup.html``, ``auth/account.html``)
so each speaks to its users.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from wtforms import Form

from zszo import security
from zszo.web import sessions
from zszo.web.auth_forms import CodeForm, LoginForm, PasswordChangeForm
from zszo.web.forms import add_error
from zszo.web.login import AccountHooks, LoginFlow, Outcome, log_safe, safe_next


@dataclass(frozen=True)
class AuthSite:
    """What the shared pages need from one app.

    ``ops`` is the app's ``auth.operations`` module (check_password, check_totp, enable_totp,
    failed_logins_last_hour, mark_logged_in, stage_totp, end_sessions, set_password); ``context``
    its ``web.context`` module (db, current_user, keep_writes, roles_required, writes_on_get,
    ALL_ROLES, and optionally ``snapshot()``: a read-only session the password check reads from, so
    that the request's write transaction starts only after the password hash has been verified);
    ``issuer`` names the account in the authenticator app.
    """

    ops: ModuleType
    context: ModuleType
    user_model: type
    issuer: Callable[[Session], str]
    throttled: str  # message id shown when an account is locked for the hour
    log: logging.Logger

    def flow(self) -> LoginFlow:
        """The login flow over this request's session."""
        session, ops = self.context.db(), self.ops
        snapshot = getattr(self.context, "snapshot", None)
        reader = snapshot() if snapshot else None
        hooks = AccountHooks(
            check_password=lambda username, password, addr: ops.check_password(
                session, username, password, addr, reader=reader),
            load_user=lambda user_id: session.get(self.user_model, user_id),
            check_totp=lambda user, code: ops.check_totp(session, user, code),
            enable_totp=lambda user, secret, code: ops.enable_totp(session, user, secret, code),
            is_throttled=lambda user: (
                ops.failed_logins_last_hour(session, user.username) >= security.MAX_FAILED_LOGINS_PER_HOUR
            ),
            mark_logged_in=ops.mark_logged_in,
            stage_totp=ops.stage_totp,
        )
        require_totp = current_app.config["ZSZO_SETTINGS"]["web.require_totp"]
        return LoginFlow(hooks, require_totp=require_totp, issuer=self.issuer(reader or session), log=self.log)


def password_errors(form: Form) -> bool:
    """Check ``new_password``/``confirm_password`` of ``form``; add errors, return True if any."""
    password = form.new_password.data or ""
    problem = security.password_problem(password)
    if problem:
        add_error(form, "new_password", _(problem))
    elif password != (form.confirm_password.data or ""):
        add_error(form, "confirm_password", _("The passwords are not the same"))
    return bool(form.new_password.errors or form.confirm_password.errors)


def _after_login(flow: LoginFlow):  # type: ignore[no-untyped-def]
    return redirect(flow.next_url() or url_for("home"))


def _expired():  # type: ignore[no-untyped-def]
    flash(_("Log in again: the login took too long or was not started."), "info")
    return redirect(url_for("auth.login"))


def _code_error(form: Form, message: str, template: str, **context: object):  # type: ignore[no-untyped-def]
    add_error(form, "code", message)
    form.code.data = ""
    return render_template(template, form=form, **context), 200


def auth_blueprint(site: AuthSite, *, import_name: str, template_folder: str = "templates") -> Blueprint:
    """The ``auth`` blueprint of one app (templates from the app's own folder)."""
    bp = Blueprint("auth", import_name, template_folder=template_folder)
    ctx = site.context

    @bp.route("/login", methods=["GET", "POST"])
    def login():  # type: ignore[no-untyped-def]
        """User name and password."""
        if ctx.current_user() is not None:
            return redirect(url_for("home"))
        form = LoginForm()
        if request.method == "GET":
            form.next.data = safe_next(request.args.get("next"))
            return render_template("auth/login.html", form=form)
        username, password = (form.username.data or "").strip(), form.password.data or ""
        if not username:
            add_error(form, "username", _("Enter your user name"))
        if not password:
            add_error(form, "password", _("Enter your password"))
        if form.errors:
            return render_template("auth/login.html", form=form), 422
        flow = site.flow()
        outcome = flow.password(username, password, request.remote_addr, form.next.data)
        ctx.keep_writes()  # the attempt is recorded whatever the outcome
        if outcome is Outcome.NEED_CODE:
            return redirect(url_for("auth.login_code"))
        if outcome is Outcome.NEED_SETUP:
            return redirect(url_for("auth.totp_setup"))
        if outcome is Outcome.DONE:
            # LoginFlow keeps "next" only across the TOTP steps; a login without them completes here.
            return redirect(flow.next_url() or safe_next(form.next.data) or url_for("home"))
        if outcome is Outcome.THROTTLED:
            add_error(form, None, _(site.throttled))
        else:
            add_error(form, "username", _("The user name or password is wrong"))
        form.password.data = ""
        return render_template("auth/login.html", form=form), 200

    @bp.route("/login/code", methods=["GET", "POST"])
    def login_code():  # type: ignore[no-untyped-def]
        """The TOTP code of a user whose password was right."""
        flow = site.flow()
        if flow.pending_user("code") is None:
            return _expired()
        form = CodeForm()
        if request.method == "GET":
            return render_template("auth/code.html", form=form)
        outcome = flow.code(form.code.data or "")
        ctx.keep_writes()
        if outcome is Outcome.DONE:
            return _after_login(flow)
        if outcome is Outcome.THROTTLED:
            flash(_(site.throttled), "error")
            return redirect(url_for("auth.login"))
        if outcome is Outcome.EXPIRED:
            return redirect(url_for("auth.login"))
        return _code_error(form, _("The code is wrong or has already been used. Enter the current code from the app"),
                           "auth/code.html")

    @bp.route("/login/totp", methods=["GET", "POST"])
    @ctx.writes_on_get  # the first visit stores the new secret on the account
    def totp_setup():  # type: ignore[no-untyped-def]
        """Forced set-up of the authenticator app before the first login completes."""
        flow = site.flow()
        setup = flow.setup()
        if setup is None:
            return _expired()
        form = CodeForm()
        if request.method == "GET":
            return render_template("auth/totp_setup.html", form=form, setup=setup)
        outcome = flow.confirm_setup(form.code.data or "")
        ctx.keep_writes()
        if outcome is Outcome.DONE:
            flash(_("Two-step login is on. From now on you will enter a code from the app at every login."),
                  "success")
            return _after_login(flow)
        if outcome in (Outcome.THROTTLED, Outcome.EXPIRED):
            if outcome is Outcome.THROTTLED:
                flash(_(site.throttled), "error")
            return redirect(url_for("auth.login"))
        return _code_error(form, _("The code does not match. Check the time on the phone and enter the current code"),
                           "auth/totp_setup.html", setup=setup)

    @bp.post("/logout")
    @ctx.roles_required(*ctx.ALL_ROLES)
    def logout():  # type: ignore[no-untyped-def]
        """End the session; the version bump also kills any copy of the cookie."""
        user = ctx.current_user()
        assert user is not None
        site.ops.end_sessions(user)
        site.log.info("logout user=%s id=%s", log_safe(user.username), user.id)
        sessions.end()
        flash(_("You have been logged out."), "success")
        return redirect(url_for("auth.login"))

    @bp.route("/account", methods=["GET", "POST"])
    @ctx.roles_required(*ctx.ALL_ROLES)
    def account():  # type: ignore[no-untyped-def]
        """The user's own account: change the password (other sessions end)."""
        user: Any = ctx.current_user()
        assert user is not None
        form = PasswordChangeForm()
        if request.method == "GET":
            return render_template("auth/account.html", form=form, user=user)
        if not security.verify_password(user.password_hash, form.current_password.data or ""):
            add_error(form, "current_password", _("The current password is wrong"))
        problem = password_errors(form)
        if form.errors or problem:
            return render_template("auth/account.html", form=form, user=user), 422
        site.ops.set_password(user, form.new_password.data)
        sessions.refresh_version(user.session_version)
        site.log.info("password changed by its owner user=%s id=%s", log_safe(user.username), user.id)
        flash(_("Your password has been changed. Other sessions of this account have ended."), "success")
        return redirect(url_for("auth.account"))

    return bp
