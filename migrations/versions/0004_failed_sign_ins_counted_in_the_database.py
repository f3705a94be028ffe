"""failed sign-ins counted in the database (the sign-in limit holds across processes)

`failed_login.key` is an HMAC (keyed with SECRET_KEY) of the client's address and the
e-mail tried; neither is stored in clear, and rows older than the limit's window go.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "failed_login",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_login")),
    )
    with op.batch_alter_table("failed_login", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_failed_login_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_failed_login_key"), ["key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("failed_login", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_failed_login_key"))
        batch_op.drop_index(batch_op.f("ix_failed_login_created_at"))

    op.drop_table("failed_login")
