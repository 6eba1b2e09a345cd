"""pinned root key and trust document version

Revision ID: 0014
Revises: 0018
Create Date: 2026-11-29 05:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('sync_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('root_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('trust_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('trust_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('sync_state', schema=None) as batch_op:
        batch_op.drop_column('trust_sha256')
        batch_op.drop_column('trust_version')
        batch_op.drop_column('root_key')
