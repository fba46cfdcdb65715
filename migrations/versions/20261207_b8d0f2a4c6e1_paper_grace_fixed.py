"""meetings: the paper entry grace (issue #12 item 2) fixed when the notice is published

Revision ID: b8d0f2a4c6e1
Revises: f3a9b8c7d6e5
Create Date: 2026-12-07 23:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b8d0f2a4c6e1'
down_revision = 'f3a9b8c7d6e5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings') as batch_op:
        batch_op.add_column(sa.Column('paper_entry_grace_hours', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('meetings') as batch_op:
        batch_op.drop_column('paper_entry_grace_hours')
