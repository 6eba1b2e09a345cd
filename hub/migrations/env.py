"""Alembic environment for the hub OLTP store (batch mode for SQLite)."""

from alembic import context

import hub.models  # noqa: F401 - registers every table
from hub.db import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
