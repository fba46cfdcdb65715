"""law (#13 items 8, 9): result objections, voided roll snapshots kept, committee terms, objection period and
the street office's convening reason on meetings

Revision ID: b7d2e4f6a813
Revises: 5e4a7c0b3d21
Create Date: 2026-12-07 18:10:00
"""
from alembic import op
import sqlalchemy as sa

import govern.dbtypes


revision = 'b7d2e4f6a813'
down_revision = '5e4a7c0b3d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objection_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('convening_reason', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('term_starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('term_ends_on', sa.Date(), nullable=True))
    op.create_table(
        'voided_rolls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), sa.ForeignKey('communities.id'), nullable=False),
        sa.Column('meeting_id', sa.Integer(), sa.ForeignKey('meetings.id'), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('roll_hash', sa.String(length=64), nullable=True),
        sa.Column('frozen_at', govern.dbtypes.UTCDateTime(), nullable=True),
        sa.Column('agenda_hash', sa.String(length=64), nullable=True),
        sa.Column('total_area', sa.Integer(), nullable=False),
        sa.Column('total_persons', sa.Integer(), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('voided_at', govern.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('voided_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('meeting_id', 'generation'),
    )
    op.create_index('ix_voided_rolls_community_id', 'voided_rolls', ['community_id'])
    op.create_index('ix_voided_rolls_meeting_id', 'voided_rolls', ['meeting_id'])
    op.create_table(
        'result_objections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), sa.ForeignKey('communities.id'), nullable=False),
        sa.Column('meeting_id', sa.Integer(), sa.ForeignKey('meetings.id'), nullable=False),
        sa.Column('motion_id', sa.Integer(), sa.ForeignKey('motions.id'), nullable=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('filed_at', govern.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('decision', sa.String(length=16), nullable=True),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('envelope', sa.JSON(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('answered_at', govern.dbtypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_result_objections_community_id', 'result_objections', ['community_id'])
    op.create_index('ix_result_objections_meeting_id', 'result_objections', ['meeting_id'])


def downgrade():
    op.drop_index('ix_result_objections_meeting_id', table_name='result_objections')
    op.drop_index('ix_result_objections_community_id', table_name='result_objections')
    op.drop_table('result_objections')
    op.drop_index('ix_voided_rolls_meeting_id', table_name='voided_rolls')
    op.drop_index('ix_voided_rolls_community_id', table_name='voided_rolls')
    op.drop_table('voided_rolls')
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_column('term_ends_on')
        batch_op.drop_column('term_starts_on')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('convening_reason')
        batch_op.drop_column('objection_days')
