"""The node web app's shared parts: login guard, page chrome (school name, user, menu by role),
per-request database session, node templates and labels.

Every request except the login pages and static files needs a logged-in user whose session is
still valid (:class:`zszo.web.sessions.SessionGuard`); everything else is decided per view by
:func:`node_agent.web.context.roles_required` and the feature's own access rules. This package
must never grant access by hiding a link: hiding is for convenience, the server decides.
"""

from __future__ import annotations

from flask import Blueprint, Flask, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from node_agent.auth.models import UserAccount
from node_agent.messages.queries import unread_count
from node_agent.school.models import School
from node_agent.web import context, labels
from node_agent.web.context import db
from zszo.web import Chrome, NavItem, sessions

templates = Blueprint("node_web", __name__, template_folder="templates")

PUBLIC_ENDPOINTS = {"auth.login", "auth.login_code", "auth.totp_setup", "zszo_web.static", "healthz"}

# (endpoint, label, blueprints whose pages mark it current, roles that see it)
NAV = (
    ("register.pupil_list", _l("Pupil register"), ("register", "guardians", "book", "promotion"), context.ALL_ROLES),
    ("lessons.today_lessons", _l("My lessons"), ("lessons", "attendance"), ("teacher", "director")),
    ("timetable.overview", _l("Lesson timetable"), ("timetable",), context.OFFICE_ROLES),
    ("grades.index", _l("Grades"), ("grades",), ("teacher", "director", "secretary")),
    ("notes.index", _l("Behaviour notes"), ("notes",), ("teacher", "director", "secretary")),
    ("homework.index", _l("Homework"), ("homework",), ("teacher", "director", "secretary")),
    ("announcements.index", _l("Announcements"), ("announcements",), context.ALL_ROLES),
    ("messages.inbox", _l("Messages"), ("messages",), ("teacher", "director", "secretary")),
    ("overview.school_page", _l("School overview"), ("overview",), ("director", "secretary")),
    ("transfers.transfer_list", _l("Transfers between schools"), ("transfers",), context.OFFICE_ROLES),
    ("school.overview", _l("School"), ("school",), context.OFFICE_ROLES),
    ("staff.staff_list", _l("Staff"), ("staff",), context.OFFICE_ROLES),
    ("catchment.overview", _l("Compulsory schooling"), ("catchment",), context.OFFICE_ROLES),
    ("auth_admin.user_list", _l("Users"), ("auth_admin",), ("admin",)),
    ("sync.status", _l("Synchronisation"), ("sync",), ("admin", "director")),
    ("requests.request_list", _l("Change requests"), ("requests",), context.OFFICE_ROLES),
    ("admissions.admission_list", _l("Admissions from the recruitment"), ("admissions",), context.OFFICE_ROLES),
)


def _unread_messages(user: UserAccount) -> str | None:
    """"unread: 3" after the Messages entry, in words so it never relies on colour; None when all are read."""
    if not user.staff_member_id:
        return None
    try:
        count = unread_count(db(), user.staff_member_id)
    except Exception:  # noqa: BLE001 - an error page must render even when the database is the problem
        return None
    return _("unread: %(count)s", count=count) if count else None


# What a menu entry shows after its label for the user (counted on every page, so it is never stale).
NAV_DETAILS = {"messages.inbox": _unread_messages}


def _load_user(user_id: int) -> UserAccount | None:
    return db().get(UserAccount, user_id)


def init_app(app: Flask, *, idle_minutes: int, max_hours: int) -> None:
    """Install the login guard, the session lifecycle and the page chrome on ``app``."""
    guard = sessions.SessionGuard(_load_user, idle_seconds=idle_minutes * 60, max_seconds=max_hours * 3600)
    app.register_blueprint(templates)
    sessions.install_guard(app, guard, public_endpoints=PUBLIC_ENDPOINTS, login_endpoint="auth.login")
    app.before_request(context.start_request)  # after the guard: it reads the user without the write lock
    app.after_request(context.finish_request)
    app.teardown_request(context.close_session)
    app.jinja_env.globals.update(labels=labels, label=labels.label)


def chrome() -> Chrome:
    """Header and menu of node pages for the current user."""
    user = context.current_user()
    school_name = None
    try:
        school_name = db().scalar(select(School.name).limit(1))
    except Exception:  # noqa: BLE001 - an error page must render even when the database is the problem
        school_name = None
    site_name = school_name or _("School server")
    if user is None:
        return Chrome(site_name=site_name, home_url=url_for("auth.login"))
    nav = tuple(
        NavItem(url_for(endpoint), str(label), current=request.blueprint in blueprints,
                detail=NAV_DETAILS[endpoint](user) if endpoint in NAV_DETAILS else None)
        for endpoint, label, blueprints, roles in NAV
        if user.role in roles
    )
    return Chrome(
        site_name=site_name,
        home_url=url_for("home"),
        user_name=user.display_name,
        role_label=str(labels.ROLES.get(user.role, user.role)),
        nav=nav,
        account_url=url_for("auth.account"),
        logout_url=url_for("auth.logout"),
    )
