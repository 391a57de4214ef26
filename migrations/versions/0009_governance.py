"""Groupement identity card, membership and renewal votes, establishments' status.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Existing establishments are the founding members.
    with op.batch_alter_table('establishment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='member',
                                      nullable=False))

    op.create_table('groupement_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('sector', sa.String(length=200), nullable=False),
    sa.Column('public_served', sa.Text(), nullable=False),
    sa.Column('cooperation', sa.Text(), nullable=False),
    sa.Column('agreements', sa.Text(), nullable=False),
    sa.Column('resource_persons', sa.Integer(), nullable=True),
    sa.Column('entry_terms', sa.Text(), nullable=False),
    sa.Column('governance', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('resource_persons IS NULL OR resource_persons >= 0', name=op.f('ck_groupement_profile_resource_persons_positive')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_groupement_profile_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_groupement_profile_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_groupement_profile')),
    sa.UniqueConstraint('groupement_id', name=op.f('uq_groupement_profile_groupement_id'))
    )

    op.create_table('governance_procedure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('open_key', sa.String(length=20), nullable=True),
    sa.Column('candidate_name', sa.String(length=200), nullable=False),
    sa.Column('candidate_finess', sa.String(length=9), nullable=False),
    sa.Column('candidate_contact', sa.String(length=500), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('new_period_end', sa.Date(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome_reason', sa.Text(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('membership', 'renewal')", name=op.f('ck_governance_procedure_kind_known')),
    sa.CheckConstraint("status IN ('open', 'approved', 'refused', 'withdrawn')", name=op.f('ck_governance_procedure_status_known')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_governance_procedure_closed_by_id_user')),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], name=op.f('fk_governance_procedure_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_governance_procedure_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], name=op.f('fk_governance_procedure_opened_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_procedure')),
    sa.UniqueConstraint('groupement_id', 'kind', 'open_key', name=op.f('uq_governance_procedure_groupement_id_kind_open_key'))
    )
    with op.batch_alter_table('governance_procedure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_procedure_groupement_id'), ['groupement_id'], unique=False)

    op.create_table('governance_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=10), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('cast_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("choice IS NULL OR choice IN ('for', 'against')", name=op.f('ck_governance_ballot_choice_known')),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], name=op.f('fk_governance_ballot_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['procedure_id'], ['governance_procedure.id'], name=op.f('fk_governance_ballot_procedure_id_governance_procedure')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_governance_ballot_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_ballot')),
    sa.UniqueConstraint('procedure_id', 'establishment_id', name=op.f('uq_governance_ballot_procedure_id_establishment_id'))
    )
    with op.batch_alter_table('governance_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_ballot_establishment_id'), ['establishment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_governance_ballot_procedure_id'), ['procedure_id'], unique=False)


def downgrade():
    with op.batch_alter_table('governance_ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_ballot_procedure_id'))
        batch_op.drop_index(batch_op.f('ix_governance_ballot_establishment_id'))
    op.drop_table('governance_ballot')

    with op.batch_alter_table('governance_procedure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_procedure_groupement_id'))
    op.drop_table('governance_procedure')

    op.drop_table('groupement_profile')

    # Not in batch mode: on SQLite that would copy the establishment table, which
    # every other table references (foreign keys on); SQLite ≥ 3.35 drops a plain
    # column in place, like PostgreSQL.
    op.drop_column('establishment', 'status')
