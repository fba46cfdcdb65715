"""speed and scale (#17): ballot_entries.proxy_user_id with a partial index for the proxy cap under the lock

Revision ID: f3a9b8c7d6e5
Revises: a4c6e8b0d2f5
Create Date: 2026-12-07 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'f3a9b8c7d6e5'
down_revision = 'a4c6e8b0d2f5'
branch_labels = None
depends_on = None

PROXY = sa.text('proxy_user_id IS NOT NULL')


def upgrade():
    with op.batch_alter_table('ballot_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proxy_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_ballot_entries_proxy_user_id_users', 'users', ['proxy_user_id'], ['id'])
    # A proxy's ballot was always cast by the proxy's own account (the cast path checks the delegation's
    # "proxy" against the caller), so the account that cast it is the proxy.
    op.execute('UPDATE ballot_entries SET proxy_user_id = user_id WHERE delegation_hash IS NOT NULL')
    op.create_index('ix_ballot_entries_meeting_proxy', 'ballot_entries', ['meeting_id', 'proxy_user_id', 'voter'],
                    unique=False, postgresql_where=PROXY, sqlite_where=PROXY)


def downgrade():
    op.drop_index('ix_ballot_entries_meeting_proxy', table_name='ballot_entries', postgresql_where=PROXY,
                  sqlite_where=PROXY)
    with op.batch_alter_table('ballot_entries', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ballot_entries_proxy_user_id_users', type_='foreignkey')
        batch_op.drop_column('proxy_user_id')
