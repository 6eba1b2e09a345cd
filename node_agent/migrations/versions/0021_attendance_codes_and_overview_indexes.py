"""school-defined attendance codes (attendance_code, attendance.school_code_id); covering indexes for the
overview pages (grades summed per pupil and subject, attendance counted per pupil and code)

Revision ID: 0021
Revises: 0014
Create Date: 2026-11-29 09:20:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: Union[str, Sequence[str], None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('attendance_code',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('mark', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_code')),
    sa.UniqueConstraint('mark', name=op.f('uq_attendance_code_mark'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_code_id', sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_attendance_school_code_id_attendance_code'), 'attendance_code',
                                    ['school_code_id'], ['id'])
        batch_op.create_index('ix_attendance_lesson_pupil_code', ['lesson_id', 'pupil_id', 'code'], unique=False)
    with op.batch_alter_table('grade', schema=None) as batch_op:
        batch_op.drop_index('ix_grade_assignment_pupil')
        batch_op.create_index('ix_grade_assignment_pupil_marks', ['assignment_id', 'pupil_id', 'category_id', 'symbol'],
                              unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('grade', schema=None) as batch_op:
        batch_op.drop_index('ix_grade_assignment_pupil_marks')
        batch_op.create_index('ix_grade_assignment_pupil', ['assignment_id', 'pupil_id'], unique=False)
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_lesson_pupil_code')
        batch_op.drop_constraint(batch_op.f('fk_attendance_school_code_id_attendance_code'), type_='foreignkey')
        batch_op.drop_column('school_code_id')
    op.drop_table('attendance_code')
