"""Alembic environment for the node: batch mode (SQLite), the engine passed in by the caller."""

from alembic import context

import node_agent.models  # noqa: F401 - registers every table on the metadata
from node_agent.db import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
