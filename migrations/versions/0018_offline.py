"""Offline session logging (issue 14, item 1): the client-made UUID of a session,
unique, so that a replayed entry is stored once.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # A plain column and a unique index: no batch copy of the sessions table on
    # SQLite (its CHECK constraints stay as they are).
    op.add_column('intervention_session',
                  sa.Column('client_uuid', sa.String(length=36), nullable=True))
    op.create_index('uq_session_client_uuid', 'intervention_session', ['client_uuid'],
                    unique=True)


def downgrade():
    op.drop_index('uq_session_client_uuid', table_name='intervention_session')
    op.drop_column('intervention_session', 'client_uuid')
