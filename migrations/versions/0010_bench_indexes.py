"""Indexes for the queries measured by the benchmark (issue 6).

None was kept: the measured queries were fixed in their SQL (one pass over the
year's sessions, driven by the existing (intervention, year) and year
indexes); a covering (year, mode, intervention…) index gained ~10 % and could
lead SQLite without statistics into a quadratic plan (bench/RESULTS.md).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23

"""


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
