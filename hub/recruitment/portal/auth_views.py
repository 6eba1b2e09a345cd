"""The portal's public start page and the parent's account pages: register, log in, log out, password,
and a forgotten password (a one-time link by e-mail).

The start page needs no login: it explains the recruitment (timetable, offer, criteria) and says
plainly that the order of submission does not matter. Failed logins are committed even though the
page shows an error (throttling counts them). Passwords and reset tokens are never logged. The
"forgot password" page answers the same whether the address has an account or not.
"""

from __future__ import annotations

import logging
import smtplib

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hub.recruitment import web
from hub.recruitment.campaign.queries import campaign_criteria, offer
from hub.recruitment.errors import RecruitmentError
from hub.recruitment.portal import accounts, mail, queries, session
from hub.recruitment.portal.forms import (
    ForgotPasswordForm,
    ParentLoginForm,
    ParentPasswordForm,
    RegisterForm,
    ResetPasswordForm,
)
from hub.recruitment.portal.views import bp
from hub.recruitment.stages import current_stage
from hub.web.context import db, keep_writes, runtime, today
from protocol.i18n import N_
from zszo.web import Chrome, NavItem
from zszo.web.forms import add_error
from zszo.web.login import safe_next

log = logging.getLogger("hub.recruitment.portal")
THROTTLED = N_("Too many failed login attempts for this account. Try again in an hour.")


def portal_chrome() -> Chrome:
    """The portal's header: its own name, and the parent's address and menu once logged in."""
    parent = session.current()
    name = _("ZSZO – recruitment to schools and preschools")
    if parent is None:
        return Chrome(site_name=name, home_url=url_for("portal.start"),
                      nav=(NavItem(url_for("portal.login"), _("Log in"), request.endpoint == "portal.login"),
                           NavItem(url_for("portal.register"), _("Create an account"),
                                   request.endpoint == "portal.register")))
    return Chrome(site_name=name, home_url=url_for("portal.start"), user_name=parent.email,
                  nav=(NavItem(url_for("portal.applications"), _("My applications"),
                               (request.endpoint or "").startswith("portal.") and request.endpoint not in (
                                   "portal.start", "portal.account")),),
                  account_url=url_for("portal.account"), logout_url=url_for("portal.logout"))


@bp.get("")
def start():  # type: ignore[no-untyped-def]
    """What the recruitment is, when, where and with which criteria; how to apply."""
    campaigns = queries.open_campaigns(db())
    day = today()
    return render_template("recruitment/portal/start.html", campaigns=campaigns,
                           offers={c.id: offer(db(), c) for c in campaigns},
                           criteria={c.id: campaign_criteria(db(), c) for c in campaigns},
                           stages={c.id: current_stage(c, day) for c in campaigns})


@bp.route("/register", methods=["GET", "POST"])
def register():  # type: ignore[no-untyped-def]
    """Create a parent's account and log in."""
    form = RegisterForm()
    if request.method == "GET":
        return render_template("recruitment/portal/register.html", form=form)
    try:
        account = accounts.register(db(), request.form)
    except RecruitmentError as exc:
        web.show_errors(form, exc)
        form.password.data = form.confirm_password.data = ""
        return render_template("recruitment/portal/register.html", form=form), 422
    session.start(account)
    flash(_("Your account has been created and you are logged in."), "success")
    return redirect(url_for("portal.applications"))


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    """E-mail address and password."""
    form = ParentLoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
        return render_template("recruitment/portal/login.html", form=form)
    email, password = (form.email.data or "").strip(), form.password.data or ""
    if not email:
        add_error(form, "email", _("E-mail address: this field is required"))
    if not password:
        add_error(form, "password", _("Password: this field is required"))
    if form.errors:
        return render_template("recruitment/portal/login.html", form=form), 422
    account, throttled = accounts.check_login(db(), email, password)
    keep_writes()  # the attempt counts whatever the outcome
    if account is None:
        add_error(form, None if throttled else "email",
                  _(THROTTLED) if throttled else _("The e-mail address or password is wrong"))
        form.password.data = ""
        return render_template("recruitment/portal/login.html", form=form), 200
    target = safe_next(form.next.data)
    session.start(account)
    log.info("parent login id=%s", account.id)
    return redirect(target or url_for("portal.applications"))


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    """End the parent's session."""
    session.end()
    flash(_("You have been logged out."), "success")
    return redirect(url_for("portal.start"))


@bp.route("/account", methods=["GET", "POST"])
@session.parent_required
def account():  # type: ignore[no-untyped-def]
    """The parent's own account: change the password (other sessions end)."""
    parent = session.current()
    assert parent is not None
    form = ParentPasswordForm()
    if request.method == "GET":
        return render_template("recruitment/portal/account.html", form=form, parent=parent)
    try:
        accounts.change_password(parent, request.form)
    except RecruitmentError as exc:
        web.show_errors(form, exc)
        return render_template("recruitment/portal/account.html", form=form, parent=parent), 422
    session.start(parent)  # this session stays valid with the new version
    flash(_("Your password has been changed. Other sessions of this account have ended."), "success")
    return redirect(url_for("portal.account"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():  # type: ignore[no-untyped-def]
    """Ask for a link to set a new password; the answer never tells whether the address has an account."""
    form = ForgotPasswordForm()
    settings = runtime().settings
    page = "recruitment/portal/forgot.html"
    if not mail.enabled(settings):
        return render_template(page, form=form, enabled=False)
    if request.method == "GET":
        return render_template(page, form=form, enabled=True)
    email = (form.email.data or "").strip()
    if not email:
        add_error(form, "email", _("E-mail address: this field is required"))
        return render_template(page, form=form, enabled=True), 422
    made = accounts.request_reset(db(), email)
    if made is not None:
        account, token = made
        base = (settings["web.public_url"] or request.url_root).rstrip("/")
        link = base + url_for("portal.reset_password", token=token)
        try:
            mail.send_reset(settings, account.email, link, accounts.RESET_MINUTES, _)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("password reset mail not sent: %s", type(exc).__name__)
            add_error(form, None, _("The e-mail could not be sent now. Try again later."))
            return render_template(page, form=form, enabled=True), 503
        log.info("parent password reset link sent id=%s", account.id)
    flash(_("If an account with this address exists, we have sent it a link to set a new password. "
            "The link works for %(minutes)s minutes.", minutes=accounts.RESET_MINUTES), "success")
    return redirect(url_for("portal.login"))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):  # type: ignore[no-untyped-def]
    """Set a new password through the link from the e-mail (once, within the hour)."""
    form = ResetPasswordForm()
    page = "recruitment/portal/reset.html"
    if accounts.valid_reset(db(), token) is None:
        return render_template(page, form=form, valid=False), 404
    if request.method == "GET":
        return render_template(page, form=form, valid=True)
    try:
        account = accounts.reset_password(db(), token, request.form)
    except RecruitmentError as exc:
        web.show_errors(form, exc)
        return render_template(page, form=form, valid=True), 422
    log.info("parent password reset id=%s", account.id)
    flash(_("Your new password is set. Log in with it; other sessions of this account have ended."), "success")
    return redirect(url_for("portal.login"))
