"""The sync status page: what the administrator and the director see, and the "sync now" button."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from node_agent.db import utcnow
from node_agent.sync.messages import message_for
from node_agent.sync.models import OutboxChange, SyncRun, SyncState
from tests.node.web_factories import text


def backlog(db) -> int:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(OutboxChange))


def test_status_of_a_node_not_yet_enrolled(as_user, db):
    page = text(as_user("admin").get("/sync"))
    assert "Synchronizacja z serwerem miejskim" in page
    row = page.split("Zarejestrowany w serwerze miejskim</dt>")[1].split("</dd>")[0]
    assert row.strip().endswith("nie")
    waiting = page.split("Zmiany oczekujące na wysłanie</dt>")[1].split("</dd>")[0]
    assert waiting.strip().endswith(str(backlog(db))) and backlog(db) > 0
    assert "Synchronizuj teraz" in page
    assert "Nie przeprowadzono jeszcze żadnej synchronizacji." in page


def test_recent_runs_and_last_error(as_user, db, pl):
    with db.transaction() as session:
        session.add(
            SyncState(
                id=1,
                epoch="e",
                node_id="node-42",
                hub_url="https://hub.example.pl",
                acked_through=17,
                last_error="offline",
                last_error_at=utcnow(),
            )
        )
        session.add(
            SyncRun(trigger="nightly", outcome="ok", sent_changes=120, sent_batches=1, finished_at=utcnow())
        )
        session.add(
            SyncRun(
                trigger="interval", outcome="error", error="offline: connection refused", finished_at=utcnow()
            )
        )
    page = text(as_user("dyrektor").get("/sync"))
    assert "node-42" in page and "https://hub.example.pl" in page
    assert html.escape(pl(message_for("offline"))) in page
    runs = page.split("Ostatnie synchronizacje</caption>")[1]
    assert runs.index("regularna") < runs.index("nocna")  # newest first
    assert "udana" in runs and "nieudana" in runs and '<td class="numeric">120</td>' in runs


def test_director_reads_but_cannot_start_a_sync(as_user):
    director = as_user("dyrektor")
    assert "Synchronizuj teraz" not in text(director.get("/sync"))
    assert director.post("/sync/now", token_from="/sync").status_code == 403


def test_sync_now_reports_the_outcome(as_user, db, pl):
    pytest.importorskip("node_agent.sync.client")
    admin = as_user("admin")
    response = admin.post("/sync/now", token_from="/sync")
    assert response.status_code == 302 and response.headers["Location"] == "/sync"
    page = text(admin.get("/sync"))
    assert html.escape(pl(message_for("not_enrolled"))) in page  # not enrolled: a clear message, no crash
    with db.read_session() as session:
        run = session.scalar(select(SyncRun).order_by(SyncRun.id.desc()))
        assert (run.trigger, run.outcome) == ("manual", "error")
    assert "uruchomiona ręcznie" in page
