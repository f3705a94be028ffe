"""mail sender: when a failed mail is tried again; the per-address cap

`outgoing_mail.next_attempt_at`: the mail sender (`flask mail work`) takes a row once this
time has come (NULL, as in rows queued before: at once). `mail_allowance`: the slots of the
cap on mails per address per hour, keyed by an HMAC of the address.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_allowance",
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address_key", "slot", name=op.f("pk_mail_allowance")),
    )
    with op.batch_alter_table("mail_allowance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_allowance_used_at"), ["used_at"], unique=False)

    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outgoing_mail_next_attempt_at"), ["next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_next_attempt_at"))
        batch_op.drop_column("next_attempt_at")

    with op.batch_alter_table("mail_allowance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_allowance_used_at"))

    op.drop_table("mail_allowance")
