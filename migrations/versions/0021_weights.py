"""Weighted votes of the ordered-hours model (issue 16 item 6): a procedure keeps
the rule chosen at its opening (unanimity, or weighted by the members'
contributions of the year with the quorum and majority of the version then in
force) and each ballot the weight its member had; a decision of the minutes may
be put to the weighted vote instead of unanimity.

Every existing row keeps unanimity (the per-intervention model, GIC 65).

Revision ID: 0021_weights
Revises: 0020_ordered
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021_weights'
down_revision = '0020_ordered'
branch_labels = None
depends_on = None


RULE_CHECK = "rule IN ('unanimity', 'weighted')"
ONE_RULE_CHECK = "NOT (needs_unanimity AND weighted)"


def upgrade():
    # Plain columns, no batch copy of the tables on SQLite (their CHECK constraints
    # stay as they are): SQLite takes the new CHECK inline, as 0019 its foreign key.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute("ALTER TABLE governance_procedure ADD COLUMN rule VARCHAR(10) "
                   "DEFAULT 'unanimity' NOT NULL CONSTRAINT "
                   f"ck_governance_procedure_rule_known CHECK ({RULE_CHECK})")
        op.execute("ALTER TABLE meeting_decision ADD COLUMN weighted BOOLEAN DEFAULT 0 "
                   "NOT NULL CONSTRAINT ck_meeting_decision_one_rule "
                   f"CHECK ({ONE_RULE_CHECK})")
    else:
        op.add_column('governance_procedure', sa.Column(
            'rule', sa.String(length=10), nullable=False, server_default='unanimity'))
        op.create_check_constraint(op.f('ck_governance_procedure_rule_known'),
                                   'governance_procedure', RULE_CHECK)
        op.add_column('meeting_decision', sa.Column(
            'weighted', sa.Boolean(), nullable=False, server_default=sa.false()))
        op.create_check_constraint(op.f('ck_meeting_decision_one_rule'), 'meeting_decision',
                                   ONE_RULE_CHECK)
    op.add_column('governance_procedure',
                  sa.Column('quorum_percent', sa.Integer(), nullable=True))
    op.add_column('governance_procedure',
                  sa.Column('majority_percent', sa.Integer(), nullable=True))
    op.add_column('governance_procedure', sa.Column('weight_year', sa.Integer(), nullable=True))
    op.add_column('governance_ballot',
                  sa.Column('weight', sa.Numeric(precision=12, scale=2), nullable=True))


def downgrade():
    op.drop_column('governance_ballot', 'weight')
    op.drop_column('governance_procedure', 'weight_year')
    op.drop_column('governance_procedure', 'majority_percent')
    op.drop_column('governance_procedure', 'quorum_percent')
    if op.get_bind().dialect.name != 'sqlite':  # SQLite drops it with the column
        op.drop_constraint(op.f('ck_meeting_decision_one_rule'), 'meeting_decision',
                           type_='check')
        op.drop_constraint(op.f('ck_governance_procedure_rule_known'), 'governance_procedure',
                           type_='check')
    op.drop_column('meeting_decision', 'weighted')
    op.drop_column('governance_procedure', 'rule')
