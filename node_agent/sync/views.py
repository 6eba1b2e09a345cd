"""The sync status page: is the node enrolled, what waits in the outbox, how did recent runs go.

Read-only for the director; the administrator may also start a sync now. The page never
shows payloads or keys: counts, times and error codes only.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from node_agent.sync.messages import message_for, notices_for
from node_agent.sync.models import OutboxChange, SyncRun, SyncState
from node_agent.web.context import current_user, database, db, release, roles_required
from zszo.web.login import log_safe

log = logging.getLogger("node_agent.sync.web")
bp = Blueprint("sync", __name__, url_prefix="/sync")

RECENT_RUNS = 20
OUTCOMES = {"ok": _l("succeeded"), "error": _l("failed"), "running": _l("running")}
TRIGGERS = {
    "manual": _l("started by hand"),
    "interval": _l("regular"),
    "nightly": _l("nightly"),
    "startup": _l("at start-up"),
}


@bp.get("")
@roles_required("admin", "director")
def status():  # type: ignore[no-untyped-def]
    """Sync state, outbox backlog and the most recent runs."""
    state = db().get(SyncState, 1)
    backlog = db().scalar(select(func.count()).select_from(OutboxChange)) or 0
    runs = db().scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(RECENT_RUNS)).all()
    settings = current_app.config["ZSZO_SETTINGS"]
    hub_url = (state.hub_url if state else None) or settings["sync.hub_url"]
    error = _(message_for(state.last_error)) if state is not None and state.last_error else None
    notices = [_(text) for text in notices_for(runs[0].notices)] if runs else []
    return render_template(
        "node/sync_status.html",
        state=state,
        backlog=backlog,
        runs=runs,
        hub_url=hub_url,
        error=error,
        notices=notices,
        outcomes=OUTCOMES,
        triggers=TRIGGERS,
        can_sync=current_user().role == "admin",
    )


@bp.post("/now")
@roles_required("admin")
def sync_now():  # type: ignore[no-untyped-def]
    """Run one sync in this request and report the result."""
    try:
        from node_agent.sync.client import run_sync
    except ImportError:
        log.exception("sync client not available")
        flash(_("Synchronisation is not available on this server."), "error")
        return redirect(url_for("sync.status"))
    user = current_user()
    log.info("manual sync started by user=%s", log_safe(user.username if user else "-"))
    release()  # the sync writes in its own transactions; our request must not hold the write lock
    report = run_sync(current_app.config["ZSZO_SETTINGS"], database(), trigger="manual")
    if report.ok:
        flash(_("Synchronisation finished. Changes sent: %(count)s.", count=report.sent_changes), "success")
    else:
        flash(_(message_for(getattr(report, "error_code", None) or report.error)), "error")
    return redirect(url_for("sync.status"))
