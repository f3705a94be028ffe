"""office_version: the office list's version, bumped by triggers, for the search snapshots

Each process keeps a snapshot of the active offices (locator/geo/snapshot.py) and reads this
one-row table at most every quarter second to know whether an office changed anywhere
(an admin edit, an import, another server). The statements are the models' own
(locator.models.office_version_ddl), which create_all runs too.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from alembic import op

from locator.models import office_version_ddl, office_version_drop_ddl

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in office_version_ddl(op.get_bind().dialect.name):
        op.get_bind().exec_driver_sql(statement)


def downgrade() -> None:
    for statement in office_version_drop_ddl(op.get_bind().dialect.name):
        op.get_bind().exec_driver_sql(statement)
