"""elections: preparatory group (筹备组), arrears flags, committee seats keep their term on the role grant (#14)

Revision ID: f3a9c1d2e4b5
Revises: e7d4c2b9a1f3
Create Date: 2026-12-07 22:20:00
"""
from alembic import op
import sqlalchemy as sa

import govern.dbtypes


revision = 'f3a9c1d2e4b5'
down_revision = 'e7d4c2b9a1f3'
branch_labels = None
depends_on = None



def upgrade():
    op.create_table(
        'preparatory_groups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('formed_by_id', sa.Integer(), nullable=False),
        sa.Column('formed_at', govern.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('dissolved_at', govern.dbtypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
        sa.ForeignKeyConstraint(['formed_by_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('preparatory_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_preparatory_groups_community_id'), ['community_id'], unique=False)
    op.create_table(
        'preparatory_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('constituency', sa.String(length=32), nullable=False),
        sa.Column('is_leader', sa.Boolean(), nullable=False),
        sa.Column('grant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['grant_id'], ['role_grants.id'], ),
        sa.ForeignKeyConstraint(['group_id'], ['preparatory_groups.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('preparatory_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_preparatory_members_group_id'), ['group_id'], unique=False)
    op.create_table(
        'owner_arrears_flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('set_by_id', sa.Integer(), nullable=False),
        sa.Column('set_at', govern.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('cleared_by_id', sa.Integer(), nullable=True),
        sa.Column('cleared_at', govern.dbtypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['cleared_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
        sa.ForeignKeyConstraint(['owner_id'], ['owners.id'], ),
        sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('owner_arrears_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_owner_arrears_flags_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_owner_arrears_flags_owner_id'), ['owner_id'], unique=False)

    # Committee seats: the term moves to the member's committee role grant (one home for terms).
    with op.batch_alter_table('election_committee_seats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grant_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_election_committee_seats_grant_id', 'role_grants', ['grant_id'], ['id'])
        batch_op.create_foreign_key('fk_election_committee_seats_replaces_id', 'election_committee_seats',
                                    ['replaces_id'], ['id'])
    conn = op.get_bind()
    seats = conn.execute(sa.text("SELECT id, community_id, user_id, term_start, term_end "
                                 "FROM election_committee_seats ORDER BY id")).fetchall()
    for seat_id, community_id, user_id, term_start, term_end in seats:
        grant = conn.execute(sa.text(
            "SELECT id, term_starts_on FROM role_grants WHERE user_id = :u AND community_id = :c "
            "AND role IN ('COMMITTEE_MEMBER', 'COMMITTEE_CHAIR', 'committee_member', 'committee_chair') "
            "AND revoked_at IS NULL ORDER BY id"), {"u": user_id, "c": community_id}).first()
        if grant is None:
            continue
        conn.execute(sa.text("UPDATE election_committee_seats SET grant_id = :g WHERE id = :s"),
                     {"g": grant[0], "s": seat_id})
        if grant[1] is None:
            conn.execute(sa.text("UPDATE role_grants SET term_starts_on = :a, term_ends_on = :b WHERE id = :g"),
                         {"a": term_start, "b": term_end, "g": grant[0]})
    with op.batch_alter_table('election_committee_seats', schema=None) as batch_op:
        batch_op.drop_column('term_start')
        batch_op.drop_column('term_end')


def downgrade():
    with op.batch_alter_table('election_committee_seats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('term_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('term_end', sa.Date(), nullable=True))
    op.execute("UPDATE election_committee_seats SET term_start = (SELECT term_starts_on FROM role_grants "
               "WHERE role_grants.id = election_committee_seats.grant_id), term_end = (SELECT term_ends_on "
               "FROM role_grants WHERE role_grants.id = election_committee_seats.grant_id)")
    with op.batch_alter_table('election_committee_seats', schema=None) as batch_op:
        batch_op.drop_constraint('fk_election_committee_seats_replaces_id', type_='foreignkey')
        batch_op.drop_constraint('fk_election_committee_seats_grant_id', type_='foreignkey')
        batch_op.drop_column('replaces_id')
        batch_op.drop_column('grant_id')
    with op.batch_alter_table('owner_arrears_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_owner_arrears_flags_owner_id'))
        batch_op.drop_index(batch_op.f('ix_owner_arrears_flags_community_id'))
    op.drop_table('owner_arrears_flags')
    with op.batch_alter_table('preparatory_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_preparatory_members_group_id'))
    op.drop_table('preparatory_members')
    with op.batch_alter_table('preparatory_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_preparatory_groups_community_id'))
    op.drop_table('preparatory_groups')
