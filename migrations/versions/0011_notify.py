"""Each user chooses how he is notified: by e-mail too (the default, as before)
or in the app only.

Revision ID: 0011_notify
Revises: 0010
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_notify'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # Existing users keep receiving e-mails.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_by_email', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('notify_by_email')
