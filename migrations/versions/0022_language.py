"""The interface's language of each person, chosen on the profile page and kept
across logins (issue 17 item 7): French for everyone already there.

Revision ID: 0022_language
Revises: 0021_weights
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022_language'
down_revision = '0021_weights'
branch_labels = None
depends_on = None


LANGUAGE_CHECK = "language IN ('fr', 'en')"


def upgrade():
    # No batch copy of the user table on SQLite: it takes the CHECK inline (as 0021).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE "user" ADD COLUMN language VARCHAR(5) DEFAULT \'fr\' '
                   'NOT NULL CONSTRAINT ck_user_language_known '
                   f'CHECK ({LANGUAGE_CHECK})')
    else:
        op.add_column('user', sa.Column('language', sa.String(length=5), nullable=False,
                                        server_default='fr'))
        op.create_check_constraint(op.f('ck_user_language_known'), 'user', LANGUAGE_CHECK)


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':  # SQLite drops it with the column
        op.drop_constraint(op.f('ck_user_language_known'), 'user', type_='check')
    op.drop_column('user', 'language')
