"""Establishments' billing identity (issue 15, item 1): legal name, SIRET, public or
private payer, VAT regime, postal address, Chorus Pro service code, and an optional
engagement number per year.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('establishment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('siret', sa.String(length=14), nullable=True))
        batch_op.add_column(sa.Column('payer_kind', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('vat_regime', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('street', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('postal_code', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('city', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('chorus_service_code', sa.String(length=100),
                                      nullable=True))

    op.create_table('establishment_engagement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'],
                            name=op.f('fk_establishment_engagement_establishment_id_establishment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_establishment_engagement')),
    sa.UniqueConstraint('establishment_id', 'year',
                        name=op.f('uq_establishment_engagement_establishment_id_year'))
    )
    with op.batch_alter_table('establishment_engagement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_establishment_engagement_establishment_id'),
                              ['establishment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('establishment_engagement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_establishment_engagement_establishment_id'))
    op.drop_table('establishment_engagement')
    # Not in batch mode: on SQLite that would copy the establishment table, which
    # every other table references (foreign keys on); SQLite ≥ 3.35 drops a plain
    # column in place, like PostgreSQL.
    for column in ('chorus_service_code', 'city', 'postal_code', 'street', 'vat_regime',
                   'payer_kind', 'siret', 'legal_name'):
        op.drop_column('establishment', column)
