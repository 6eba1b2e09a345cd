"""Web infrastructure shared by the school node's and the city hub's Flask apps.

:func:`init_app` gives an app everything that must be the same everywhere: security headers
and cookie settings, CSRF protection on every POST, Polish translations and date formats, the
base template with its skip link, header, navigation and error summary, form macros, our own
CSS, and Polish error pages. Nothing is served except the app's routes and the ``static``
folders of registered blueprints (create the app with ``static_folder=None``). This package
must never import the node or the hub.

An app (the node's is :mod:`node_agent.app`) wires it like this::

    app = Flask(__name__, static_folder=None)
    web.init_app(app, settings, chrome)          # chrome() -> Chrome(site name, user, menu)
    guard = sessions.SessionGuard(load_user, idle_seconds=..., max_seconds=...)
    sessions.install_guard(app, guard, public_endpoints={...}, login_endpoint="auth.login")
    # login views drive zszo.web.login.LoginFlow with AccountHooks bound to the app's accounts;
    # templates extend "zszo_web/base.html" and import "zszo_web/macros.html" as ui.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFProtect
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from zszo.web import errors, forms, security
from zszo.web.i18n import init_babel

MAX_FORM_BYTES = 2 * 1024 * 1024  # a form never needs more; larger requests get 413

csrf = CSRFProtect()
assets = Blueprint(
    "zszo_web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/zszo"
)


@dataclass(frozen=True)
class NavItem:
    """One link of the main menu."""

    url: str
    label: str
    current: bool = False
    detail: str | None = None  # shown after the label in words, e.g. "unread: 3" (part of the link's text)


@dataclass(frozen=True)
class Chrome:
    """What the base template shows around every page."""

    site_name: str
    home_url: str
    user_name: str | None = None
    role_label: str | None = None
    nav: tuple[NavItem, ...] = ()
    account_url: str | None = None
    logout_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


ChromeProvider = Callable[[], Chrome]


class _SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for every app of the process (tests build many apps).

    Jinja checks each entry against the template source's checksum, so an edited template is
    recompiled, never served stale.
    """

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._data.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._data[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _SharedBytecodeCache()


def init_app(app: Flask, settings: Mapping[str, Any], chrome: ChromeProvider) -> None:
    """Wire the shared web infrastructure into ``app`` from ``settings`` (the ``web.*`` and
    ``paths.secret_key`` options, which node and hub declare alike)."""
    app.secret_key = security.load_or_create_secret_key(Path(settings["paths.secret_key"]))
    security.configure_cookies(
        app, secure=settings["web.secure_cookies"], max_hours=settings["web.session_max_hours"],
        port=settings["web.port"],
    )
    app.config["MAX_CONTENT_LENGTH"] = MAX_FORM_BYTES
    app.jinja_env.autoescape = True  # also for templates without .html, should any appear
    app.jinja_env.bytecode_cache = _BYTECODE
    csrf.init_app(app)
    init_babel(app, settings["web.locale"])
    app.register_blueprint(assets)
    app.after_request(security.add_security_headers)
    errors.register(app)
    # The frame the shared pages (templates/auth/*) extend; an app with its own frame replaces it.
    app.jinja_env.globals.update(error_items=forms.error_items, page_layout="zszo_web/base.html")

    @app.context_processor
    def _chrome() -> dict[str, Any]:
        return {"chrome": chrome(), "html_lang": settings["web.locale"]}
