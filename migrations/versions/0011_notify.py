"""Each user chooses how he is notified: by e-mail too (the default, as before)
or in the app only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # Existing users keep receiving e-mails. Not in batch mode: on SQLite that
    # would copy the user table, which many tables reference (foreign keys on).
    op.add_column('user', sa.Column('notify_by_email', sa.Boolean(), server_default=sa.true(),
                                    nullable=False))


def downgrade():
    # SQLite ≥ 3.35 drops a plain column in place, like PostgreSQL.
    op.drop_column('user', 'notify_by_email')
