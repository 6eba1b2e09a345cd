"""behaviour notes, homework, announcements (synced) and messages between staff (school-local)

Revision ID: 0020
Revises: 0014
Create Date: 2026-11-29 09:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: Union[str, Sequence[str], None] = '0014'
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
    op.create_table('behaviour_note',
    _id(),
    sa.Column('pupil_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    _fk('behaviour_note', 'pupil_id', 'pupil'),
    _fk('behaviour_note', 'class_id', 'class_unit'),
    _fk('behaviour_note', 'author_id', 'staff_member'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_behaviour_note'))
    )
    _index('behaviour_note', 'pupil_id')
    _index('behaviour_note', 'class_id', 'noted_on', name='ix_behaviour_note_class_date')
    op.create_table('homework',
    _id(),
    sa.Column('assignment_id', sa.String(length=36), nullable=False),
    sa.Column('set_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    _fk('homework', 'assignment_id', 'teaching_assignment'),
    _fk('homework', 'author_id', 'staff_member'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework'))
    )
    _index('homework', 'assignment_id')
    _index('homework', 'due_on')
    op.create_table('announcement',
    _id(),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    _fk('announcement', 'author_id', 'staff_member'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement'))
    )
    _index('announcement', 'valid_to')
    op.create_table('announcement_class',
    _id(),
    sa.Column('announcement_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    _fk('announcement_class', 'announcement_id', 'announcement'),
    _fk('announcement_class', 'class_id', 'class_unit'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_class')),
    sa.UniqueConstraint('announcement_id', 'class_id', name='announcement_class_once')
    )
    _index('announcement_class', 'announcement_id')
    _index('announcement_class', 'class_id')
    op.create_table('message',
    _id(),
    sa.Column('sender_kind', sa.String(length=10), nullable=False),
    sa.Column('sender_id', sa.String(length=36), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('reply_to_id', sa.String(length=36), nullable=True),
    sa.Column('sender_removed_at', sa.DateTime(), nullable=True),
    _fk('message', 'reply_to_id', 'message'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message'))
    )
    _index('message', 'sender_kind', 'sender_id', 'sent_at', name='ix_message_sender')
    op.create_table('message_recipient',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('recipient_kind', sa.String(length=10), nullable=False),
    sa.Column('recipient_id', sa.String(length=36), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    _fk('message_recipient', 'message_id', 'message'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_recipient')),
    sa.UniqueConstraint('message_id', 'recipient_kind', 'recipient_id', name='message_recipient_once')
    )
    _index('message_recipient', 'message_id')
    _index('message_recipient', 'recipient_kind', 'recipient_id', 'removed_at', name='ix_message_recipient_inbox')


def downgrade() -> None:
    """Downgrade schema."""
    for table in ('message_recipient', 'message', 'announcement_class', 'announcement', 'homework', 'behaviour_note'):
        op.drop_table(table)
