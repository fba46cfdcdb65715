"""meetings: the voting-window bounds (R12) fixed when the notice is published, so govern verify holds the record
to them (#13 item 3)

Revision ID: a4c6e8b0d2f5
Revises: f3a9c1d2e4b5
Create Date: 2026-12-07 22:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a4c6e8b0d2f5'
down_revision = 'f3a9c1d2e4b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings') as batch_op:
        batch_op.add_column(sa.Column('window_min_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('window_max_days', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('meetings') as batch_op:
        batch_op.drop_column('window_max_days')
        batch_op.drop_column('window_min_days')
