"""gradebook: grade categories, grades, term/year and behaviour grades, descriptive assessments,
grading settings and the history of grade changes

Revision ID: 0016
Revises: 0019
Create Date: 2026-11-29 05:10:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _id() -> sa.Column:
    return sa.Column('id', sa.String(length=36), nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'))


def _index(table: str, *columns: str, name: str | None = None) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(name or batch_op.f(f'ix_{table}_{columns[0]}'), list(columns), unique=False)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('grade_category',
    _id(),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('counts', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_category')),
    sa.UniqueConstraint('name', name=op.f('uq_grade_category_name'))
    )
    op.create_table('grade',
    _id(),
    sa.Column('pupil_id', sa.String(length=36), nullable=False),
    sa.Column('assignment_id', sa.String(length=36), nullable=False),
    sa.Column('category_id', sa.String(length=36), nullable=False),
    sa.Column('symbol', sa.String(length=3), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('series_id', sa.String(length=36), nullable=True),
    sa.Column('teacher_id', sa.String(length=36), nullable=False),
    _fk('grade', 'pupil_id', 'pupil'),
    _fk('grade', 'assignment_id', 'teaching_assignment'),
    _fk('grade', 'category_id', 'grade_category'),
    _fk('grade', 'teacher_id', 'staff_member'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade'))
    )
    _index('grade', 'pupil_id')
    _index('grade', 'assignment_id', 'pupil_id', name='ix_grade_assignment_pupil')
    for table, scope in (("term_grade", "assignment_id"), ("behaviour_grade", "class_id")):
        target = 'teaching_assignment' if scope == 'assignment_id' else 'class_unit'
        op.create_table(table,
        _id(),
        sa.Column('pupil_id', sa.String(length=36), nullable=False),
        sa.Column(scope, sa.String(length=36), nullable=False),
        sa.Column('period', sa.String(length=4), nullable=False),
        sa.Column('stage', sa.String(length=8), nullable=False),
        sa.Column('value', sa.Integer() if table == 'term_grade' else sa.String(length=20), nullable=False),
        sa.Column('given_on', sa.Date(), nullable=False),
        sa.Column('teacher_id', sa.String(length=36), nullable=False),
        _fk(table, 'pupil_id', 'pupil'),
        _fk(table, scope, target),
        _fk(table, 'teacher_id', 'staff_member'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
        sa.UniqueConstraint('pupil_id', scope, 'period', 'stage', name='pupil_period_stage')
        )
        _index(table, 'pupil_id')
        _index(table, scope)
    op.create_table('descriptive_assessment',
    _id(),
    sa.Column('pupil_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('period', sa.String(length=4), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('teacher_id', sa.String(length=36), nullable=False),
    _fk('descriptive_assessment', 'pupil_id', 'pupil'),
    _fk('descriptive_assessment', 'class_id', 'class_unit'),
    _fk('descriptive_assessment', 'teacher_id', 'staff_member'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_descriptive_assessment')),
    sa.UniqueConstraint('pupil_id', 'class_id', 'period', name='pupil_period')
    )
    _index('descriptive_assessment', 'pupil_id')
    _index('descriptive_assessment', 'class_id')
    op.create_table('grading_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plus_hundredths', sa.Integer(), nullable=False),
    sa.Column('minus_hundredths', sa.Integer(), nullable=False),
    sa.Column('marks', sa.Text(), nullable=False),
    sa.Column('term_proposed_by', sa.Date(), nullable=True),
    sa.Column('term_final_by', sa.Date(), nullable=True),
    sa.Column('year_proposed_by', sa.Date(), nullable=True),
    sa.Column('year_final_by', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grading_settings'))
    )
    op.create_table('grade_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(length=30), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('staff_member_id', sa.String(length=36), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_history'))
    )
    _index('grade_history', 'entity', 'record_id', name='ix_grade_history_record')


def downgrade() -> None:
    """Downgrade schema."""
    for table in ('grade_history', 'grading_settings', 'descriptive_assessment', 'behaviour_grade', 'term_grade',
                  'grade', 'grade_category'):
        op.drop_table(table)
