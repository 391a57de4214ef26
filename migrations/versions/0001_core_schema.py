"""Core schema: groupements, convention versions, establishments, users, API tokens,
login failures, interventions, sessions, audit log, year closures.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 05:24:40.243898

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('groupement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_groupement')),
    sa.UniqueConstraint('name', name=op.f('uq_groupement_name'))
    )
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_remote_addr'), ['remote_addr'], unique=False)

    op.create_table('convention_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('duration_years', sa.Integer(), nullable=False),
    sa.Column('threshold_minutes', sa.Integer(), nullable=False),
    sa.Column('cap_minutes', sa.Integer(), nullable=False),
    sa.Column('hourly_rate', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('cap_minutes >= 0', name=op.f('ck_convention_version_cap_positive')),
    sa.CheckConstraint('hourly_rate >= 0', name=op.f('ck_convention_version_rate_positive')),
    sa.CheckConstraint('threshold_minutes >= 0', name=op.f('ck_convention_version_threshold_positive')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_convention_version_groupement_id_groupement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_convention_version')),
    sa.UniqueConstraint('groupement_id', 'valid_from', name=op.f('uq_convention_version_groupement_id_valid_from'))
    )
    with op.batch_alter_table('convention_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_convention_version_groupement_id'), ['groupement_id'], unique=False)

    op.create_table('establishment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('finess', sa.String(length=9), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_establishment_groupement_id_groupement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_establishment')),
    sa.UniqueConstraint('groupement_id', 'finess', name=op.f('uq_establishment_groupement_id_finess'))
    )
    with op.batch_alter_table('establishment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_establishment_groupement_id'), ['groupement_id'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], name=op.f('fk_user_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_user_groupement_id_groupement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_establishment_id'), ['establishment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_groupement_id'), ['groupement_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_api_token_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=True),
    sa.Column('other_establishment_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('object_type', sa.String(length=50), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_audit_entry_actor_id_user')),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], name=op.f('fk_audit_entry_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_audit_entry_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['other_establishment_id'], ['establishment.id'], name=op.f('fk_audit_entry_other_establishment_id_establishment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_establishment_id'), ['establishment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_other_establishment_id'), ['other_establishment_id'], unique=False)
        batch_op.create_index('ix_audit_groupement_at', ['groupement_id', 'at'], unique=False)

    op.create_table('intervention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('axis', sa.Integer(), nullable=False),
    sa.Column('nature', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('estimated_onsite_minutes', sa.Integer(), nullable=False),
    sa.Column('estimated_remote_minutes', sa.Integer(), nullable=False),
    sa.Column('threshold_minutes', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('report', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('activated_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('validated_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('axis BETWEEN 1 AND 5', name=op.f('ck_intervention_axis_range')),
    sa.CheckConstraint('beneficiary_id <> provider_id', name=op.f('ck_intervention_distinct_parties')),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['establishment.id'], name=op.f('fk_intervention_beneficiary_id_establishment')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_intervention_created_by_id_user')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_intervention_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['provider_id'], ['establishment.id'], name=op.f('fk_intervention_provider_id_establishment')),
    sa.ForeignKeyConstraint(['technician_id'], ['user.id'], name=op.f('fk_intervention_technician_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intervention'))
    )
    with op.batch_alter_table('intervention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intervention_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_groupement_id'), ['groupement_id'], unique=False)
        batch_op.create_index('ix_intervention_groupement_state', ['groupement_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_technician_id'), ['technician_id'], unique=False)

    op.create_table('year_closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=False),
    sa.Column('reopened_at', sa.DateTime(), nullable=True),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_year_closure_closed_by_id_user')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_year_closure_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['user.id'], name=op.f('fk_year_closure_reopened_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_year_closure')),
    sa.UniqueConstraint('groupement_id', 'year', name=op.f('uq_year_closure_groupement_id_year'))
    )
    op.create_table('intervention_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('intervention_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('hourly_rate', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_intervention_session_ends_after_start')),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_intervention_session_minutes_positive')),
    sa.ForeignKeyConstraint(['intervention_id'], ['intervention.id'], name=op.f('fk_intervention_session_intervention_id_intervention')),
    sa.ForeignKeyConstraint(['technician_id'], ['user.id'], name=op.f('fk_intervention_session_technician_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intervention_session'))
    )
    with op.batch_alter_table('intervention_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intervention_session_year'), ['year'], unique=False)
        batch_op.create_index('ix_session_intervention_year', ['intervention_id', 'year'], unique=False)
        batch_op.create_index('ix_session_technician_date', ['technician_id', 'date'], unique=False)




def downgrade():

    with op.batch_alter_table('intervention_session', schema=None) as batch_op:
        batch_op.drop_index('ix_session_technician_date')
        batch_op.drop_index('ix_session_intervention_year')
        batch_op.drop_index(batch_op.f('ix_intervention_session_year'))

    op.drop_table('intervention_session')
    op.drop_table('year_closure')
    with op.batch_alter_table('intervention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intervention_technician_id'))
        batch_op.drop_index(batch_op.f('ix_intervention_provider_id'))
        batch_op.drop_index('ix_intervention_groupement_state')
        batch_op.drop_index(batch_op.f('ix_intervention_groupement_id'))
        batch_op.drop_index(batch_op.f('ix_intervention_beneficiary_id'))

    op.drop_table('intervention')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_groupement_at')
        batch_op.drop_index(batch_op.f('ix_audit_entry_other_establishment_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_establishment_id'))

    op.drop_table('audit_entry')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_groupement_id'))
        batch_op.drop_index(batch_op.f('ix_user_establishment_id'))

    op.drop_table('user')
    with op.batch_alter_table('establishment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_establishment_groupement_id'))

    op.drop_table('establishment')
    with op.batch_alter_table('convention_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_convention_version_groupement_id'))

    op.drop_table('convention_version')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_remote_addr'))
        batch_op.drop_index(batch_op.f('ix_login_failure_email'))
        batch_op.drop_index(batch_op.f('ix_login_failure_at'))

    op.drop_table('login_failure')
    op.drop_table('groupement')

