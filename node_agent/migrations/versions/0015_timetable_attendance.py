"""timetable, lesson log and attendance

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-29 05:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('bell_time',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.String(length=5), nullable=False),
    sa.Column('ends_at', sa.String(length=5), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bell_time')),
    sa.UniqueConstraint('number', name=op.f('uq_bell_time_number'))
    )
    op.create_table('day_off',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_day_off')),
    sa.UniqueConstraint('day', name=op.f('uq_day_off_day'))
    )
    op.create_table('timetable_entry',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('lesson_number', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('staff_member_id', sa.String(length=36), nullable=False),
    sa.Column('group_name', sa.String(length=50), nullable=True),
    sa.Column('room', sa.String(length=20), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['class_unit.id'], name=op.f('fk_timetable_entry_class_id_class_unit')),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'], name=op.f('fk_timetable_entry_staff_member_id_staff_member')),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], name=op.f('fk_timetable_entry_subject_id_subject')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable_entry'))
    )
    with op.batch_alter_table('timetable_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timetable_entry_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_timetable_entry_staff_member_id'), ['staff_member_id'], unique=False)

    op.create_table('substitution',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('timetable_entry_id', sa.String(length=36), nullable=False),
    sa.Column('lesson_date', sa.Date(), nullable=False),
    sa.Column('staff_member_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'], name=op.f('fk_substitution_staff_member_id_staff_member')),
    sa.ForeignKeyConstraint(['timetable_entry_id'], ['timetable_entry.id'], name=op.f('fk_substitution_timetable_entry_id_timetable_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_substitution')),
    sa.UniqueConstraint('timetable_entry_id', 'lesson_date', name='entry_date')
    )
    with op.batch_alter_table('substitution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_substitution_lesson_date'), ['lesson_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_substitution_staff_member_id'), ['staff_member_id'], unique=False)

    op.create_table('lesson',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('timetable_entry_id', sa.String(length=36), nullable=False),
    sa.Column('lesson_date', sa.Date(), nullable=False),
    sa.Column('staff_member_id', sa.String(length=36), nullable=False),
    sa.Column('topic', sa.String(length=500), nullable=True),
    sa.Column('realised', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'], name=op.f('fk_lesson_staff_member_id_staff_member')),
    sa.ForeignKeyConstraint(['timetable_entry_id'], ['timetable_entry.id'], name=op.f('fk_lesson_timetable_entry_id_timetable_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson')),
    sa.UniqueConstraint('timetable_entry_id', 'lesson_date', name='entry_date')
    )
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_lesson_date'), ['lesson_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_lesson_staff_member_id'), ['staff_member_id'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('lesson_id', sa.String(length=36), nullable=False),
    sa.Column('pupil_id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('excused_by', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['excused_by'], ['staff_member.id'], name=op.f('fk_attendance_excused_by_staff_member')),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_attendance_lesson_id_lesson')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], name=op.f('fk_attendance_pupil_id_pupil')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('lesson_id', 'pupil_id', name='lesson_pupil')
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_pupil_id'), ['pupil_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    for table in ('attendance', 'lesson', 'substitution', 'timetable_entry', 'day_off', 'bell_time'):
        op.drop_table(table)
