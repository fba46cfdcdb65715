"""owner keys: proof of possession, at most one active key per account (repairs overlapping keys)

Revision ID: 4b7e1d2c9a10
Revises: df01531a20f9
Create Date: 2026-12-07 15:40:00

Before this revision two concurrent enrolments could leave an account with several active keys. The
repair keeps each account's keys in enrolment order and ends every key that overlaps the next one at
that key's ``created_at`` (so the newest stays active and validity intervals no longer overlap). A key
ended this way gets ``revoked_reason = "overlap_repaired"`` and ``honoured_until``: its old end (its
``revoked_at``, or the moment of the repair when it had none). Signatures made under it before
``honoured_until`` stay valid; ``govern verify`` applies this rule (docs/record-format.md, "Keys").
Only then is the partial unique index created.
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

import govern.dbtypes


# revision identifiers, used by Alembic.
revision = '4b7e1d2c9a10'
down_revision = "df01531a20f9"
branch_labels = None
depends_on = None

ACTIVE = sa.text('revoked_at IS NULL')


def repair_overlapping_keys(conn, now: datetime) -> list[int]:
    """End every key that overlaps its account's next key at that key's enrolment; the ids changed."""
    keys = sa.table(
        'owner_keys', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
        sa.column('created_at', govern.dbtypes.UTCDateTime()), sa.column('revoked_at', govern.dbtypes.UTCDateTime()),
        sa.column('revoked_reason', sa.String), sa.column('honoured_until', govern.dbtypes.UTCDateTime()),
    )
    rows = conn.execute(sa.select(keys.c.id, keys.c.user_id, keys.c.created_at, keys.c.revoked_at)
                        .order_by(keys.c.user_id, keys.c.created_at, keys.c.id)).all()
    changed = []
    for a, b in zip(rows, rows[1:]):
        if a.user_id != b.user_id or (a.revoked_at is not None and a.revoked_at <= b.created_at):
            continue
        conn.execute(keys.update().where(keys.c.id == a.id).values(
            revoked_at=b.created_at, revoked_reason='overlap_repaired',
            honoured_until=a.revoked_at if a.revoked_at is not None else now))
        changed.append(a.id)
    return changed


def upgrade():
    with op.batch_alter_table('owner_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proof', sa.String(length=86), nullable=True))
        batch_op.add_column(sa.Column('issued_at', govern.dbtypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('honoured_until', govern.dbtypes.UTCDateTime(), nullable=True))
    repair_overlapping_keys(op.get_bind(), datetime.now(UTC))
    op.create_index('uq_owner_keys_one_active', 'owner_keys', ['user_id'], unique=True,
                    postgresql_where=ACTIVE, sqlite_where=ACTIVE)


def downgrade():
    # The repaired intervals stay repaired: reopening overlaps would only break the records again.
    op.drop_index('uq_owner_keys_one_active', table_name='owner_keys', postgresql_where=ACTIVE, sqlite_where=ACTIVE)
    with op.batch_alter_table('owner_keys', schema=None) as batch_op:
        batch_op.drop_column('honoured_until')
        batch_op.drop_column('issued_at')
        batch_op.drop_column('proof')
