"""User lifecycle and login protection (issue 12, items 7 and 8): optional expiry of
API tokens, the addresses each person logs in from (failures of strangers on his
e-mail no longer lock him out from there), « Mot de passe oublié » requests.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))

    op.create_table('login_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('last_success_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_address_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_address')),
    sa.UniqueConstraint('user_id', 'remote_addr', name=op.f('uq_login_address_user_id_remote_addr'))
    )
    with op.batch_alter_table('login_address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_address_user_id'), ['user_id'], unique=False)

    op.create_table('password_reset_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_request'))
    )
    with op.batch_alter_table('password_reset_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_request_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_reset_request_email'), ['email'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_password_reset_request_remote_addr'),
                              ['remote_addr'], unique=False)


def downgrade():
    with op.batch_alter_table('password_reset_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_request_remote_addr'))
        batch_op.drop_index(batch_op.f('ix_password_reset_request_email'))
        batch_op.drop_index(batch_op.f('ix_password_reset_request_at'))
    op.drop_table('password_reset_request')
    with op.batch_alter_table('login_address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_address_user_id'))
    op.drop_table('login_address')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
