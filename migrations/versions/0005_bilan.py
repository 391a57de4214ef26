"""Bilan annuel versions (draft, published, frozen).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bilan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_bilan_version_status_known')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_bilan_version_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_bilan_version_published_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bilan_version')),
    sa.UniqueConstraint('groupement_id', 'year', 'version', name=op.f('uq_bilan_version_groupement_id_year_version'))
    )
    with op.batch_alter_table('bilan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bilan_version_groupement_id'), ['groupement_id'], unique=False)
        batch_op.create_index('ix_bilan_version_one_draft', ['groupement_id', 'year'], unique=True,
                              sqlite_where=sa.text("status = 'draft'"),
                              postgresql_where=sa.text("status = 'draft'"))


def downgrade():
    with op.batch_alter_table('bilan_version', schema=None) as batch_op:
        batch_op.drop_index('ix_bilan_version_one_draft',
                            sqlite_where=sa.text("status = 'draft'"),
                            postgresql_where=sa.text("status = 'draft'"))
        batch_op.drop_index(batch_op.f('ix_bilan_version_groupement_id'))

    op.drop_table('bilan_version')
