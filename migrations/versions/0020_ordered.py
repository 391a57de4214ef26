"""A second convention model (issue 16): hours ordered in advance, provisional
contributions and year-end regularisation. A convention version says its model
(every existing one stays « per_intervention ») and its ordered-hours settings;
an establishment is a member or a « utilisateur »; hour orders, the year's budget
and real expenses, and the numbered contribution documents with their lines.

Revision ID: 0020_ordered
Revises: 0019
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_ordered'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs with a server default (SQLite adds them in place, every
    # existing row takes the default: today's per-intervention model, members).
    op.add_column('convention_version', sa.Column(
        'model', sa.String(length=20), server_default='per_intervention', nullable=False))
    op.add_column('convention_version', sa.Column(
        'overrun_allowed', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('convention_version', sa.Column(
        'quorum_percent', sa.Integer(), server_default='50', nullable=False))
    op.add_column('convention_version', sa.Column(
        'majority_percent', sa.Integer(), server_default='50', nullable=False))
    op.add_column('convention_version', sa.Column(
        'instalments', sa.Integer(), server_default='1', nullable=False))
    op.add_column('establishment', sa.Column(
        'participation', sa.String(length=10), server_default='member', nullable=False))

    op.create_table('hour_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('minutes >= 0', name=op.f('ck_hour_order_minutes_positive')),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'],
                            name=op.f('fk_hour_order_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'],
                            name=op.f('fk_hour_order_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'],
                            name=op.f('fk_hour_order_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hour_order')),
    sa.UniqueConstraint('establishment_id', 'year',
                        name=op.f('uq_hour_order_establishment_id_year'))
    )
    with op.batch_alter_table('hour_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hour_order_establishment_id'),
                              ['establishment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hour_order_groupement_id'), ['groupement_id'],
                              unique=False)

    op.create_table('ordered_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('hourly_rate', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('ordered_minutes', sa.Integer(), nullable=True),
    sa.Column('budget', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('voted_on', sa.Date(), nullable=True),
    sa.Column('vote_reference', sa.Text(), nullable=True),
    sa.Column('voted_by_id', sa.Integer(), nullable=True),
    sa.Column('voted_at', sa.DateTime(), nullable=True),
    sa.Column('real_expenses', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('expenses_note', sa.Text(), nullable=True),
    sa.Column('regularised_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('real_expenses IS NULL OR real_expenses >= 0',
                       name=op.f('ck_ordered_year_expenses_positive')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'],
                            name=op.f('fk_ordered_year_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['voted_by_id'], ['user.id'],
                            name=op.f('fk_ordered_year_voted_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ordered_year')),
    sa.UniqueConstraint('groupement_id', 'year',
                        name=op.f('uq_ordered_year_groupement_id_year'))
    )
    with op.batch_alter_table('ordered_year', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ordered_year_groupement_id'), ['groupement_id'],
                              unique=False)

    op.create_table('contribution_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('instalment', sa.Integer(), nullable=True),
    sa.Column('instalments', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'],
                            name=op.f('fk_contribution_document_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'],
                            name=op.f('fk_contribution_document_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'],
                            name=op.f('fk_contribution_document_issued_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_document')),
    sa.UniqueConstraint('groupement_id', 'number',
                        name=op.f('uq_contribution_document_groupement_id_number'))
    )
    with op.batch_alter_table('contribution_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_document_establishment_id'),
                              ['establishment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_document_groupement_id'),
                              ['groupement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_document_year'), ['year'],
                              unique=False)

    op.create_table('contribution_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_contribution_line_amount_positive')),
    sa.ForeignKeyConstraint(['document_id'], ['contribution_document.id'],
                            name=op.f('fk_contribution_line_document_id_contribution_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_line'))
    )
    with op.batch_alter_table('contribution_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_line_document_id'), ['document_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('contribution_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_line_document_id'))
    op.drop_table('contribution_line')
    with op.batch_alter_table('contribution_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_document_year'))
        batch_op.drop_index(batch_op.f('ix_contribution_document_groupement_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_document_establishment_id'))
    op.drop_table('contribution_document')
    with op.batch_alter_table('ordered_year', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ordered_year_groupement_id'))
    op.drop_table('ordered_year')
    with op.batch_alter_table('hour_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hour_order_groupement_id'))
        batch_op.drop_index(batch_op.f('ix_hour_order_establishment_id'))
    op.drop_table('hour_order')
    # Not in batch mode: on SQLite that would copy tables every other one references;
    # SQLite ≥ 3.35 drops a plain column in place, like PostgreSQL.
    op.drop_column('establishment', 'participation')
    for column in ('instalments', 'majority_percent', 'quorum_percent', 'overrun_allowed',
                   'model'):
        op.drop_column('convention_version', column)
