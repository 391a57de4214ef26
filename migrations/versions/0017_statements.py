"""Numbered settlement statements of closed years (issue 15, items 2–5).

- ``document_counter``: the last number given per groupement and billed year,
  locked by whoever numbers a document (continuous numbers, no gap);
- ``settlement_statement``: a settlement statement or the credit statement that
  cancels it, with its frozen content, its PDF and its Factur-X PDF as stored.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_sequence', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'],
                            name=op.f('fk_document_counter_groupement_id_groupement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_counter')),
    sa.UniqueConstraint('groupement_id', 'year', name=op.f('uq_document_counter_groupement_id_year'))
    )
    op.create_table('settlement_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('payee_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('cancels_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('facturx', sa.LargeBinary(), nullable=True),
    sa.Column('facturx_missing', sa.Text(), nullable=True),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_settlement_statement_amount_positive')),
    sa.ForeignKeyConstraint(['cancels_id'], ['settlement_statement.id'],
                            name=op.f('fk_settlement_statement_cancels_id_settlement_statement')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'],
                            name=op.f('fk_settlement_statement_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['payee_id'], ['establishment.id'],
                            name=op.f('fk_settlement_statement_payee_id_establishment')),
    sa.ForeignKeyConstraint(['payer_id'], ['establishment.id'],
                            name=op.f('fk_settlement_statement_payer_id_establishment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_statement')),
    sa.UniqueConstraint('groupement_id', 'number',
                        name=op.f('uq_settlement_statement_groupement_id_number')),
    sa.UniqueConstraint('groupement_id', 'year', 'sequence',
                        name=op.f('uq_settlement_statement_groupement_id_year_sequence'))
    )
    with op.batch_alter_table('settlement_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_statement_groupement_id'),
                              ['groupement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_settlement_statement_payee_id'), ['payee_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_settlement_statement_payer_id'), ['payer_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('settlement_statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_statement_payer_id'))
        batch_op.drop_index(batch_op.f('ix_settlement_statement_payee_id'))
        batch_op.drop_index(batch_op.f('ix_settlement_statement_groupement_id'))
    op.drop_table('settlement_statement')
    op.drop_table('document_counter')
