"""pending admission: the pupil it was entered as

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 05:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('pending_admission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pupil_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('pending_admission', schema=None) as batch_op:
        batch_op.drop_column('pupil_id')
