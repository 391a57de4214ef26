"""Stand-ins (issue 13 item 1, « suppléance »): a director names one person of his
establishment who may act for him over a date range; the audit log says when an
action was done through one.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('standin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('director_id', sa.Integer(), nullable=False),
    sa.Column('standin_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ended_early_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_standin_range_ordered')),
    sa.CheckConstraint('standin_id <> director_id', name=op.f('ck_standin_not_oneself')),
    sa.ForeignKeyConstraint(['director_id'], ['user.id'],
                            name=op.f('fk_standin_director_id_user')),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'],
                            name=op.f('fk_standin_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'],
                            name=op.f('fk_standin_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['standin_id'], ['user.id'],
                            name=op.f('fk_standin_standin_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standin'))
    )
    with op.batch_alter_table('standin', schema=None) as batch_op:
        batch_op.create_index('ix_standin_establishment_dates', ['establishment_id', 'ends_on'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_standin_director_id'), ['director_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_standin_groupement_id'), ['groupement_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_standin_standin_id'), ['standin_id'], unique=False)

    # Not in batch mode: on SQLite that would copy the audit log. SQLite adds a
    # nullable column with its foreign key in place (as 0008 does).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE audit_entry ADD COLUMN standin_id INTEGER '
                   'CONSTRAINT fk_audit_entry_standin_id_standin '
                   'REFERENCES standin (id)')
    else:
        op.add_column('audit_entry', sa.Column('standin_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_audit_entry_standin_id_standin'), 'audit_entry',
                              'standin', ['standin_id'], ['id'])


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':  # SQLite (≥ 3.35) drops it with the column
        op.drop_constraint(op.f('fk_audit_entry_standin_id_standin'), 'audit_entry',
                           type_='foreignkey')
    op.drop_column('audit_entry', 'standin_id')
    with op.batch_alter_table('standin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standin_standin_id'))
        batch_op.drop_index(batch_op.f('ix_standin_groupement_id'))
        batch_op.drop_index(batch_op.f('ix_standin_director_id'))
        batch_op.drop_index('ix_standin_establishment_dates')
    op.drop_table('standin')
