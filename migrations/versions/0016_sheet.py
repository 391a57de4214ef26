"""Signed intervention sheet (issue 14, item 3), and the beneficiary's own reference.

- ``intervention.beneficiary_reference``: the beneficiary's internal reference for
  the request (its ticket number…), shown on the page, the sheet and the exports;
- ``intervention_sheet``: the sheet signed at completion by the beneficiary's staff
  present and the technician (both signatures as PNG, names and times) and its PDF,
  rendered once and then served as stored.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('intervention', sa.Column('beneficiary_reference', sa.String(length=60),
                                            nullable=True))

    op.create_table('intervention_sheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('intervention_id', sa.Integer(), nullable=False),
    sa.Column('signatory_name', sa.String(length=200), nullable=False),
    sa.Column('signatory_signature', sa.LargeBinary(), nullable=False),
    sa.Column('signatory_signed_at', sa.DateTime(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('technician_name', sa.String(length=200), nullable=False),
    sa.Column('technician_signature', sa.LargeBinary(), nullable=False),
    sa.Column('technician_signed_at', sa.DateTime(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['intervention_id'], ['intervention.id'], name=op.f('fk_intervention_sheet_intervention_id_intervention')),
    sa.ForeignKeyConstraint(['technician_id'], ['user.id'], name=op.f('fk_intervention_sheet_technician_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intervention_sheet')),
    sa.UniqueConstraint('intervention_id', name=op.f('uq_intervention_sheet_intervention_id'))
    )


def downgrade():
    op.drop_table('intervention_sheet')
    # Not in batch mode: on SQLite that would copy intervention, which other tables
    # reference (foreign keys on); SQLite ≥ 3.35 drops a plain column in place.
    op.drop_column('intervention', 'beneficiary_reference')
