"""The node's sync schedule: incremental syncs every few minutes plus a nightly run.

Exactly one scheduler runs per node: ``zszo node serve`` is a single process (threads, not
forked workers) and the scheduler additionally holds an exclusive file lock, so a second
process on the same data directory runs without one and says so in its log. The nightly run
gets a random delay (jitter) so the city's nodes do not all reach the hub at the same minute.
"""

from __future__ import annotations

import fcntl
import logging
from pathlib import Path
from typing import IO

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from node_agent.db import Database
from zszo.settings import Settings

log = logging.getLogger(__name__)


class SyncScheduler:
    """Owns the APScheduler instance and the lock that makes it the only one for this node."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings, self.db = settings, db
        self.scheduler: BackgroundScheduler | None = None
        self._lock_file: IO[str] | None = None

    def start(self) -> bool:
        """Start the jobs; return False if another process already runs this node's scheduler."""
        path = Path(self.settings["paths.data_dir"]) / "scheduler.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = open(path, "w")  # noqa: SIM115 - held open for the scheduler's lifetime
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            log.warning("another process runs the sync scheduler for %s; not starting a second one", path.parent)
            return False
        self._lock_file = lock_file
        scheduler = BackgroundScheduler(timezone="Europe/Warsaw", job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
        scheduler.add_job(self._run, IntervalTrigger(seconds=self.settings["sync.interval_seconds"],
                                                          jitter=min(30, self.settings["sync.interval_seconds"] // 10)),
                          args=("interval",), id="sync-interval")
        scheduler.add_job(self._run, CronTrigger(hour=self.settings["sync.nightly_hour"], minute=0,
                                                 jitter=self.settings["sync.nightly_jitter_minutes"] * 60),
                          args=("nightly",), id="sync-nightly")
        scheduler.start()
        self.scheduler = scheduler
        log.info("sync scheduler started: every %d s, nightly at %02d:00 + up to %d min",
                 self.settings["sync.interval_seconds"], self.settings["sync.nightly_hour"],
                 self.settings["sync.nightly_jitter_minutes"])
        return True

    def run_now(self) -> None:
        """Queue an immediate sync (used right after start-up)."""
        if self.scheduler is not None:
            self.scheduler.add_job(self._run, args=("startup",), id="sync-startup", replace_existing=True)

    def _run(self, trigger: str) -> None:
        from node_agent.sync.client import run_sync

        report = run_sync(self.settings, self.db, trigger)
        log.info("sync (%s): ok=%s sent=%d received=%d backlog=%d %s", trigger, report.ok, report.sent_changes,
                 report.received_messages, report.backlog, report.error or "")

    def shutdown(self) -> None:
        """Stop the jobs and release the lock."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
