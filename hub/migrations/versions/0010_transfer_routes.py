"""transfer routes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 21:41:50.334054

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('directory_sent',
    sa.Column('node_id', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('node_id', name=op.f('pk_directory_sent'))
    )
    op.create_table('transfer_route',
    sa.Column('transfer_id', sa.String(length=36), nullable=False),
    sa.Column('pupil_id', sa.String(length=36), nullable=False),
    sa.Column('from_node', sa.String(length=64), nullable=False),
    sa.Column('from_rspo', sa.String(length=10), nullable=False),
    sa.Column('to_rspo', sa.String(length=10), nullable=False),
    sa.Column('to_node', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('transfer_id', name=op.f('pk_transfer_route'))
    )
    with op.batch_alter_table('transfer_route', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_route_from_node'), ['from_node'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_route_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_route_to_node'), ['to_node'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('transfer_route', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_route_to_node'))
        batch_op.drop_index(batch_op.f('ix_transfer_route_state'))
        batch_op.drop_index(batch_op.f('ix_transfer_route_from_node'))

    op.drop_table('transfer_route')
    op.drop_table('directory_sent')
