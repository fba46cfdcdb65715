"""meetings: the agenda object fixed by publishing the notice, and its hash (#12 item 6)

Revision ID: a9e3c1d2f4b5
Revises: 4b7e1d2c9a10
Create Date: 2026-12-07 16:00:00

Meetings published before this revision keep NULL: their ballots are govern.ballot.v1 and their records v1.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a9e3c1d2f4b5'
down_revision = '4b7e1d2c9a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('agenda_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('agenda_hash')
        batch_op.drop_column('agenda')
