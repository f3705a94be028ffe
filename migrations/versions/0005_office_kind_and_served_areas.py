"""office: kind (room or remote) and the areas a remote office serves

Data: an existing office without coordinates or without an address cannot be a room one
walks into (a room needs both), so it becomes `remote`, serving its own country (`serves` =
its `country`): no help disappears from the site, and a coordinator narrows the areas in
/admin/offices (or `flask seed` / `flask offices import` with a `serves` column). Its stored
coordinates are kept as they were (the search ranks rooms only and ignores them), so that
the downgrade loses nothing. Every other office is a `room` serving no listed area.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="room", nullable=False)
        )
        batch_op.add_column(
            sa.Column("serves", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_office_kind"), ["kind"], unique=False)
    op.execute(
        "UPDATE office SET kind = 'remote', serves = upper(country) "
        "WHERE lat IS NULL OR lon IS NULL OR trim(address) = ''"
    )


def downgrade() -> None:
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_office_kind"))
        batch_op.drop_column("serves")
        batch_op.drop_column("kind")
