"""sealed_boxes: the sealed-box declaration of paper ballots not yet entered at the close (#12 item 2)

Revision ID: 5e4a7c0b3d21
Revises: c5a7e2b9d013
Create Date: 2026-12-07 18:00:00
"""
from alembic import op
import sqlalchemy as sa

import govern.dbtypes


revision = '5e4a7c0b3d21'
down_revision = 'c5a7e2b9d013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sealed_boxes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('box', sa.JSON(), nullable=False),
        sa.Column('declared', sa.Integer(), nullable=False),
        sa.Column('signatures', sa.JSON(), nullable=False),
        sa.Column('created_at', govern.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('declared_at', govern.dbtypes.UTCDateTime(), nullable=True),
        sa.Column('ledger_length', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_sealed_boxes_community_id_communities')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_sealed_boxes_meeting_id_meetings')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sealed_boxes')),
        sa.UniqueConstraint('meeting_id', name=op.f('uq_sealed_boxes_meeting_id')),
    )
    with op.batch_alter_table('sealed_boxes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sealed_boxes_community_id'), ['community_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sealed_boxes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sealed_boxes_community_id'))
    op.drop_table('sealed_boxes')
