"""Meetings, minutes (versioned), attendance, decisions, actions, votes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('video_url', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('technicians', 'directors')", name=op.f('ck_meeting_kind_known')),
    sa.CheckConstraint("status IN ('planned', 'held', 'cancelled')", name=op.f('ck_meeting_status_known')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_meeting_duration_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_meeting_created_by_id_user')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_meeting_groupement_id_groupement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_groupement_starts', ['groupement_id', 'starts_at'], unique=False)

    op.create_table('meeting_agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_agenda_item_meeting_id_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_agenda_item'))
    )
    with op.batch_alter_table('meeting_agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_agenda_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_invitee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_invitee_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_meeting_invitee_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_invitee')),
    sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_meeting_invitee_meeting_id_user_id'))
    )
    with op.batch_alter_table('meeting_invitee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_invitee_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_invitee_user_id'), ['user_id'], unique=False)

    op.create_table('meeting_minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finalised_at', sa.DateTime(), nullable=True),
    sa.Column('finalised_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'final')", name=op.f('ck_meeting_minutes_status_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_meeting_minutes_created_by_id_user')),
    sa.ForeignKeyConstraint(['finalised_by_id'], ['user.id'], name=op.f('fk_meeting_minutes_finalised_by_id_user')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_minutes_meeting_id_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_minutes')),
    sa.UniqueConstraint('meeting_id', 'version', name=op.f('uq_meeting_minutes_meeting_id_version'))
    )
    with op.batch_alter_table('meeting_minutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_minutes_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('owner_name', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('carried_from_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['carried_from_id'], ['meeting_action.id'], name=op.f('fk_meeting_action_carried_from_id_meeting_action')),
    sa.ForeignKeyConstraint(['minutes_id'], ['meeting_minutes.id'], name=op.f('fk_meeting_action_minutes_id_meeting_minutes')),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_meeting_action_owner_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_action'))
    )
    with op.batch_alter_table('meeting_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_action_minutes_id'), ['minutes_id'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('presence', sa.String(length=10), nullable=False),
    sa.CheckConstraint("presence IN ('present', 'excused', 'absent')", name=op.f('ck_meeting_attendance_presence_known')),
    sa.ForeignKeyConstraint(['minutes_id'], ['meeting_minutes.id'], name=op.f('fk_meeting_attendance_minutes_id_meeting_minutes')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_meeting_attendance_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance'))
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendance_minutes_id'), ['minutes_id'], unique=False)

    op.create_table('meeting_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('needs_unanimity', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['minutes_id'], ['meeting_minutes.id'], name=op.f('fk_meeting_decision_minutes_id_meeting_minutes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_decision'))
    )
    with op.batch_alter_table('meeting_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_decision_minutes_id'), ['minutes_id'], unique=False)

    op.create_table('meeting_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('cast_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("choice IN ('for', 'against', 'abstain')", name=op.f('ck_meeting_vote_choice_known')),
    sa.ForeignKeyConstraint(['decision_id'], ['meeting_decision.id'], name=op.f('fk_meeting_vote_decision_id_meeting_decision')),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], name=op.f('fk_meeting_vote_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_meeting_vote_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_vote')),
    sa.UniqueConstraint('decision_id', 'establishment_id', name=op.f('uq_meeting_vote_decision_id_establishment_id'))
    )
    with op.batch_alter_table('meeting_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_vote_decision_id'), ['decision_id'], unique=False)


def downgrade():

    with op.batch_alter_table('meeting_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_vote_decision_id'))

    op.drop_table('meeting_vote')
    with op.batch_alter_table('meeting_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_decision_minutes_id'))

    op.drop_table('meeting_decision')
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_minutes_id'))

    op.drop_table('meeting_attendance')
    with op.batch_alter_table('meeting_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_action_minutes_id'))

    op.drop_table('meeting_action')
    with op.batch_alter_table('meeting_minutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_minutes_meeting_id'))

    op.drop_table('meeting_minutes')
    with op.batch_alter_table('meeting_invitee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_invitee_user_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_invitee_meeting_id'))

    op.drop_table('meeting_invitee')
    with op.batch_alter_table('meeting_agenda_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_agenda_item_meeting_id'))

    op.drop_table('meeting_agenda_item')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_groupement_starts')

    op.drop_table('meeting')
