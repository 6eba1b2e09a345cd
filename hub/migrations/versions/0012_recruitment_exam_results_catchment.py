"""recruitment: exam results imported from a file, catchment areas, parents' password resets

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 05:05:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('recruitment_exam_result',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('exam_polish', sa.String(length=6), nullable=True),
    sa.Column('exam_maths', sa.String(length=6), nullable=True),
    sa.Column('exam_language', sa.String(length=6), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['recruitment_application.id'], name=op.f('fk_recruitment_exam_result_application_id_recruitment_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_recruitment_exam_result'))
    )
    op.create_table('recruitment_parent_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['recruitment_parent.id'], name=op.f('fk_recruitment_parent_reset_parent_id_recruitment_parent'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recruitment_parent_reset')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_recruitment_parent_reset_token_hash'))
    )
    with op.batch_alter_table('recruitment_parent_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recruitment_parent_reset_parent_id'), ['parent_id'], unique=False)

    op.create_table('recruitment_catchment',
    sa.Column('rspo', sa.String(length=10), nullable=False),
    sa.Column('streets', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['rspo'], ['institution.rspo'], name=op.f('fk_recruitment_catchment_rspo_institution')),
    sa.PrimaryKeyConstraint('rspo', name=op.f('pk_recruitment_catchment'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('recruitment_catchment')
    with op.batch_alter_table('recruitment_parent_reset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recruitment_parent_reset_parent_id'))
    op.drop_table('recruitment_parent_reset')
    op.drop_table('recruitment_exam_result')
