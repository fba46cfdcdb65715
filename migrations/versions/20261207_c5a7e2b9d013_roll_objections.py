"""meetings: owners' objections to a published roll and the convening body's answers (#13 item 2)

Revision ID: c5a7e2b9d013
Revises: a9e3c1d2f4b5
Create Date: 2026-12-07 18:00:00

Caster changes (#13 item 1) need no schema change: they are ledger entries of kind ``caster_change``, and the
developer's representative is a role (``developer_rep``) in the existing string column.
"""
import sqlalchemy as sa
from alembic import op

import govern.dbtypes

revision = 'c5a7e2b9d013'
down_revision = 'a9e3c1d2f4b5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'roll_objections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('roll_hash', sa.String(length=64), nullable=False),
        sa.Column('unit', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('filed_at', govern.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('voided_notice', sa.Boolean(), nullable=False),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', govern.dbtypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('roll_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roll_objections_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roll_objections_meeting_id'), ['meeting_id'], unique=False)


def downgrade():
    with op.batch_alter_table('roll_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roll_objections_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_roll_objections_community_id'))
    op.drop_table('roll_objections')
