"""The hub's Flask application factory: the node API, the city office's web app and ``/healthz``.

Two kinds of client share the app. School nodes call ``/api/v1`` (:mod:`hub.sync.api`): every
call is signed or token-bound, so that blueprint is exempt from CSRF, never needs a login and
never gets a session cookie, and its requests may be as large as a batch envelope. People of the
city education office use the web pages, wired from :mod:`zszo.web` (security headers, CSRF on
every form, Polish pages, 2 MiB form limit) with the hub's login guard (:mod:`hub.web`). The app
never starts the merger unless asked: ``zszo hub serve`` owns it, so exactly one merger runs.
"""

from __future__ import annotations

from flask import Flask, jsonify, redirect, request, url_for

from hub import config
from hub import web as hub_web
from hub.runtime import HubRuntime, build
from zszo import web
from zszo.settings import Settings


def create_app(settings: Settings | None = None, *, runtime: HubRuntime | None = None,
               start_merger: bool = False) -> Flask:
    """Build the hub app; ``start_merger`` runs the warehouse merger thread in this process."""
    settings = settings or config.load()
    runtime = runtime or build(settings)
    # No app-level static folder: only the blueprints' static folders are served, so nothing next
    # to the code (or the data directory with its keys and databases) can ever be fetched by URL.
    app = Flask(__name__, static_folder=None)
    app.config["ZSZO_SETTINGS"] = settings
    app.extensions["zszo_hub"] = runtime
    web.init_app(app, settings, hub_web.chrome)

    from hub.sync.api import bp as sync_api

    web.csrf.exempt(sync_api)  # nodes sign their calls; they have no session to forge requests with
    app.register_blueprint(sync_api)
    api_endpoints = {name for name in app.view_functions if name.startswith(f"{sync_api.name}.")}
    api_max_bytes = runtime.limits.max_envelope + 4096

    @app.before_request
    def api_body_limit():  # type: ignore[no-untyped-def]
        """Batches may be as large as an envelope; forms keep zszo.web's 2 MiB limit."""
        if request.blueprint == sync_api.name:
            request.max_content_length = api_max_bytes

    from hub.recruitment.portal.views import bp as portal_bp

    app.register_blueprint(portal_bp)  # parents log in on the portal itself, not through the staff guard
    portal_endpoints = {name for name in app.view_functions if name.startswith(f"{portal_bp.name}.")}
    hub_web.init_app(
        app, idle_minutes=settings["web.session_idle_minutes"], max_hours=settings["web.session_max_hours"],
        machine_endpoints=api_endpoints, public_endpoints=portal_endpoints,
    )

    from hub.auth.admin_views import bp as accounts_bp
    from hub.auth.views import bp as auth_bp
    from hub.compulsory.views import bp as compulsory_bp
    from hub.dashboard.views import bp as dashboard_bp
    from hub.fleet.views import bp as fleet_bp
    from hub.recruitment.campaign.views import bp as recruitment_bp
    from hub.recruitment.results.views import bp as recruitment_results_bp
    from hub.recruitment.schools.views import bp as recruitment_school_bp

    for blueprint in (auth_bp, accounts_bp, fleet_bp, dashboard_bp, compulsory_bp, recruitment_bp,
                      recruitment_results_bp, recruitment_school_bp):
        app.register_blueprint(blueprint)

    @app.get("/")
    @hub_web.context.roles_required(*hub_web.context.ALL_ROLES)
    def home():  # type: ignore[no-untyped-def]
        """The start page is the city dashboard (a school's recruitment staff start at their applications)."""
        user = hub_web.context.current_user()
        if user is not None and user.role == "school":
            return redirect(url_for("recruitment_school.applications"))
        return redirect(url_for("dashboard.overview"))

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        """For monitoring: inbox position, merge position, merger thread alive, last merge error."""
        from hub.dashboard.queries import inbox_through, merged_through

        with runtime.db.reading() as session:
            inbox = inbox_through(session)
        merger = runtime.merger
        cursor = hub_web.context.warehouse_cursor()  # closed when the request ends
        merged = merged_through(cursor) if cursor is not None else None
        return jsonify({
            "ok": merger is None or merger.is_alive(),
            "inbox_through": inbox,
            "merged_through": merged,
            "merger_alive": None if merger is None else merger.is_alive(),
            "merger_error": None if merger is None else merger.last_error,
        })

    if start_merger:
        runtime.start_merger()
    return app
