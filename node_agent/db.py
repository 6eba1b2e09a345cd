"""The node's database: declarative base, engine, sessions, start-up checks and migrations.

Sessions belong to their caller (a web request, a scheduler job, a CLI command). Writes start
with ``BEGIN IMMEDIATE`` (see :mod:`zszo.sqlite`); the capture triggers of
:mod:`node_agent.sync.capture` put every change of a synced table into the outbox inside the
same transaction, whatever wrote it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from zszo import sqlite as zsqlite

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base of all node models."""

    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    """Current UTC time without tzinfo (SQLite stores naive timestamps; we always mean UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Database:
    """Engine plus session factories for one node database file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine: Engine = zsqlite.make_engine(path)
        self.reader: Engine = zsqlite.reader(self.engine)  # the same pool, transactions start with a plain BEGIN
        self.write_session = sessionmaker(self.engine, expire_on_commit=False)
        self.read_session = sessionmaker(self.reader, expire_on_commit=False)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session that commits on success and rolls back on any exception."""
        with self.write_session() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration bound to ``engine`` (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision(s) the database is at ("a+b" when feature branches are unmerged), or None."""
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return "+".join(sorted(heads)) or None


def head_revision(engine: Engine) -> str | None:
    """The newest revision(s) this code ships, in the form of :func:`current_revision`."""
    return "+".join(sorted(ScriptDirectory.from_config(alembic_config(engine)).get_heads())) or None


def prepare(db: Database, backups: Path) -> str:
    """Bring the database to the current schema at start-up; return what happened.

    Runs under an exclusive file lock (two processes never migrate at once), takes a
    consistent backup before touching an existing database, migrates, re-installs the capture
    triggers and verifies pragmas and integrity.
    """
    from node_agent.sync import capture

    db.path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db.path.with_suffix(".migrate.lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        zsqlite.verify(db.engine, quick_check=db.path.exists() and db.path.stat().st_size > 0)
        before = current_revision(db.engine)
        head = head_revision(db.engine)
        outcome = "up to date"
        if before != head:
            if before is not None:
                stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
                zsqlite.backup(db.engine, backups / f"pre-migrate-{before}-{stamp}.sqlite")
            command.upgrade(alembic_config(db.engine), "heads")
            outcome = f"migrated {before or 'empty'} -> {head}"
        with db.engine.begin() as conn:
            capture.install(conn)
        zsqlite.verify(db.engine, quick_check=False)
    return outcome
