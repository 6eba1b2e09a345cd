"""node key rotation, hub key rotation, trust documents, quarantine of revoked nodes' batches

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 05:10:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('node', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merge_fence', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('key_rotated_at', sa.DateTime(), nullable=True))
    op.create_table('retired_node_key',
    sa.Column('kid', sa.String(length=16), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('sign_key', sa.String(length=64), nullable=False),
    sa.Column('kex_key', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('replaced_by', sa.String(length=16), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['node_id'], ['node.id'], name=op.f('fk_retired_node_key_node_id_node')),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_retired_node_key'))
    )
    with op.batch_alter_table('retired_node_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retired_node_key_node_id'), ['node_id'], unique=False)
    op.create_table('hub_key',
    sa.Column('kid', sa.String(length=16), nullable=False),
    sa.Column('sign_key', sa.String(length=64), nullable=False),
    sa.Column('kex_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=False),
    sa.Column('valid_until', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_hub_key'))
    )
    op.create_table('trust_document',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.Column('root_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('current_kid', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_trust_document'))
    )
    op.create_table('quarantined_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('inbox_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.String(length=64), nullable=False),
    sa.Column('epoch', sa.String(length=64), nullable=False),
    sa.Column('first_seq', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('quarantined_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('envelope', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['inbox_id'], ['inbox_batch.id'], name=op.f('fk_quarantined_batch_inbox_id_inbox_batch')),
    sa.ForeignKeyConstraint(['node_id'], ['node.id'], name=op.f('fk_quarantined_batch_node_id_node')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantined_batch')),
    sa.UniqueConstraint('inbox_id', name=op.f('uq_quarantined_batch_inbox_id'))
    )
    with op.batch_alter_table('quarantined_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantined_batch_node_id'), ['node_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('quarantined_batch')
    op.drop_table('trust_document')
    op.drop_table('hub_key')
    op.drop_table('retired_node_key')
    with op.batch_alter_table('node', schema=None) as batch_op:
        batch_op.drop_column('key_rotated_at')
        batch_op.drop_column('merge_fence')
