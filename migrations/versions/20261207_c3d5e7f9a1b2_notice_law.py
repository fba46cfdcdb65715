"""meetings: the law in the notice (#13 items 3-7): the art. 278 item, attachments and art. 279 interested
units of a motion, the deemed-consent clause fixed at publication, and signed window extensions

Revision ID: c3d5e7f9a1b2
Revises: b7d2e4f6a813
Create Date: 2026-12-07 18:00:00
"""
from alembic import op
import sqlalchemy as sa

import govern.dbtypes


revision = 'c3d5e7f9a1b2'
down_revision = 'b7d2e4f6a813'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('interested', sa.JSON(), nullable=True))
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deemed_consent', sa.String(length=16), nullable=True))
    op.create_table(
        'meeting_extensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), sa.ForeignKey('communities.id'), nullable=False),
        sa.Column('meeting_id', sa.Integer(), sa.ForeignKey('meetings.id'), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('envelope', sa.JSON(), nullable=False),
        sa.Column('previous_closes_at', govern.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('closes_at', govern.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('received_at', govern.dbtypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_meeting_extensions_meeting_id', 'meeting_extensions', ['meeting_id'])
    op.create_index('ix_meeting_extensions_community_id', 'meeting_extensions', ['community_id'])


def downgrade():
    op.drop_index('ix_meeting_extensions_community_id', table_name='meeting_extensions')
    op.drop_index('ix_meeting_extensions_meeting_id', table_name='meeting_extensions')
    op.drop_table('meeting_extensions')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('deemed_consent')
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.drop_column('interested')
        batch_op.drop_column('attachments')
        batch_op.drop_column('item')
