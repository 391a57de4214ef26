"""Equipment register, common trainings, exchanges and advice.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('equipment_movement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('from_id', sa.Integer(), nullable=False),
    sa.Column('to_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('serial_number', sa.String(length=100), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('expected_return', sa.Date(), nullable=True),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('condition_out', sa.String(length=500), nullable=False),
    sa.Column('condition_back', sa.String(length=500), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('returned_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('loan', 'donation')", name=op.f('ck_equipment_movement_kind_known')),
    sa.CheckConstraint("category IN ('network', 'workstation', 'phone', 'printing', 'server', 'other')", name=op.f('ck_equipment_movement_category_known')),
    sa.CheckConstraint('from_id <> to_id', name=op.f('ck_equipment_movement_two_establishments')),
    sa.CheckConstraint("(kind = 'loan' AND expected_return IS NOT NULL AND expected_return > date) OR (kind = 'donation' AND expected_return IS NULL AND returned_on IS NULL)", name=op.f('ck_equipment_movement_loan_or_donation')),
    sa.CheckConstraint('returned_on IS NULL OR returned_on >= date', name=op.f('ck_equipment_movement_return_after_date')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_equipment_movement_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['from_id'], ['establishment.id'], name=op.f('fk_equipment_movement_from_id_establishment')),
    sa.ForeignKeyConstraint(['to_id'], ['establishment.id'], name=op.f('fk_equipment_movement_to_id_establishment')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_equipment_movement_created_by_id_user')),
    sa.ForeignKeyConstraint(['returned_by_id'], ['user.id'], name=op.f('fk_equipment_movement_returned_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_movement'))
    )
    with op.batch_alter_table('equipment_movement', schema=None) as batch_op:
        batch_op.create_index('ix_equipment_movement_groupement_date', ['groupement_id', 'date'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_movement_from_id'), ['from_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_movement_to_id'), ['to_id'], unique=False)

    op.create_table('training',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('trainer', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("topic IN ('security', 'hardware', 'software', 'network', 'other')", name=op.f('ck_training_topic_known')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_training_duration_positive')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_training_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['organiser_id'], ['user.id'], name=op.f('fk_training_organiser_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training'))
    )
    with op.batch_alter_table('training', schema=None) as batch_op:
        batch_op.create_index('ix_training_groupement_date', ['groupement_id', 'date'], unique=False)

    op.create_table('training_attendee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['training_id'], ['training.id'], name=op.f('fk_training_attendee_training_id_training')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_training_attendee_user_id_user')),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], name=op.f('fk_training_attendee_establishment_id_establishment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_attendee')),
    sa.UniqueConstraint('training_id', 'user_id', name=op.f('uq_training_attendee_training_id_user_id'))
    )
    with op.batch_alter_table('training_attendee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_attendee_training_id'), ['training_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_attendee_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_attendee_establishment_id'), ['establishment_id'], unique=False)

    op.create_table('training_guests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint('count > 0', name=op.f('ck_training_guests_count_positive')),
    sa.ForeignKeyConstraint(['training_id'], ['training.id'], name=op.f('fk_training_guests_training_id_training')),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], name=op.f('fk_training_guests_establishment_id_establishment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_guests')),
    sa.UniqueConstraint('training_id', 'establishment_id', name=op.f('uq_training_guests_training_id_establishment_id'))
    )
    with op.batch_alter_table('training_guests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_guests_training_id'), ['training_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_guests_establishment_id'), ['establishment_id'], unique=False)

    op.create_table('exchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('giver_establishment_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_exchange_minutes_positive')),
    sa.CheckConstraint('giver_establishment_id <> recipient_id', name=op.f('ck_exchange_two_establishments')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_exchange_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['giver_id'], ['user.id'], name=op.f('fk_exchange_giver_id_user')),
    sa.ForeignKeyConstraint(['giver_establishment_id'], ['establishment.id'], name=op.f('fk_exchange_giver_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['recipient_id'], ['establishment.id'], name=op.f('fk_exchange_recipient_id_establishment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange'))
    )
    with op.batch_alter_table('exchange', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_groupement_date', ['groupement_id', 'date'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_giver_id'), ['giver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_giver_establishment_id'), ['giver_establishment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_recipient_id'), ['recipient_id'], unique=False)


def downgrade():
    with op.batch_alter_table('exchange', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_giver_establishment_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_giver_id'))
        batch_op.drop_index('ix_exchange_groupement_date')
    op.drop_table('exchange')

    with op.batch_alter_table('training_guests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_guests_establishment_id'))
        batch_op.drop_index(batch_op.f('ix_training_guests_training_id'))
    op.drop_table('training_guests')

    with op.batch_alter_table('training_attendee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_attendee_establishment_id'))
        batch_op.drop_index(batch_op.f('ix_training_attendee_user_id'))
        batch_op.drop_index(batch_op.f('ix_training_attendee_training_id'))
    op.drop_table('training_attendee')

    with op.batch_alter_table('training', schema=None) as batch_op:
        batch_op.drop_index('ix_training_groupement_date')
    op.drop_table('training')

    with op.batch_alter_table('equipment_movement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_movement_to_id'))
        batch_op.drop_index(batch_op.f('ix_equipment_movement_from_id'))
        batch_op.drop_index('ix_equipment_movement_groupement_date')
    op.drop_table('equipment_movement')
