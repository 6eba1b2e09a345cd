"""The hub's OLTP store (SQLite by default): accounts, fleet, the sync inbox and sync state.

Same durability rules as a node (WAL, ``synchronous=FULL``): a batch is acknowledged only after
its inbox row is committed here. Migrations run at start-up after a backup, under a lock.
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
    """Declarative base of the hub's OLTP models."""

    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    """Current UTC time, naive (stored as UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Database:
    """Engine and session factories of the hub's OLTP store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine: Engine = zsqlite.make_engine(path, pool_size=24)
        self.write_session = sessionmaker(self.engine, expire_on_commit=False)
        self.read_session = sessionmaker(zsqlite.reader(self.engine), expire_on_commit=False)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session committing on success, rolling back on any exception."""
        with self.write_session() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session (deferred BEGIN)."""
        with self.read_session() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration bound to ``engine``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def prepare(db: Database, backups: Path) -> str:
    """Migrate to the current schema under a lock, after a backup of an existing database."""
    db.path.parent.mkdir(parents=True, exist_ok=True)
    with open(db.path.with_suffix(".migrate.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        zsqlite.verify(db.engine, quick_check=db.path.exists() and db.path.stat().st_size > 0)
        with db.engine.connect() as conn:
            before = "+".join(sorted(MigrationContext.configure(conn).get_current_heads())) or None
        head = "+".join(sorted(ScriptDirectory.from_config(alembic_config(db.engine)).get_heads()))
        if before == head:
            return "up to date"
        if before is not None:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            zsqlite.backup(db.engine, backups / f"pre-migrate-{before}-{stamp}.sqlite")
        command.upgrade(alembic_config(db.engine), "heads")
        return f"migrated {before or 'empty'} -> {head}"
