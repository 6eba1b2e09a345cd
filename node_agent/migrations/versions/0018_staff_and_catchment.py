"""staff qualifications, employment, subjects, promotion grade; catchment area and children due to start

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 05:25:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0018'
down_revision: Union[str, Sequence[str], None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promotion_grade', sa.String(length=20), nullable=True))

    op.create_table('staff_qualification',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('staff_member_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('field_of_study', sa.String(length=200), nullable=False),
    sa.Column('institution', sa.String(length=300), nullable=True),
    sa.Column('obtained_on', sa.Date(), nullable=True),
    sa.Column('document_number', sa.String(length=50), nullable=True),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'], name=op.f('fk_staff_qualification_staff_member_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_qualification'))
    )
    with op.batch_alter_table('staff_qualification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_qualification_staff_member_id'), ['staff_member_id'], unique=False)

    op.create_table('staff_employment',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('staff_member_id', sa.String(length=36), nullable=False),
    sa.Column('basis', sa.String(length=30), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('fte_numerator', sa.Integer(), nullable=False),
    sa.Column('fte_denominator', sa.Integer(), nullable=False),
    sa.Column('teaching_hours_norm', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'], name=op.f('fk_staff_employment_staff_member_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_employment'))
    )
    with op.batch_alter_table('staff_employment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_employment_staff_member_id'), ['staff_member_id'], unique=False)

    op.create_table('staff_subject',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('staff_member_id', sa.String(length=36), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'], name=op.f('fk_staff_subject_staff_member_id_staff_member')),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], name=op.f('fk_staff_subject_subject_id_subject')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_subject')),
    sa.UniqueConstraint('staff_member_id', 'subject_id', name=op.f('uq_staff_subject_staff_member_id'))
    )
    with op.batch_alter_table('staff_subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_subject_staff_member_id'), ['staff_member_id'], unique=False)

    op.create_table('catchment_street',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('street', sa.String(length=150), nullable=False),
    sa.Column('number_from', sa.Integer(), nullable=True),
    sa.Column('number_to', sa.Integer(), nullable=True),
    sa.Column('parity', sa.String(length=4), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catchment_street'))
    )
    with op.batch_alter_table('catchment_street', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catchment_street_street'), ['street'], unique=False)

    op.create_table('catchment_child',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('pesel', sa.String(length=11), nullable=True),
    sa.Column('document_type', sa.String(length=20), nullable=True),
    sa.Column('document_number', sa.String(length=30), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('street', sa.String(length=150), nullable=True),
    sa.Column('postal_code', sa.String(length=6), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decision_number', sa.String(length=50), nullable=True),
    sa.Column('other_school', sa.String(length=300), nullable=True),
    sa.Column('other_school_address', sa.String(length=300), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catchment_child'))
    )
    with op.batch_alter_table('catchment_child', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catchment_child_school_year'), ['school_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_catchment_child_pesel'), ['pesel'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    for table, indexes in (
        ('catchment_child', ('ix_catchment_child_pesel', 'ix_catchment_child_school_year')),
        ('catchment_street', ('ix_catchment_street_street',)),
        ('staff_subject', ('ix_staff_subject_staff_member_id',)),
        ('staff_employment', ('ix_staff_employment_staff_member_id',)),
        ('staff_qualification', ('ix_staff_qualification_staff_member_id',)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(batch_op.f(index))
        op.drop_table(table)
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.drop_column('promotion_grade')
