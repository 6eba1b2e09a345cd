"""audit events are synced to the hub: a stable UUID id per event

Revision ID: 0019
Revises: 0015
Create Date: 2026-11-29 05:05:00

The integer key becomes ``seq`` (the chain's order) and ``id`` is the event's UUID, the synced
identity like every other entity's. Existing events get an id and are queued for the hub in their original order, so the hub's copy of
the audit log starts at the first event, not at the upgrade. The append-only trigger is lifted for
the backfill only, inside this migration's transaction.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0019'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NO_UPDATE = ("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
             "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
# A random version-4 UUID from SQLite alone (the same shape protocol.fields.new_id gives).
RANDOM_UUID = ("lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) "
               "|| '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' "
               "|| hex(randomblob(6)))")
# audit_event v1 as protocol.entities_secretariat.AUDIT_EVENT serialises it (the capture trigger's form).
V1_JSON = ("json_object('id', id, 'occurred_at', occurred_at, 'user_id', user_id, 'username', username, 'role', role, "
           "'action', action, 'entity', entity, 'record_id', record_id, 'purpose', purpose, "
           "'prev_hash', prev_hash, 'hash', hash)")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('audit_event', schema=None, recreate='never') as batch_op:
        batch_op.alter_column('id', new_column_name='seq')
        batch_op.add_column(sa.Column('id', sa.String(length=36), nullable=True))
        # "at" is a reserved word in the hub's DuckDB: the synced field needs a plain name.
        batch_op.alter_column('at', new_column_name='occurred_at')
    op.execute("DROP TRIGGER audit_event_no_update")
    op.execute(f"UPDATE audit_event SET id = {RANDOM_UUID} WHERE id IS NULL")
    op.execute(NO_UPDATE)
    op.create_index('ix_audit_event_id', 'audit_event', ['id'], unique=True)
    op.execute("INSERT INTO sync_outbox (entity, v, pk, op, ts, data) "
               "SELECT 'audit_event', 1, id, 'upsert', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), "
               f"{V1_JSON} FROM audit_event ORDER BY seq")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_audit_event_id', table_name='audit_event')
    op.execute("DROP TRIGGER audit_event_no_update")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('id')
        batch_op.alter_column('seq', new_column_name='id')
        batch_op.alter_column('occurred_at', new_column_name='at')
    op.execute(NO_UPDATE)
