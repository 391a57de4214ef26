"""Stored PDFs of published bilans; attachments kept despite a password warning.

- ``bilan_pdf``: the PDF of a published bilan version, rendered once per
  audience (the highlighted establishment, 0 for none) and served as stored;
- ``techfile_attachment.no_password_confirmed``: the attached file's text seemed
  to hold a password and its author confirmed there is none.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bilan_pdf',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bilan_version_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Integer(), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bilan_version_id'], ['bilan_version.id'], name=op.f('fk_bilan_pdf_bilan_version_id_bilan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bilan_pdf')),
    sa.UniqueConstraint('bilan_version_id', 'audience', name=op.f('uq_bilan_pdf_bilan_version_id_audience'))
    )
    op.add_column('techfile_attachment',
                  sa.Column('no_password_confirmed', sa.Boolean(), server_default=sa.false(),
                            nullable=False))


def downgrade():
    # Not in batch mode: on SQLite that would copy techfile_attachment, which other
    # tables reference (foreign keys on); SQLite ≥ 3.35 drops a plain column in place.
    op.drop_column('techfile_attachment', 'no_password_confirmed')

    op.drop_table('bilan_pdf')
