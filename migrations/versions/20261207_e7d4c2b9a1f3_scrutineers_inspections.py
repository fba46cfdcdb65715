"""meetings: scrutineers (监票人) named per meeting; records: owners' inspection requests (#12 item 4)

Revision ID: e7d4c2b9a1f3
Revises: e1ec7a0b5c01
Create Date: 2026-12-07 18:00:00
"""
from alembic import op
import sqlalchemy as sa

from govern.dbtypes import UTCDateTime


revision = 'e7d4c2b9a1f3'
down_revision = 'e1ec7a0b5c01'
branch_labels = None
depends_on = None

ACTIVE = sa.text('removed_at IS NULL')


def upgrade():
    op.create_table(
        'meeting_scrutineers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('named_by_id', sa.Integer(), nullable=True),
        sa.Column('named_at', UTCDateTime(), nullable=False),
        sa.Column('removed_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
        sa.ForeignKeyConstraint(['named_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('meeting_scrutineers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_scrutineers_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_scrutineers_meeting_id'), ['meeting_id'], unique=False)
    op.create_index('uq_meeting_scrutineers_active', 'meeting_scrutineers', ['meeting_id', 'user_id'], unique=True,
                    postgresql_where=ACTIVE, sqlite_where=ACTIVE)
    op.create_table(
        'record_inspection_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('record_inspection_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_inspection_requests_community_id'), ['community_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_record_inspection_requests_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_inspection_requests_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('record_inspection_requests')
    op.drop_index('uq_meeting_scrutineers_active', table_name='meeting_scrutineers', postgresql_where=ACTIVE,
                  sqlite_where=ACTIVE)
    op.drop_table('meeting_scrutineers')
