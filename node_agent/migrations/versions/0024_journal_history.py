"""history of behaviour notes and homework (school-local, never synced)

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 12:10:00

Notes and homework become editable; like the gradebook's ``grade_history``, every addition, edit
and deletion is kept with the record before and after, the account and the time.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: Union[str, Sequence[str], None] = '0023'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('journal_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(length=30), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('staff_member_id', sa.String(length=36), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_history'))
    )
    with op.batch_alter_table('journal_history', schema=None) as batch_op:
        batch_op.create_index('ix_journal_history_record', ['entity', 'record_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('journal_history', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_history_record')
    op.drop_table('journal_history')
