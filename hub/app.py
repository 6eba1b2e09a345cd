"""The hub's Flask application factory."""

from __future__ import annotations

from flask import Flask, jsonify

from hub import config
from hub.runtime import HubRuntime, build
from zszo.settings import Settings


def create_app(settings: Settings | None = None, *, runtime: HubRuntime | None = None,
               start_merger: bool = False) -> Flask:
    """Build the hub app; ``start_merger`` runs the warehouse merger thread in this process."""
    settings = settings or config.load()
    runtime = runtime or build(settings)
    app = Flask(__name__)
    app.config["ZSZO_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = runtime.limits.max_envelope + 4096
    app.extensions["zszo_hub"] = runtime

    from hub.sync.api import bp as sync_api

    app.register_blueprint(sync_api)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        """For monitoring: inbox position, merge position, merger thread alive, last merge error."""
        from sqlalchemy import func, select

        from hub.sync.models import InboxBatch

        with runtime.db.reading() as session:
            inbox = session.scalar(select(func.max(InboxBatch.id))) or 0
        merger = runtime.merger
        merged = runtime.warehouse.merged_through() if runtime.warehouse is not None else None
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
