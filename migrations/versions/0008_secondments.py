"""Temporary secondments (R8) and interventions attached to them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('secondment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('project', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('pricing', sa.String(length=10), nullable=False),
    sa.Column('hourly_rate', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('lump_sum', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('provider_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('provider_approved_at', sa.DateTime(), nullable=True),
    sa.Column('beneficiary_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('beneficiary_approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('refused_by_id', sa.Integer(), nullable=True),
    sa.Column('refused_at', sa.DateTime(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('provider_id <> beneficiary_id', name=op.f('ck_secondment_distinct_parties')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_secondment_period_ordered')),
    sa.CheckConstraint("status IN ('proposed', 'approved', 'refused', 'cancelled')", name=op.f('ck_secondment_status_known')),
    sa.CheckConstraint("(pricing = 'hourly' AND hourly_rate IS NOT NULL AND lump_sum IS NULL) OR "
                       "(pricing = 'lump_sum' AND lump_sum IS NOT NULL AND hourly_rate IS NULL)",
                       name=op.f('ck_secondment_pricing_consistent')),
    sa.ForeignKeyConstraint(['beneficiary_approved_by_id'], ['user.id'], name=op.f('fk_secondment_beneficiary_approved_by_id_user')),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['establishment.id'], name=op.f('fk_secondment_beneficiary_id_establishment')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_secondment_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'], name=op.f('fk_secondment_proposed_by_id_user')),
    sa.ForeignKeyConstraint(['provider_approved_by_id'], ['user.id'], name=op.f('fk_secondment_provider_approved_by_id_user')),
    sa.ForeignKeyConstraint(['provider_id'], ['establishment.id'], name=op.f('fk_secondment_provider_id_establishment')),
    sa.ForeignKeyConstraint(['refused_by_id'], ['user.id'], name=op.f('fk_secondment_refused_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secondment'))
    )
    with op.batch_alter_table('secondment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secondment_groupement_id'), ['groupement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_secondment_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_secondment_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index('ix_secondment_groupement_status', ['groupement_id', 'status'], unique=False)

    op.create_table('secondment_technician',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('secondment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['secondment_id'], ['secondment.id'], name=op.f('fk_secondment_technician_secondment_id_secondment')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_secondment_technician_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secondment_technician')),
    sa.UniqueConstraint('secondment_id', 'user_id', name=op.f('uq_secondment_technician_secondment_id_user_id'))
    )
    with op.batch_alter_table('secondment_technician', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secondment_technician_secondment_id'), ['secondment_id'], unique=False)

    # Interventions done under a secondment (nullable: the convention's by default).
    # Not in batch mode: on SQLite that would copy the intervention table, which the
    # sessions reference (foreign keys on): refused once there is data. SQLite adds
    # a nullable column with its foreign key in place.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE intervention ADD COLUMN secondment_id INTEGER '
                   'CONSTRAINT fk_intervention_secondment_id_secondment '
                   'REFERENCES secondment (id)')
    else:
        op.add_column('intervention', sa.Column('secondment_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_intervention_secondment_id_secondment'), 'intervention',
                              'secondment', ['secondment_id'], ['id'])
    op.create_index(op.f('ix_intervention_secondment_id'), 'intervention', ['secondment_id'],
                    unique=False)


def downgrade():

    op.drop_index(op.f('ix_intervention_secondment_id'), table_name='intervention')
    if op.get_bind().dialect.name != 'sqlite':  # SQLite (≥ 3.35) drops it with the column
        op.drop_constraint(op.f('fk_intervention_secondment_id_secondment'), 'intervention',
                           type_='foreignkey')
    op.drop_column('intervention', 'secondment_id')  # in place, on SQLite too

    with op.batch_alter_table('secondment_technician', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_secondment_technician_secondment_id'))

    op.drop_table('secondment_technician')
    with op.batch_alter_table('secondment', schema=None) as batch_op:
        batch_op.drop_index('ix_secondment_groupement_status')
        batch_op.drop_index(batch_op.f('ix_secondment_beneficiary_id'))
        batch_op.drop_index(batch_op.f('ix_secondment_provider_id'))
        batch_op.drop_index(batch_op.f('ix_secondment_groupement_id'))

    op.drop_table('secondment')
