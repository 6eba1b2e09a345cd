"""The school node's web application (Flask app factory).

Builds the app for one node: prepares the database (migrations after a backup, capture
triggers, pragma checks), wires the shared web infrastructure of :mod:`zszo.web`, the node's
login guard and one blueprint per feature. It never starts the sync scheduler: ``zszo node
serve`` owns that, so exactly one scheduler runs per node whatever creates apps (tests do).
"""

from __future__ import annotations

from flask import Flask, jsonify, redirect, url_for

from node_agent import config
from node_agent import web as node_web
from node_agent.db import Database, prepare
from zszo import web
from zszo.settings import Settings
from zszo.web.text import install_sqlite_functions


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> Flask:
    """Build the node web app from ``settings`` (default: :func:`node_agent.config.load`)."""
    settings = settings if settings is not None else config.load()
    db = db if db is not None else Database(settings["paths.database"])
    prepare(db, settings["paths.backups"])
    install_sqlite_functions(db.engine)

    # No app-level static folder: only the blueprints' static folders are served, so nothing
    # next to the code (or the data directory) can ever be fetched by URL.
    app = Flask(__name__, static_folder=None)
    app.config["ZSZO_SETTINGS"] = settings
    app.extensions["zszo_db"] = db
    web.init_app(app, settings, node_web.chrome)
    node_web.init_app(
        app, idle_minutes=settings["web.session_idle_minutes"], max_hours=settings["web.session_max_hours"]
    )

    from node_agent.admissions.views import bp as admissions_bp
    from node_agent.auth.admin_views import admin_bp
    from node_agent.auth.views import bp as auth_bp
    from node_agent.register.guardian_views import bp as guardians_bp
    from node_agent.register.views import bp as register_bp
    from node_agent.requests.views import bp as requests_bp
    from node_agent.school.views import bp as school_bp
    from node_agent.staff.views import bp as staff_bp
    from node_agent.sync.views import bp as sync_bp

    for blueprint in (auth_bp, admin_bp, register_bp, guardians_bp, school_bp, staff_bp, sync_bp, requests_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(admissions_bp)  # pupils admitted in the city's recruitment
    from node_agent.documents.views import bp as documents_bp
    from node_agent.register.book_views import bp as book_bp
    from node_agent.register.promotion_views import bp as promotion_bp
    from node_agent.transfers.views import bp as transfers_bp

    for blueprint in (book_bp, promotion_bp, transfers_bp, documents_bp):  # e-Sekretariat
        app.register_blueprint(blueprint)
    from node_agent.attendance.tutor_views import bp as attendance_bp
    from node_agent.attendance.views import bp as lessons_bp
    from node_agent.timetable.views import bp as timetable_bp

    for blueprint in (timetable_bp, lessons_bp, attendance_bp):  # e-Dziennik: timetable, lessons, attendance
        app.register_blueprint(blueprint)
    from node_agent.grades import class_views, settings_views, views  # noqa: F401 - routes of the grades blueprint
    from node_agent.grades.web import bp as grades_bp

    app.register_blueprint(grades_bp)  # e-Dziennik: grades
    from node_agent.journal import announcement_views, homework_views, notes_views
    from node_agent.messages.views import bp as messages_bp

    for blueprint in (notes_views.bp, homework_views.bp, announcement_views.bp, messages_bp):
        app.register_blueprint(blueprint)  # e-Dziennik: notes, homework, announcements, staff messages
    from node_agent.overview.views import bp as overview_bp

    app.register_blueprint(overview_bp)  # e-Dziennik: class at a glance, school overview, pupil card
    from node_agent.ejournal.views import bp as ejournal_bp

    app.register_blueprint(ejournal_bp)  # e-Dziennik: the yearly signed archive
    from node_agent.catchment.views import bp as catchment_bp
    from node_agent.imports.views import bp as imports_bp

    for blueprint in (imports_bp, catchment_bp):  # e-Sekretariat: imports in the web UI, obwód
        app.register_blueprint(blueprint)

    @app.get("/")
    @node_web.context.roles_required(*node_web.context.ALL_ROLES)
    def home():  # type: ignore[no-untyped-def]
        """The start page is the pupil register."""
        return redirect(url_for("register.pupil_list"))

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        """For monitoring on the intranet: the database answers; sync backlog and last sync error code."""
        from sqlalchemy import func, select

        from node_agent.sync.models import OutboxChange, SyncState

        with db.read_session() as session:
            backlog = session.scalar(select(func.count()).select_from(OutboxChange)) or 0
            row = session.get(SyncState, 1)
            return jsonify({"ok": True, "backlog": backlog, "enrolled": bool(row and row.node_id),
                            "last_error": row.last_error if row else None})

    return app
