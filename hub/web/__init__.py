"""The hub web app's shared parts: login guard, page chrome (city office, user, menu by role),
per-request stores, hub templates, CSS and labels.

Every page except the login steps, static files, ``/healthz`` and the node API under
``/api/v1`` needs a logged-in city office user (:class:`zszo.web.sessions.SessionGuard`); what
each role may do is decided per view by :func:`hub.web.context.roles_required`. This package
must never grant access by hiding a link: hiding is for convenience, the server decides.
"""

from __future__ import annotations

from collections.abc import Collection

from babel.numbers import format_decimal
from flask import Blueprint, Flask, request, url_for
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hub.auth.models import HubUser
from hub.web import context, labels
from hub.web.context import db
from zszo.web import Chrome, NavItem, sessions

templates = Blueprint(
    "hub_web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/hub"
)

PUBLIC_ENDPOINTS = frozenset(
    {"auth.login", "auth.login_code", "auth.totp_setup", "zszo_web.static", "hub_web.static", "healthz"}
)

# (endpoint, label, endpoint prefixes whose pages mark it current, roles that see it)
NAV = (
    ("dashboard.overview", _l("City dashboard"),
     ("dashboard.overview", "dashboard.pupils", "dashboard.classes"), context.ALL_ROLES),
    ("dashboard.sync_status", _l("Sync status"), ("dashboard.sync",), context.ALL_ROLES),
    ("fleet.institutions", _l("Institutions"), ("fleet.institution",), context.ALL_ROLES),
    ("fleet.nodes", _l("School servers"), ("fleet.node",), context.ALL_ROLES),
    ("fleet.tokens", _l("Enrolment codes"), ("fleet.token",), context.ALL_ROLES),
    ("compulsory.overview", _l("Compulsory schooling"), ("compulsory.",), ("officer",)),
    ("recruitment.campaigns", _l("Recruitment"), ("recruitment.", "recruitment_results."), (context.ADMIN,)),
    ("recruitment_school.applications", _l("Recruitment"), ("recruitment_school.",), ("school",)),
    ("accounts.user_list", _l("Users"), ("accounts.",), (context.ADMIN,)),
)


class CookielessForMachines(SecureCookieSessionInterface):
    """The signed-cookie sessions of zszo.web, except that machine endpoints (the node API,
    ``/healthz``) never set a cookie, even for a client that sent one."""

    def __init__(self, endpoints: Collection[str]) -> None:
        self.endpoints = frozenset(endpoints)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """No cookie for machine endpoints; otherwise Flask's rule."""
        if request.endpoint in self.endpoints:
            return False
        return super().should_set_cookie(app, session)


def _load_user(user_id: int) -> HubUser | None:
    return db().get(HubUser, user_id)


def init_app(app: Flask, *, idle_minutes: int, max_hours: int, machine_endpoints: Collection[str] = (),
             public_endpoints: Collection[str] = ()) -> None:
    """Install the login guard, the per-request stores, the page chrome and template helpers on ``app``.

    ``machine_endpoints`` (the node API) need no login and never get a session cookie;
    ``public_endpoints`` need no staff login (the parents' portal checks its own login).
    """
    guard = sessions.SessionGuard(_load_user, idle_seconds=idle_minutes * 60, max_seconds=max_hours * 3600)
    app.register_blueprint(templates)
    app.session_interface = CookielessForMachines({"healthz", *machine_endpoints})
    sessions.install_guard(
        app, guard, public_endpoints=PUBLIC_ENDPOINTS | set(machine_endpoints) | set(public_endpoints),
        login_endpoint="auth.login",
    )
    app.after_request(context.finish_request)
    app.teardown_request(context.close_request)
    app.jinja_env.globals.update(labels=labels, label=labels.label, is_admin=context.is_admin,
                                 page_layout="hub/base.html")
    app.jinja_env.filters.update(number=format_number, decimal=format_one_decimal, decimal2=format_two_decimals)


def format_number(value: int | None) -> str:
    """A whole number as Polish texts write it (``38 600``, with a non-breaking space); "–" for None."""
    if value is None:
        return "–"
    return format_decimal(value, locale=get_locale() or "pl")


def format_one_decimal(value: float | None) -> str:
    """A number with one decimal place in the Polish form (``24,5``); "–" for None."""
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0.0", locale=get_locale() or "pl")


def format_two_decimals(value: object) -> str:
    """A number with two decimal places in the Polish form (``4,17``: averages, FTE); "–" for None."""
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0.00", locale=get_locale() or "pl")


def _is_current(prefixes: tuple[str, ...]) -> bool:
    endpoint = request.endpoint or ""
    return any(endpoint.startswith(prefix) for prefix in prefixes)


def chrome() -> Chrome:
    """Header and menu of hub pages for the current user."""
    site_name = _("ZSZO – city education office")
    user = context.current_user()
    if user is None:
        return Chrome(site_name=site_name, home_url=url_for("auth.login"))
    nav = tuple(
        NavItem(url_for(endpoint), str(label), current=_is_current(current))
        for endpoint, label, current, roles in NAV
        if user.role in roles
    )
    return Chrome(
        site_name=site_name,
        home_url=url_for("home"),
        user_name=user.display_name,
        role_label=labels.label(labels.ROLES, user.role),
        nav=nav,
        account_url=url_for("auth.account"),
        logout_url=url_for("auth.logout"),
    )
