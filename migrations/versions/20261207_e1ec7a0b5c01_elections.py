"""elections: election motions (motions.election) and their candidates (#14)

Revision ID: e1ec7a0b5c01
Revises: c3d5e7f9a1b2
Create Date: 2026-12-07 18:10:00
"""
from alembic import op
import sqlalchemy as sa

import govern.dbtypes


revision = 'e1ec7a0b5c01'
down_revision = 'c3d5e7f9a1b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('election', sa.JSON(), nullable=True))
    op.create_table(
        'election_candidates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('motion_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('nominated_by', sa.String(length=16), nullable=False),
        sa.Column('nominator_id', sa.Integer(), nullable=False),
        sa.Column('cosigners', sa.JSON(), nullable=False),
        sa.Column('accepted_at', govern.dbtypes.UTCDateTime(), nullable=True),
        sa.Column('withdrawn_at', govern.dbtypes.UTCDateTime(), nullable=True),
        sa.Column('statement', sa.Text(), nullable=False),
        sa.Column('statement_sha256', sa.String(length=64), nullable=False),
        sa.Column('photo_sha256', sa.String(length=64), nullable=True),
        sa.Column('photo_type', sa.String(length=32), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_at', govern.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
        sa.ForeignKeyConstraint(['motion_id'], ['motions.id'], ),
        sa.ForeignKeyConstraint(['nominator_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('election_candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_election_candidates_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_election_candidates_motion_id'), ['motion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_election_candidates_user_id'), ['user_id'], unique=False)
    op.create_table(
        'election_committee_seats',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('motion_id', sa.Integer(), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('term_start', sa.Date(), nullable=False),
        sa.Column('term_end', sa.Date(), nullable=False),
        sa.Column('created_at', govern.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['candidate_id'], ['election_candidates.id'], ),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
        sa.ForeignKeyConstraint(['motion_id'], ['motions.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('election_committee_seats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_election_committee_seats_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_election_committee_seats_motion_id'), ['motion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_election_committee_seats_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('election_committee_seats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_election_committee_seats_user_id'))
        batch_op.drop_index(batch_op.f('ix_election_committee_seats_motion_id'))
        batch_op.drop_index(batch_op.f('ix_election_committee_seats_community_id'))
    op.drop_table('election_committee_seats')
    with op.batch_alter_table('election_candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_election_candidates_user_id'))
        batch_op.drop_index(batch_op.f('ix_election_candidates_motion_id'))
        batch_op.drop_index(batch_op.f('ix_election_candidates_community_id'))
    op.drop_table('election_candidates')
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.drop_column('election')
